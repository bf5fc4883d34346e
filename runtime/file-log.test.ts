import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../core/bytes.ts'
import { blake2b } from '../core/hash.ts'
import { storageContract } from '../core/storage-contract.suite.ts'
import { DEFAULT_STORE_LIMITS, StoreError } from '../core/storage.ts'
import { SCAN_WINDOW_BYTES } from './file-log.ts'
import { encodeRecord } from './record-log.ts'
import { FileStorage } from './file-storage.ts'
import { StorageError } from './storage-error.ts'
import { tempDir } from '../core/temp-dir.fixtures.ts'

const logDir = () => tempDir('log')

const bytes = (s: string) => new TextEncoder().encode(s)
const LOG_FILE = (dir: string, name: string) => join(dir, 'logs', `${encodeURIComponent(name)}.log`)
const records = (store: FileStorage, name: string) => Array.from({ length: store.log(name).length }, (_, i) => store.log(name).get(i))

describe('FileStorage logs and blobs', () => {
  // A crash is what is on disk at that instant: a copy of the directory, opened, while the writer is dropped.
  storageContract((limits) => {
    let dir = logDir()
    let storage = FileStorage.open(dir, { limits })
    return {
      storage,
      crash() {
        const copy = logDir()
        cpSync(dir, copy, { recursive: true })
        storage.close()
        dir = copy
        storage = FileStorage.open(dir, { limits })
        return storage
      },
      dispose: () => storage.close(),
    }
  }, 25)

  it('cut at any offset, a log opens with exactly the records wholly before the cut, and the file is cut to them (property)', () => {
    const dir = logDir()
    const store = FileStorage.open(dir)
    const written = Array.from({ length: 12 }, (_, i) => bytes(`record ${i} `.repeat(i + 1)))
    for (const record of written) store.log('fl/ledger').append(record)
    store.close()
    const whole = readFileSync(LOG_FILE(dir, 'fl/ledger'))
    let end = 0
    const ends = written.map((record) => (end += encodeRecord('', record).length))
    expect(end).toBe(whole.length)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: whole.length }), (cut) => {
        const copy = logDir()
        cpSync(join(dir, 'logs'), join(copy, 'logs'), { recursive: true })
        truncateSync(LOG_FILE(copy, 'fl/ledger'), cut)
        const reopened = FileStorage.open(copy)
        const whollyBefore = ends.filter((e) => e <= cut).length
        expect(records(reopened, 'fl/ledger')).toEqual(written.slice(0, whollyBefore))
        expect(readFileSync(LOG_FILE(copy, 'fl/ledger')).length).toBe(ends[whollyBefore - 1] ?? 0)
        reopened.log('fl/ledger').append(bytes('after')) // lands behind the kept records, not a torn one
        reopened.close()
        const again = FileStorage.open(copy)
        expect(records(again, 'fl/ledger')).toEqual([...written.slice(0, whollyBefore), bytes('after')])
        again.close()
      }),
      { numRuns: 60 },
    )
  })

  it('refuses a log damaged in the middle, naming the file and offset, and changes nothing', () => {
    const dir = logDir()
    const store = FileStorage.open(dir)
    for (let i = 0; i < 20; i++) store.log('ledger').append(bytes(`entry ${i}`))
    store.close()
    const path = LOG_FILE(dir, 'ledger')
    const original = readFileSync(path)
    const damaged = Buffer.from(original)
    damaged[Math.floor(damaged.length / 2)]! ^= 0x40
    writeFileSync(path, damaged)
    const reopened = FileStorage.open(dir)
    expect(() => reopened.log('ledger')).toThrow(StorageError)
    expect(() => reopened.log('ledger')).toThrow(/ledger\.log is damaged at byte \d+ of \d+: valid records follow it/)
    expect(readFileSync(path)).toEqual(damaged)
    reopened.close()
  })

  it('reads go to the disk: a record damaged after open is reported as corrupt, not served from memory', () => {
    const dir = logDir()
    const store = FileStorage.open(dir)
    const log = store.log('ledger')
    log.append(bytes('first'))
    log.append(bytes('second'))
    store.sync()
    const path = LOG_FILE(dir, 'ledger')
    const file = readFileSync(path)
    file[file.length - 6]! ^= 0x01 // inside the second record's payload
    writeFileSync(path, file)
    expect(log.get(0)).toEqual(bytes('first'))
    expect(() => log.get(1)).toThrow(expect.objectContaining({ _tag: 'StoreError', reason: 'corrupt' }))
    store.close()
  })

  it('indexes records longer than a scan window', () => {
    const dir = logDir()
    const limits = { ...DEFAULT_STORE_LIMITS, maxLogRecordBytes: SCAN_WINDOW_BYTES + 10 }
    const store = FileStorage.open(dir, { limits })
    const big = new Uint8Array(SCAN_WINDOW_BYTES + 10).fill(7)
    for (const record of [bytes('a'), big, bytes('b'), big]) store.log('ledger').append(record)
    store.close()
    const reopened = FileStorage.open(dir, { limits })
    expect(records(reopened, 'ledger').map((r) => r?.length)).toEqual([1, big.length, 1, big.length])
    expect(bytesEqual(reopened.log('ledger').get(3)!, big)).toBe(true) // toEqual on MBs takes seconds
    reopened.close()
  })

  it('detects a blob damaged on disk, never returns it, and a put of its bytes repairs it', () => {
    const dir = logDir()
    const store = FileStorage.open(dir)
    const blobs = store.blobs('fl/models')
    const weights = Uint8Array.from({ length: 3 << 20 }, (_, i) => (i * 31) % 256)
    const hash = blobs.put(weights)
    expect(bytesEqual(hash, blake2b(weights))).toBe(true)
    store.sync()
    const path = join(dir, 'blobs', encodeURIComponent('fl/models'), Buffer.from(hash).toString('hex'))
    const file = readFileSync(path)
    file[2_000_000]! ^= 0x01
    writeFileSync(path, file)
    expect(() => blobs.get(hash)).toThrow(StoreError)
    expect(() => blobs.verify(hash)).toThrow(expect.objectContaining({ reason: 'corrupt' }))
    blobs.put(weights)
    expect(blobs.verify(hash)).toBe(true)
    expect(bytesEqual(blobs.get(hash)!, weights)).toBe(true)
    store.close()
  })

  it('removes a blob write a crash interrupted, and creates no log or blob directory until one is used', () => {
    const dir = logDir()
    FileStorage.open(dir).close()
    expect(readdirSync(dir).sort()).toEqual(['atomic.state', 'store.log'].filter((f) => existsSync(join(dir, f))).sort())
    const store = FileStorage.open(dir)
    const hash = store.blobs('weights').put(bytes('w'))
    store.close()
    const blobDir = join(dir, 'blobs', 'weights')
    writeFileSync(join(blobDir, `${'ab'.repeat(32)}.writing`), 'partial')
    const reopened = FileStorage.open(dir)
    expect(reopened.blobs('weights').get(hash)).toEqual(bytes('w'))
    expect(readdirSync(blobDir)).toEqual([Buffer.from(hash).toString('hex')])
    reopened.close()
  })
})
