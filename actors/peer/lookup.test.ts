import { describe, expect, it } from 'vitest'
import { Lookup } from './lookup.ts'
import type { Contact } from './routing-table.ts'

const id = (first: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? first : 0))
const contact = (first: number): Contact => ({ id: id(first), address: `a${first}` })
const target = id(0)

describe('Lookup', () => {
  it('queries the α closest first, walks towards the target, and ends when the k closest have answered', () => {
    const lookup = new Lookup(target, [contact(64), contact(32), contact(128), contact(16)], 3, 3)
    expect(lookup.next().map((c) => c.address)).toEqual(['a16', 'a32', 'a64'])
    expect(lookup.next()).toEqual([]) // α in flight
    lookup.answered(id(16), [contact(1), contact(2)])
    expect(lookup.targetHop).toBeUndefined()
    expect(lookup.next().map((c) => c.address)).toEqual(['a1']) // at most α in flight, closest first
    lookup.answered(id(32), [])
    expect(lookup.next().map((c) => c.address)).toEqual(['a2'])
    lookup.answered(id(1), [contact(0)])
    expect(lookup.targetHop).toBe(2)
    expect(lookup.done).toBe(false)
    expect(lookup.next().map((c) => c.address)).toEqual(['a0'])
    for (const x of [64, 2, 0]) lookup.answered(id(x), [])
    expect(lookup.done).toBe(true)
    expect(lookup.result().map((c) => c.address)).toEqual(['a0', 'a1', 'a2'])
    expect(lookup.rpcs).toBe(6)
  })

  it('asks a silent candidate three times in all, then gives up on it', () => {
    const lookup = new Lookup(target, [contact(1), contact(2)], 1, 1)
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(lookup.next().map((c) => c.address)).toEqual(['a1'])
      lookup.failed(id(1))
    }
    expect(lookup.next().map((c) => c.address)).toEqual(['a2'])
    lookup.answered(id(2), [])
    expect(lookup.done).toBe(true)
    expect(lookup.result().map((c) => c.address)).toEqual(['a2'])
  })
})
