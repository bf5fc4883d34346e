import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../core/keys.ts'
import { Random } from '../../core/random.ts'
import { MemoryStorage } from '../../core/storage.ts'
import { sign } from '../../core/sign.ts'
import { idHex } from './node-id.ts'
import { sameRecord, signRecord, type DhtRecord } from './record.ts'
import { DEFAULT_RECORD_LIMITS, RecordStore } from './record-store.ts'

const publishers = new Map<number, ReturnType<typeof ed25519FromSeed>>()
function publisher(n: number) {
  let keys = publishers.get(n)
  if (keys === undefined) {
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(0, n + 1)
    publishers.set(n, (keys = ed25519FromSeed(seed)))
  }
  return keys
}

/** Record `name` of publisher `p` (signatures are not checked by the store itself). */
function record(p: number, name: number, { seq = 1, bytes = 1, fill = 0 } = {}): DhtRecord {
  const keys = publisher(p)
  return signRecord(keys.publicKey, (m) => sign(keys.secretKey, m), { name: new Uint8Array(new Uint32Array([name]).buffer), value: new Uint8Array(bytes).fill(fill), seq, expiresAt: 3_600_000 })
}

const limits = { maxRecords: 100, maxBytes: 1_000_000, perPublisher: 10, perSender: 30 }

describe('RecordStore quotas', () => {
  it('keeps at most perPublisher records of one publisher, perSender from one sender, and maxRecords in all', () => {
    const store = new RecordStore(new MemoryStorage(), limits, Random.fromSeed(1))
    for (let name = 0; name < 20; name++) store.put(record(0, name), 0, 'a')
    expect(store.size).toBe(10)
    expect(store.put(record(0, 99), 0, 'b')?.reason).toBe('publisher-quota')
    for (let p = 1; p < 10; p++) for (let name = 0; name < 10; name++) store.put(record(p, name), 0, 'b')
    expect(store.heldFrom('b')).toBe(30)
    expect(store.put(record(20, 0), 0, 'b')?.reason).toBe('sender-quota')
    for (let s = 0; s < 10; s++) for (let name = 0; name < 10; name++) store.put(record(30 + s, name), 0, `s${s}`)
    expect(store.size).toBe(100)
    // Full: a sender above the average share (b, with ~30 of 100 among 12 senders) evicts nothing.
    expect(store.put(record(51, 0), 0, 'b')?.reason).toBe('full')
    // A newer version of a held record replaces it whatever the caps (it takes no new slot).
    expect(store.put(record(0, 0, { seq: 2 }), 0, 'a')).toBeUndefined()
    expect(store.put(record(0, 0, { seq: 1 }), 0, 'a')?.reason).toBe('stale')
  })

  it('a full store takes the record of a sender below the average share, in place of flooders\' records (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 2, max: 8 }), (seed, flooders) => {
        const capped = { maxRecords: 64, maxBytes: 1_000_000, perPublisher: 64, perSender: 64 }
        const store = new RecordStore(new MemoryStorage(), capped, Random.fromSeed(seed))
        for (let f = 0; f < flooders; f++) for (let name = 0; name < 64; name++) store.put(record(100 + f, name), 0, `flood${f}`)
        expect(store.size).toBe(64)
        const floodHeld = () => Array.from({ length: flooders }, (_, f) => store.heldFrom(`flood${f}`))
        // The flooder holding the most (at or above the average share) evicts nothing.
        const before = floodHeld()
        const largest = before.indexOf(Math.max(...before))
        expect(store.put(record(100 + largest, 1_000), 0, `flood${largest}`)?.reason).toBe('full')
        expect(floodHeld()).toEqual(before)
        // Honest senders, each with one record, all get in, and stay in while the flood goes on.
        for (let h = 0; h < 4; h++) expect(store.put(record(200 + h, 0), 0, `honest${h}`)).toBeUndefined()
        for (let f = 0; f < flooders; f++) for (let name = 64; name < 96; name++) store.put(record(100 + f, name), 0, `flood${f}`)
        for (let h = 0; h < 4; h++) expect(store.heldFrom(`honest${h}`)).toBe(1)
        expect(store.size).toBeLessThanOrEqual(64)
      }),
      { numRuns: 40 },
    )
  })

  it('a newer version replaces a held record whatever the caps', () => {
    const store = new RecordStore(new MemoryStorage(), limits, Random.fromSeed(1))
    store.put(record(0, 0), 0, 'a')
    expect(store.put(record(0, 0, { seq: 2 }), 0, 'a')).toBeUndefined()
    expect(store.put(record(0, 0, { seq: 1 }), 0, 'a')?.reason).toBe('stale')
  })

  it('a different record with the same seq is refused; the same one is acknowledged again', () => {
    const storage = new MemoryStorage()
    const store = new RecordStore(storage, limits, Random.fromSeed(1))
    const first = record(0, 0, { fill: 1 })
    expect(store.put(first, 0, 'a')).toBeUndefined()
    expect(store.put(record(0, 0, { fill: 2 }), 0, 'b')?.reason).toBe('stale')
    expect(store.put(first, 0, 'b')).toBeUndefined()
    expect([...store.get(first.key, 0)!.value]).toEqual([...first.value])
    expect([...new RecordStore(storage, limits, Random.fromSeed(1)).get(first.key, 0)!.value]).toEqual([...first.value])
  })

  it('what the store acknowledged is what a restart reads back, under any sequence of puts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.nat(3), seq: fc.integer({ min: 1, max: 3 }), fill: fc.nat(3) }), { maxLength: 40 }), (ops) => {
        const storage = new MemoryStorage()
        const store = new RecordStore(storage, limits, Random.fromSeed(1))
        for (const op of ops) store.put(record(0, op.name, op), 0, 'a')
        const reopened = new RecordStore(storage, limits, Random.fromSeed(1))
        for (let name = 0; name < 4; name++) {
          const key = record(0, name).key
          const [held, read] = [store.get(key, 0), reopened.get(key, 0)]
          expect(read === undefined ? held === undefined : held !== undefined && sameRecord(read, held)).toBe(true)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('counts bytes against the byte cap, and frees them when a record expires', () => {
    const store = new RecordStore(new MemoryStorage(), { ...limits, maxBytes: 5_000 }, Random.fromSeed(1))
    for (let p = 0; p < 10; p++) store.put(record(p, 0, { bytes: 1_000 }), 0, `s${p}`)
    expect(store.size).toBeLessThan(5)
    expect(store.bytes).toBeLessThanOrEqual(5_000)
    store.sweep(3_600_000, 0)
    expect(store.size).toBe(0)
    expect(store.bytes).toBe(0)
    expect(store.heldFrom('s0')).toBe(0)
  })

  it('the counts stay exact and within the caps under any sequence of puts and sweeps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ p: fc.nat(15), name: fc.nat(12), seq: fc.integer({ min: 1, max: 3 }), sender: fc.constantFrom('a', 'b', 'c', 'd') }), fc.constant('sweep' as const)), { maxLength: 200 }),
        (ops) => {
          const store = new RecordStore(new MemoryStorage(), limits, Random.fromSeed(1))
          let now = 0
          for (const op of ops) {
            if (op === 'sweep') store.sweep((now += 600_000), 0)
            else store.put({ ...record(op.p, op.name, { seq: op.seq }), expiresAt: now + 3_600_000 }, now, op.sender)
            expect(store.size).toBeLessThanOrEqual(limits.maxRecords)
            for (const sender of ['a', 'b', 'c', 'd']) expect(store.heldFrom(sender)).toBeLessThanOrEqual(limits.perSender)
            const total = ['a', 'b', 'c', 'd'].reduce((sum, s) => sum + store.heldFrom(s), 0)
            expect(total).toBe(store.size)
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('republishing in slices: each record is due in exactly one slice of a period (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 60 }), (count, slices) => {
        const store = new RecordStore(new MemoryStorage(), DEFAULT_RECORD_LIMITS, Random.fromSeed(1))
        for (let name = 0; name < count; name++) store.put(record(name % 8, name), 0, 'a')
        const due = Array.from({ length: slices }, (_, slice) => store.sweep(1, 0, slice, slices).map((r) => idHex(r.key)))
        const all = due.flat()
        expect(new Set(all).size).toBe(all.length)
        expect(all.length).toBe(store.size)
      }),
      { numRuns: 40 },
    )
  })
})

describe('RecordStore on a damaged disk', () => {
  it('drops a record whose stored bytes fail their checksum when it loads, never holds it, and lists it for repair', () => {
    const storage = new MemoryStorage()
    const first = new RecordStore(storage, limits, Random.fromSeed(1))
    const [intact, damaged] = [record(0, 1), record(0, 2)]
    first.put(intact, 0, 'a')
    first.put(damaged, 0, 'a')
    storage.sync()
    expect(storage.damage(1, `kv/dht/record/${idHex(damaged.key)}`, Random.fromSeed(2))).toHaveLength(1)
    storage.crash()
    const reloaded = new RecordStore(storage, limits, Random.fromSeed(1))
    expect(reloaded.size).toBe(1)
    expect(reloaded.get(damaged.key, 0)).toBeUndefined()
    expect(sameRecord(reloaded.get(intact.key, 0)!, intact)).toBe(true)
    expect(reloaded.damaged).toEqual([idHex(damaged.key)])
    expect(reloaded.droppedAtLoad).toBe(1)
    expect(storage.keys('dht/record/')).toEqual([`dht/record/${idHex(intact.key)}`])
    // Fetched again, it is held as any record.
    expect(reloaded.put(damaged, 0, 'b')).toBeUndefined()
    expect(reloaded.size).toBe(2)
  })
})
