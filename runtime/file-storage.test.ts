import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FileStorage } from './file-storage.ts'
import { encodeRecord } from './record-log.ts'
import { StorageError } from './storage-error.ts'
import { tempDir } from '../core/temp-dir.fixtures.ts'

const fresh = () => tempDir('store')
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString())

describe('FileStorage', () => {
  it('keeps what was synced across a reopen, and loses only what was not', () => {
    const dir = fresh()
    const a = FileStorage.open(dir)
    a.put('x', Buffer.from('1'))
    a.put('y', Buffer.from('2'))
    a.delete('x')
    a.sync()
    a.put('z', Buffer.from('lost')) // never synced: the process "crashes" here
    const b = FileStorage.open(dir)
    expect(b.keys()).toEqual(['y'])
    expect(text(b.get('y'))).toBe('2')
  })

  it('matches an in-memory model for any sequence of operations (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('put', 'delete', 'sync'), fc.constantFrom('a', 'b', 'c/1', 'c/2'), fc.uint8Array({ maxLength: 20 }))),
        (ops) => {
          const dir = fresh()
          const store = FileStorage.open(dir)
          const model = new Map<string, string>()
          let durable = new Map<string, string>()
          for (const [op, key, value] of ops) {
            if (op === 'put') store.put(key, value), model.set(key, Buffer.from(value).toString('hex'))
            else if (op === 'delete') store.delete(key), model.delete(key)
            else store.sync(), (durable = new Map(model))
          }
          expect(store.keys('c/')).toEqual([...model.keys()].filter((k) => k.startsWith('c/')).sort())
          const reopened = FileStorage.open(dir)
          expect(new Map(reopened.keys().map((k) => [k, Buffer.from(reopened.get(k)!).toString('hex')]))).toEqual(durable)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('compacts a log that outgrew its live data, keeping every value', () => {
    const dir = fresh()
    const store = FileStorage.open(dir)
    const value = new Uint8Array(64 * 1024).fill(1)
    for (let i = 0; i < 200; i++) {
      store.put(`k${i % 4}`, value.map(() => i & 0xff))
      store.sync()
    }
    expect(statSync(join(dir, 'store.log')).size).toBeLessThan(8 << 20)
    const reopened = FileStorage.open(dir)
    expect(reopened.keys()).toEqual(['k0', 'k1', 'k2', 'k3'])
    expect(reopened.get('k3')![0]).toBe(199)
  })
})

type Op = readonly [op: 'put' | 'delete', key: string, value: Uint8Array]
const opsArb = fc.array(fc.tuple(fc.constantFrom('put' as const, 'delete' as const), fc.constantFrom('a', 'b', 'c/1', 'c/2'), fc.uint8Array({ maxLength: 24 })), { minLength: 1, maxLength: 30 })

/** Writes `ops`, one synced record each, and returns the log's record boundaries (start of each, then the end). */
function writeRecords(dir: string, ops: readonly Op[]): number[] {
  const store = FileStorage.open(dir)
  const bounds = [0]
  for (const [op, key, value] of ops) {
    if (op === 'put') store.put(key, value)
    else store.delete(key)
    store.sync()
    bounds.push(statSync(join(dir, 'store.log')).size)
  }
  store.close()
  return bounds
}

/** The store's content (hex values) after applying `ops`. */
function modelOf(ops: readonly Op[]): Map<string, string> {
  const model = new Map<string, string>()
  for (const [op, key, value] of ops) op === 'put' ? model.set(key, Buffer.from(value).toString('hex')) : model.delete(key)
  return model
}

const contentOf = (store: FileStorage) => new Map(store.keys().map((k) => [k, Buffer.from(store.get(k)!).toString('hex')]))

function refusal(open: () => unknown): StorageError {
  try {
    open()
  } catch (error) {
    if (error instanceof StorageError) return error
    throw error
  }
  throw new Error('expected a StorageError')
}

describe('FileStorage on a damaged log', () => {
  it('cuts off a torn final record, and nothing before it, wherever the crash cut the file (property)', () => {
    fc.assert(
      fc.property(opsArb, fc.nat(), (ops, cutSeed) => {
        const dir = fresh()
        const bounds = writeRecords(dir, ops)
        const size = bounds.at(-1)!
        const cut = cutSeed % (size + 1)
        writeFileSync(join(dir, 'store.log'), readFileSync(join(dir, 'store.log')).subarray(0, cut))
        const whole = bounds.filter((b) => b <= cut).length - 1 // records wholly before the cut
        const store = FileStorage.open(dir)
        expect(contentOf(store)).toEqual(modelOf(ops.slice(0, whole)))
        expect(store.tornBytesCut).toBe(cut - bounds[whole]!)
        expect(statSync(join(dir, 'store.log')).size).toBe(bounds[whole])
      }),
      { numRuns: 80 },
    )
  })

  it('refuses any damaged byte, naming the file and the record, changes nothing, and repair keeps every other record (property)', () => {
    fc.assert(
      fc.property(opsArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (ops, atSeed, flip) => {
        const dir = fresh()
        const bounds = writeRecords(dir, ops)
        const log = join(dir, 'store.log')
        const bytes = readFileSync(log)
        const at = atSeed % bytes.length
        bytes[at]! ^= flip
        writeFileSync(log, bytes)
        const record = bounds.findLastIndex((b) => b <= at)
        const error = refusal(() => FileStorage.open(dir))
        expect(error).toMatchObject({ reason: 'damaged', path: log, offset: bounds[record] })
        expect(error.message).toContain(`${log} is damaged at byte ${bounds[record]}`)
        expect(readFileSync(log).equals(bytes)).toBe(true) // nothing was cut

        const repair = FileStorage.repair(dir)
        expect(repair.log).toMatchObject({ damaged: true, keptRecords: ops.length - 1, damagedRegions: 1, movedTo: `${log}.damaged` })
        expect(readFileSync(`${log}.damaged`).equals(bytes)).toBe(true)
        expect(repair.atomic.damaged).toBe(false)
        expect(contentOf(FileStorage.open(dir))).toEqual(modelOf(ops.filter((_, i) => i !== record)))
      }),
      { numRuns: 80 },
    )
  })

  it('refuses a 10,000-key store with one flipped byte in the middle, and repair keeps 9,999 keys', () => {
    const dir = fresh()
    const store = FileStorage.open(dir)
    for (let i = 0; i < 10_000; i++) store.put(`key/${i}`, Buffer.from(`value ${i}`))
    store.close()
    const log = join(dir, 'store.log')
    const bytes = readFileSync(log)
    bytes[bytes.length >> 1]! ^= 0x40
    writeFileSync(log, bytes)
    expect(refusal(() => FileStorage.open(dir))).toMatchObject({ reason: 'damaged', path: log })
    expect(FileStorage.repair(dir).log).toMatchObject({ keptRecords: 9_999, keys: 9_999, damagedRegions: 1 })
    expect(FileStorage.open(dir).keys().length).toBe(9_999)
  })

  it('refuses a log whose 100th record has a damaged length, rather than keeping 100 records', () => {
    const dir = fresh()
    const bounds = writeRecords(dir, Array.from({ length: 300 }, (_, i): Op => ['put', `k${i}`, Buffer.from(String(i))]))
    const log = join(dir, 'store.log')
    const bytes = readFileSync(log)
    bytes[bounds[100]!]! ^= 0x01 // the length's top byte: the record now runs past the end of the file
    writeFileSync(log, bytes)
    expect(refusal(() => FileStorage.open(dir)).message).toContain(`damaged at byte ${bounds[100]} of ${bounds.at(-1)}: valid records follow it (the next at byte ${bounds[101]})`)
    expect(FileStorage.repair(dir).log.keys).toBe(299)
  })

  it('refuses a damaged length in the final record rather than taking it for a torn append', () => {
    const dir = fresh()
    const bounds = writeRecords(dir, [['put', 'a', Buffer.from('1')], ['put', 'b', Buffer.from('2')]])
    const bytes = readFileSync(join(dir, 'store.log'))
    bytes[bounds[1]! + 2]! ^= 0x10 // the length grows past the end of the file
    writeFileSync(join(dir, 'store.log'), bytes)
    expect(refusal(() => FileStorage.open(dir)).offset).toBe(bounds[1])
  })

  it('refuses a zero-filled log as not a log at all, and repair moves it aside', () => {
    const dir = fresh()
    writeRecords(dir, [['put', 'a', Buffer.from('1')]])
    const log = join(dir, 'store.log')
    writeFileSync(log, Buffer.alloc(4096))
    expect(refusal(() => FileStorage.open(dir)).message).toContain('damaged at byte 0 of 4096: no record verifies at all')
    expect(FileStorage.repair(dir).log).toMatchObject({ keptRecords: 0, skippedBytes: 4096, movedTo: `${log}.damaged` })
    expect(FileStorage.open(dir).keys()).toEqual([])
    writeFileSync(log, Buffer.alloc(16))
    expect(FileStorage.repair(dir).log.movedTo).toBe(`${log}.damaged.1`) // an earlier copy is never overwritten
  })

  it('refuses a log overwritten with other bytes, though its first length runs past the end like a torn append', () => {
    const dir = fresh()
    writeRecords(dir, [['put', 'a', Buffer.from('1')]])
    const log = join(dir, 'store.log')
    writeFileSync(log, Buffer.from('garbage'.repeat(100))) // 'garb' read as a length: 1.7 GB
    expect(refusal(() => FileStorage.open(dir)).message).toContain('damaged at byte 0')
    expect(readFileSync(log).length).toBe(700) // nothing cut
  })

  it('opens any bytes appended to a log, or refuses them with a StorageError; repair always keeps what was there (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
        const dir = fresh()
        writeRecords(dir, [['put', 'ok', Buffer.from('1')]])
        appendFileSync(join(dir, 'store.log'), garbage)
        try {
          expect(FileStorage.open(dir).keys()).toEqual(['ok'])
        } catch (error) {
          expect(error).toBeInstanceOf(StorageError)
          expect(FileStorage.repair(dir).log.keptRecords).toBeGreaterThanOrEqual(1)
        }
        const reopened = FileStorage.open(dir)
        expect(reopened.keys()).toContain('ok')
        reopened.put('next', Buffer.from('2'))
        reopened.sync()
        expect(FileStorage.open(dir).keys()).toContain('next')
      }),
      { numRuns: 50 },
    )
  })

  it('removes the temporary files a crash leaves, but only once the store verifies', () => {
    const dir = fresh()
    writeRecords(dir, [['put', 'a', Buffer.from('1')]])
    const stale = ['store.log.compacting', 'store.log.repairing', 'atomic.state.replacing', 'atomic.state.repairing'].map((name) => join(dir, name))
    for (const path of stale) writeFileSync(path, 'half-written')
    FileStorage.open(dir)
    expect(stale.filter(existsSync)).toEqual([])
  })
})

describe('FileStorage atomic keys', () => {
  const identity = Buffer.from('epoch 7')

  it('keeps the identity state in its own file, out of the log', () => {
    const dir = fresh()
    const store = FileStorage.open(dir)
    store.put('identity/own', identity)
    store.put('peer/x', Buffer.from('1'))
    store.sync()
    expect(readFileSync(join(dir, 'store.log')).includes('identity/own')).toBe(false)
    expect(readFileSync(join(dir, 'atomic.state')).includes('identity/own')).toBe(true)
    expect(store.keys()).toEqual(['identity/own', 'peer/x'])
    store.delete('identity/own')
    store.sync()
    expect(FileStorage.open(dir).keys()).toEqual(['peer/x'])
  })

  it('survives a zeroed log: the store refuses to open, and the repaired store still has it', () => {
    const dir = fresh()
    const store = FileStorage.open(dir)
    store.put('identity/own', identity)
    store.put('records/version/greeting', Buffer.from('42'))
    store.put('dht/record/1', Buffer.from('r'))
    store.close()
    writeFileSync(join(dir, 'store.log'), Buffer.alloc(1024))
    expect(refusal(() => FileStorage.open(dir)).path).toBe(join(dir, 'store.log'))
    FileStorage.repair(dir)
    const repaired = FileStorage.open(dir)
    expect(text(repaired.get('identity/own'))).toBe('epoch 7')
    expect(repaired.keys()).toEqual(['identity/own', 'records/version/greeting'])
  })

  it('refuses a damaged atomic file, naming it', () => {
    const dir = fresh()
    const store = FileStorage.open(dir)
    store.put('identity/seed', identity)
    store.close()
    const file = join(dir, 'atomic.state')
    const bytes = readFileSync(file)
    bytes[bytes.length - 1]! ^= 1
    writeFileSync(file, bytes)
    expect(refusal(() => FileStorage.open(dir))).toMatchObject({ reason: 'damaged', path: file, offset: 0 })
    expect(FileStorage.repair(dir).atomic).toMatchObject({ damaged: true, keptRecords: 0, movedTo: `${file}.damaged` })
  })

  it('moves identity state out of a log written before the atomic file existed (or before its prefix was atomic)', () => {
    const dir = fresh()
    const old = FileStorage.open(dir, { atomicPrefixes: [] })
    old.put('identity/own', Buffer.from('old'))
    old.put('identity/own', identity)
    old.put('identity/seed', Buffer.from('seed'))
    old.close()
    const store = FileStorage.open(dir, { atomicPrefixes: ['identity/own'] })
    expect(text(store.get('identity/own'))).toBe('epoch 7')
    expect(existsSync(join(dir, 'atomic.state'))).toBe(true) // moved at open
    expect(FileStorage.open(dir, { atomicPrefixes: [] }).keys()).toEqual(['identity/own', 'identity/seed']) // the log no longer holds it
    const more = FileStorage.open(dir) // a prefix added since: identity/seed moves too
    expect(text(more.get('identity/seed'))).toBe('seed')
    more.delete('identity/own')
    more.close()
    expect(FileStorage.open(dir).keys()).toEqual(['identity/seed']) // no stale copy in the log came back
  })

  it('prefers the atomic file when a crash left a key in both it and the log', () => {
    const dir = fresh()
    const store = FileStorage.open(dir)
    store.put('identity/own', identity)
    store.close()
    const old = FileStorage.open(dir, { atomicPrefixes: [] }) // the key is held by the atomic file: it stays there
    expect(text(old.get('identity/own'))).toBe('epoch 7')
    writeFileSync(join(dir, 'store.log'), encodeRecord('identity/own', Buffer.from('older'))) // as if the log's delete was lost
    expect(text(FileStorage.open(dir).get('identity/own'))).toBe('epoch 7')
  })
})

