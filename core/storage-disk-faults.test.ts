import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Random } from './random.ts'
import { MemoryStorage, StoreError } from './storage.ts'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const corrupt = expect.objectContaining({ _tag: 'StoreError', reason: 'corrupt' })
const random = () => Random.fromSeed('disk faults')

describe('MemoryStorage as a faulty disk below its checksums', () => {
  it('a bad sector under a map value, a log record or a blob is refused as corrupt at every read, and counted', () => {
    const s = new MemoryStorage()
    s.put('dht/record/a', bytes('value a'))
    s.log('ledger').append(bytes('entry 0'))
    const hash = s.blobs('weights').put(bytes('model weights'))
    s.sync()
    expect(s.damage(3, '', random()).sort()).toEqual(['blob/weights/' + Buffer.from(hash).toString('hex'), 'kv/dht/record/a', 'log/ledger/0'])
    for (let i = 0; i < 2; i++) {
      expect(() => s.get('dht/record/a')).toThrow(corrupt)
      expect(() => s.log('ledger').get(0)).toThrow(corrupt)
      expect(() => s.blobs('weights').get(hash)).toThrow(corrupt)
    }
    expect(s.corruptReadsDetected).toBe(6)
    // The damage is on the disk: a crash does not heal it, and listing still shows the key.
    s.crash()
    expect(s.keys()).toEqual(['dht/record/a'])
    expect(() => s.get('dht/record/a')).toThrow(StoreError)
    // A new write replaces the damaged value.
    s.put('dht/record/a', bytes('fetched again'))
    expect(text(s.get('dht/record/a'))).toBe('fetched again')
  })

  it('copies a Buffer in (its slice is a view), so neither its owner nor a fault reaches the bytes as written', () => {
    const s = new MemoryStorage()
    const buffer = Buffer.from('written from a Buffer, as encode() returns')
    s.put('k', buffer)
    s.log('l').append(buffer)
    buffer.fill(0)
    expect(text(s.get('k'))).toBe('written from a Buffer, as encode() returns')
    s.sync()
    s.damage(2, '', random())
    expect(() => s.get('k')).toThrow(corrupt)
    expect(() => s.log('l').get(0)).toThrow(corrupt)
  })

  it('a bad sector lands only on synced items under its prefix', () => {
    const s = new MemoryStorage()
    s.put('dht/record/a', bytes('a'))
    s.put('identity/seed', bytes('seed'))
    s.sync()
    s.put('dht/record/b', bytes('not yet on the disk'))
    expect(s.damage(10, 'kv/dht/', random())).toEqual(['kv/dht/record/a'])
    expect(text(s.get('identity/seed'))).toBe('seed')
    expect(text(s.get('dht/record/b'))).toBe('not yet on the disk')
    expect(s.damage(1, 'log/', random())).toEqual([])
  })

  it('corrupted reads are transient: the next n reads under the prefix are refused, then the intact bytes come back', () => {
    const s = new MemoryStorage()
    s.put('dht/record/a', bytes('value a'))
    s.put('other', bytes('untouched'))
    s.corruptReads(2, 'kv/dht/', random())
    expect(text(s.get('other'))).toBe('untouched')
    expect(() => s.get('dht/record/a')).toThrow(corrupt)
    expect(() => s.get('dht/record/a')).toThrow(corrupt)
    expect(text(s.get('dht/record/a'))).toBe('value a')
    expect(s.corruptReadsDetected).toBe(2)
  })

  it('never returns bytes other than those written, whatever bit a fault flips (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string(), fc.boolean(), (value, seed, transient) => {
        const s = new MemoryStorage()
        s.put('k', value)
        s.log('l').append(value)
        s.sync()
        if (transient) s.corruptReads(2, '', Random.fromSeed(seed))
        else s.damage(2, '', Random.fromSeed(seed))
        for (const read of [() => s.get('k'), () => s.log('l').get(0)]) {
          try {
            expect(read()).toEqual(value)
          } catch (error) {
            expect(error).toMatchObject({ _tag: 'StoreError', reason: 'corrupt' })
          }
        }
        expect(s.corruptReadsDetected).toBe(2)
      }),
    )
  })

  it('a lying sync claims writes it did not make durable: a crash before an honest sync loses them, and counts them', () => {
    const s = new MemoryStorage()
    s.put('before', bytes('1'))
    s.sync()
    s.lieAboutSyncs(1)
    s.put('acknowledged', bytes('2'))
    s.sync() // returns as if durable
    expect(s.unsyncedWrites).toBe(0)
    expect(s.writesAtRisk).toBe(1)
    expect(s.durableGet('acknowledged')).toBeUndefined()
    s.crash()
    expect(s.keys()).toEqual(['before'])
    expect(s.lostSyncedWrites).toBe(1)
  })

  it('the next honest sync drains what lying syncs claimed', () => {
    const s = new MemoryStorage()
    s.lieAboutSyncs(1)
    s.put('a', bytes('1'))
    s.sync()
    s.put('b', bytes('2'))
    s.sync()
    s.crash()
    expect(s.keys()).toEqual(['a', 'b'])
    expect(s.lostSyncedWrites).toBe(0)
    expect(s.syncs).toBe(2)
  })

  it('a torn crash keeps a prefix of the claimed writes, then of the un-synced ones', () => {
    const s = new MemoryStorage()
    s.lieAboutSyncs(1)
    s.put('a', bytes('1'))
    s.put('b', bytes('2'))
    s.sync()
    s.put('c', bytes('3'))
    s.crash(1)
    expect(s.keys()).toEqual(['a'])
    expect(s.lostSyncedWrites).toBe(1)
  })
})
