import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BoundedMap } from './bounded-map.ts'

describe('BoundedMap', () => {
  it('never holds more than its capacity, and evicts the least recently used', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { maxLength: 200 }), (capacity, ops) => {
        const evicted: number[] = []
        const map = new BoundedMap<number, number>(capacity, (key) => evicted.push(key))
        const model: number[] = [] // keys, least recently used first
        for (const [isSet, key] of ops) {
          if (isSet) {
            map.set(key, key * 2)
            model.splice(model.indexOf(key) >>> 0, model.includes(key) ? 1 : 0)
            model.push(key)
            if (model.length > capacity) expect(evicted.at(-1)).toBe(model.shift())
          } else if (model.includes(key)) {
            expect(map.get(key)).toBe(key * 2)
            model.splice(model.indexOf(key), 1)
            model.push(key)
          } else expect(map.get(key)).toBeUndefined()
          expect(map.size).toBeLessThanOrEqual(capacity)
          expect([...map.keys()]).toEqual(model)
        }
      }),
    )
  })

  it('peek does not refresh an entry', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2)
    expect(map.peek('a')).toBe(1)
    map.set('c', 3)
    expect(map.has('a')).toBe(false)
    expect([...map.keys()]).toEqual(['b', 'c'])
  })

  it('refuses a capacity below 1', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError)
  })
})
