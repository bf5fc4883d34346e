import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FileStorage } from './file-storage.ts'

const fresh = () => mkdtempSync(join(tmpdir(), 'vain-store-'))
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

  it('recovers from a torn or corrupt tail, keeping every whole record before it', () => {
    const dir = fresh()
    const a = FileStorage.open(dir)
    a.put('kept', Buffer.from('yes'))
    a.sync()
    const size = statSync(join(dir, 'store.log')).size
    a.put('torn', Buffer.from('no'))
    a.sync()
    const log = readFileSync(join(dir, 'store.log'))
    writeFileSync(join(dir, 'store.log'), log.subarray(0, log.length - 3)) // a crash mid-append
    expect(FileStorage.open(dir).keys()).toEqual(['kept'])
    expect(statSync(join(dir, 'store.log')).size).toBe(size) // the torn record was cut off
    appendFileSync(join(dir, 'store.log'), Buffer.from([0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0])) // a record with a bad CRC
    const c = FileStorage.open(dir)
    c.put('after', Buffer.from('ok'))
    c.sync()
    expect(FileStorage.open(dir).keys()).toEqual(['after', 'kept'])
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

  it('keeps synced writes when the process is killed with SIGKILL', () => {
    const dir = fresh()
    const script = `
      import { FileStorage } from ${JSON.stringify(new URL('./file-storage.ts', import.meta.url).pathname)}
      const s = FileStorage.open(${JSON.stringify(dir)})
      for (let i = 0; i < 100; i++) s.put('k' + i, Buffer.from(String(i)))
      s.sync()
      s.put('unsynced', Buffer.from('x'))
      process.kill(process.pid, 'SIGKILL')`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(child.signal).toBe('SIGKILL')
    const reopened = FileStorage.open(dir)
    expect(reopened.keys().length).toBe(100)
    expect(text(reopened.get('k99'))).toBe('99')
  })
})

describe('FileStorage on arbitrary files', () => {
  it('opens any file content without throwing, keeping a prefix of whole records', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
        const dir = fresh()
        const seeded = FileStorage.open(dir)
        seeded.put('ok', Buffer.from('1'))
        seeded.close()
        appendFileSync(join(dir, 'store.log'), garbage)
        const reopened = FileStorage.open(dir)
        expect(reopened.keys()).toContain('ok')
        reopened.put('next', Buffer.from('2'))
        reopened.sync()
        expect(FileStorage.open(dir).keys()).toContain('next')
      }),
      { numRuns: 50 },
    )
  })
})
