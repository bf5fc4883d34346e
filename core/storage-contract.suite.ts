import fc from 'fast-check'
import { expect, it } from 'vitest'
import { blake2b } from './hash.ts'
import { DEFAULT_STORE_LIMITS, StoreError, type Storage, type StoreLimits } from './storage.ts'

/**
 * What every Storage's logs and blob stores guarantee, as a model-based property: a random run of
 * appends, blob puts and deletes, syncs and crashes against a model of arrays and maps (what is live,
 * what a crash keeps), checked after every step, reads included.
 */
export interface StorageUnderTest {
  readonly storage: Storage
  /** A crash that loses the log appends since the last sync (nothing torn); returns the storage to use now. */
  crash(): Storage
  /** Releases what the storage holds (files, descriptors). */
  dispose(): void
}

const LOGS = ['ledger', 'fl/updates'] as const
const STORES = ['weights', 'fl/models'] as const

type Op =
  | { readonly kind: 'append'; readonly log: number; readonly record: Uint8Array }
  | { readonly kind: 'put'; readonly store: number; readonly blob: number }
  | { readonly kind: 'delete'; readonly store: number; readonly blob: number }
  | { readonly kind: 'sync' }
  | { readonly kind: 'crash' }

// A few distinct blobs, so that puts, re-puts and deletes of one blob meet in a run.
const BLOBS = [new Uint8Array(0), new Uint8Array([1, 2, 3]), Uint8Array.from({ length: 5000 }, (_, i) => i % 251)]

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), log: fc.nat(LOGS.length - 1), record: fc.uint8Array({ maxLength: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), store: fc.nat(STORES.length - 1), blob: fc.nat(BLOBS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), store: fc.nat(STORES.length - 1), blob: fc.nat(BLOBS.length - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
)

class Model {
  logs: Uint8Array[][] = LOGS.map(() => [])
  stores: Set<number>[] = STORES.map(() => new Set())

  copy(): Model {
    const model = new Model()
    model.logs = this.logs.map((records) => [...records])
    model.stores = this.stores.map((blobs) => new Set(blobs))
    return model
  }
}

function check(storage: Storage, model: Model): void {
  LOGS.forEach((name, i) => {
    const log = storage.log(name)
    const records = model.logs[i] as Uint8Array[]
    expect(log.length).toBe(records.length)
    records.forEach((record, index) => expect(log.get(index)).toEqual(record))
    expect(log.get(records.length)).toBeUndefined()
  })
  STORES.forEach((name, i) => {
    const blobs = storage.blobs(name)
    BLOBS.forEach((bytes, b) => {
      const hash = blake2b(bytes)
      const present = (model.stores[i] as Set<number>).has(b)
      expect(blobs.has(hash)).toBe(present)
      expect(blobs.verify(hash)).toBe(present)
      expect(blobs.size(hash)).toBe(present ? bytes.length : undefined)
      expect(blobs.get(hash)).toEqual(present ? bytes : undefined)
      const at = Math.min(1, bytes.length)
      expect(blobs.read(hash, at, 4000)).toEqual(present ? bytes.slice(at, at + 4000) : undefined)
    })
  })
}

/**
 * After a crash, a blob put or deleted since the last sync may be either way (a store may make a write
 * durable before `sync()`, as FileStorage does with a blob's file): what the store shows must be the
 * durable state or the state before the crash, and the model takes it.
 */
function reconcileBlobs(storage: Storage, durable: Model, before: Model): void {
  STORES.forEach((name, i) => {
    BLOBS.forEach((bytes, b) => {
      const wasDurable = (durable.stores[i] as Set<number>).has(b)
      const wasLive = (before.stores[i] as Set<number>).has(b)
      const now = storage.blobs(name).has(blake2b(bytes))
      if (wasDurable === wasLive) return // check() requires it unchanged
      if (now) durable.stores[i]?.add(b)
      else durable.stores[i]?.delete(b)
    })
  })
}

export function storageContract(make: (limits: StoreLimits) => StorageUnderTest, numRuns = 40): void {
  it('logs and blob stores behave as arrays and sets, keeping every synced write across crashes and nothing never written (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const subject = make(DEFAULT_STORE_LIMITS)
        try {
          let storage = subject.storage
          let live = new Model()
          let durable = new Model()
          for (const o of ops) {
            const before = live.copy()
            if (o.kind === 'append') {
              const records = live.logs[o.log] as Uint8Array[]
              expect(storage.log(LOGS[o.log] as string).append(o.record)).toBe(records.length)
              records.push(o.record)
            } else if (o.kind === 'put') {
              expect(storage.blobs(STORES[o.store] as string).put(BLOBS[o.blob] as Uint8Array)).toEqual(Uint8Array.from(blake2b(BLOBS[o.blob] as Uint8Array)))
              live.stores[o.store]?.add(o.blob)
            } else if (o.kind === 'delete') {
              storage.blobs(STORES[o.store] as string).delete(blake2b(BLOBS[o.blob] as Uint8Array))
              live.stores[o.store]?.delete(o.blob)
            } else if (o.kind === 'sync') {
              storage.sync()
              durable = live.copy()
            } else {
              storage = subject.crash()
              live = durable.copy()
              reconcileBlobs(storage, live, before)
            }
            check(storage, live)
          }
        } finally {
          subject.dispose()
        }
      }),
      { numRuns },
    )
  })

  it('refuses bad names, records and blobs past the limits, bad hashes and ranges, changing nothing', () => {
    const subject = make({ maxLogRecordBytes: 64, maxBlobBytes: 1024 })
    try {
      const { storage } = subject
      for (const name of ['', 'A', 'a/', '/a', 'a//b', 'a.b', '../x', 'x'.repeat(129), 'é']) {
        expect(() => storage.log(name)).toThrow(StoreError)
        expect(() => storage.blobs(name)).toThrow(expect.objectContaining({ reason: 'bad-name' }))
      }
      const log = storage.log('reputation/ledger')
      expect(() => log.append(new Uint8Array(64 + 1))).toThrow(expect.objectContaining({ reason: 'too-large' }))
      expect(log.length).toBe(0)
      expect(() => log.get(-1)).toThrow(expect.objectContaining({ reason: 'bad-range' }))
      const blobs = storage.blobs('fl/weights')
      expect(() => blobs.put(new Uint8Array(1024 + 1))).toThrow(expect.objectContaining({ reason: 'too-large' }))
      expect(() => blobs.get(new Uint8Array(31))).toThrow(expect.objectContaining({ reason: 'bad-hash' }))
      const hash = blobs.put(new Uint8Array(1024))
      expect(() => blobs.read(hash, 1025, 1)).toThrow(expect.objectContaining({ reason: 'bad-range' }))
      expect(() => blobs.read(hash, 0, -1)).toThrow(expect.objectContaining({ reason: 'bad-range' }))
      expect(blobs.read(hash, 1000, 100)?.length).toBe(24)
      // A put under an expected name the bytes do not hash to stores nothing; under their own, it stores them.
      const other = new Uint8Array(10).fill(3)
      expect(() => blobs.put(other, hash)).toThrow(expect.objectContaining({ reason: 'bad-hash' }))
      expect(blobs.has(blake2b(other))).toBe(false)
      expect(blobs.put(other, blake2b(other))).toEqual(Uint8Array.from(blake2b(other)))
    } finally {
      subject.dispose()
    }
  })
}
