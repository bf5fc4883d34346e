import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryStorage } from './storage.ts'

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
