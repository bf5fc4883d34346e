import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blake2b } from './hash.ts'
import { storageContract } from './storage-contract.suite.ts'
import { MemoryStorage, observeWrites, StoreError } from './storage.ts'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))

describe('MemoryStorage', () => {
  it('shows writes at once and keeps only synced ones across a crash', () => {
    const s = new MemoryStorage()
    s.put('a', bytes('1'))
    s.sync()
    s.put('b', bytes('2'))
    s.delete('a')
    expect(text(s.get('b'))).toBe('2')
    expect(s.get('a')).toBeUndefined()
    s.crash()
    expect(text(s.get('a'))).toBe('1')
    expect(s.get('b')).toBeUndefined()
  })

  it('keeps a prefix of the un-synced writes on a torn crash', () => {
    const s = new MemoryStorage()
    s.put('x', bytes('1'))
    s.put('y', bytes('2'))
    s.put('z', bytes('3'))
    s.crash(2)
    expect(s.keys()).toEqual(['x', 'y'])
  })

  it('copies values in and out', () => {
    const s = new MemoryStorage()
    const v = bytes('abc')
    s.put('k', v)
    v[0] = 0
    const out = s.get('k') as Uint8Array
    out[1] = 0
    expect(text(s.get('k'))).toBe('abc')
  })

  it('after any crash, holds exactly the writes up to the last sync plus the torn prefix', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.string() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('sync' as const) }),
    )
    fc.assert(
      fc.property(fc.array(op), fc.nat(), (ops, tornSeed) => {
        const s = new MemoryStorage()
        const model = new Map<string, string>()
        let durableOps = 0
        ops.forEach((o, i) => {
          if (o.kind === 'put') s.put(o.key, bytes(o.value))
          else if (o.kind === 'delete') s.delete(o.key)
          else {
            s.sync()
            durableOps = i + 1
          }
        })
        const unsynced = ops.slice(durableOps).filter((o) => o.kind !== 'sync')
        const kept = tornSeed % (unsynced.length + 1)
        s.crash(kept)
        for (const o of [...ops.slice(0, durableOps), ...unsynced.slice(0, kept)]) {
          if (o.kind === 'put') model.set(o.key, o.value)
          else if (o.kind === 'delete') model.delete(o.key)
        }
        expect(Object.fromEntries(s.keys().map((k) => [k, text(s.get(k))]))).toEqual(Object.fromEntries([...model].sort()))
      }),
    )
  })
})

describe('MemoryStorage logs and blobs', () => {
  storageContract((limits) => {
    const storage = new MemoryStorage(limits)
    return { storage, crash: () => (storage.crash(), storage), dispose: () => {} }
  }, 100)

  it('keeps a torn prefix of un-synced writes across the map, logs and blob stores, in the order made', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('kv', 'log', 'blob'), { maxLength: 12 }), fc.nat(), (kinds, seed) => {
        const s = new MemoryStorage()
        kinds.forEach((kind, i) => {
          if (kind === 'kv') s.put(`k${i}`, bytes(String(i)))
          else if (kind === 'log') s.log('l').append(bytes(String(i)))
          else s.blobs('b').put(bytes(String(i)))
        })
        const kept = seed % (kinds.length + 1)
        s.crash(kept)
        const survivors = kinds.slice(0, kept)
        survivors.forEach((kind, i) => {
          if (kind === 'kv') expect(text(s.get(`k${i}`))).toBe(String(i))
          else if (kind === 'blob') expect(text(s.blobs('b').get(blake2b(bytes(String(i)))))).toBe(String(i))
        })
        const logged = survivors.flatMap((kind, i) => (kind === 'log' ? [String(i)] : []))
        expect(Array.from({ length: s.log('l').length }, (_, i) => text(s.log('l').get(i)))).toEqual(logged)
        expect(s.keys().length + s.log('l').length).toBe(survivors.filter((k) => k !== 'blob').length)
      }),
    )
  })

  it('reports a damaged blob as corrupt and never returns it; a put of the same bytes is not taken for it', () => {
    const s = new MemoryStorage()
    const blobs = s.blobs('weights')
    const hash = blobs.put(bytes('model weights'))
    s.sync()
    expect(s.damageBlob('weights', hash, 3)).toBe(true)
    expect(() => blobs.get(hash)).toThrow(expect.objectContaining({ _tag: 'StoreError', reason: 'corrupt' }))
    expect(() => blobs.verify(hash)).toThrow(StoreError)
    expect(s.damageBlob('weights', hash, 99)).toBe(false)
  })

  it('counts log appends and blob writes as writes for the output commit', () => {
    let written = 0
    let synced = 0
    const view = observeWrites(new MemoryStorage(), { written: () => written++, synced: () => synced++ })
    view.log('l').append(bytes('x'))
    const hash = view.blobs('b').put(bytes('y'))
    view.blobs('b').delete(hash)
    expect(view.log('l').get(0)).toEqual(bytes('x'))
    expect(written).toBe(3)
    view.sync()
    expect(synced).toBe(1)
  })
})
