import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../../core/bytes.ts'
import { Random } from '../../core/random.ts'
import { mutateFrame } from './garbage.ts'
import { Ring } from './ring.ts'

describe('mutateFrame', () => {
  it('never returns the frame it was given, and leaves the original untouched', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (frame, seed) => {
        const copy = frame.slice()
        const mutated = mutateFrame(frame, Random.fromSeed(seed))
        expect(bytesEqual(frame, copy)).toBe(true)
        expect(bytesEqual(mutated, frame)).toBe(false)
      }),
    )
  })
})

describe('Ring', () => {
  it('keeps the last items pushed, oldest first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer()), (capacity, pushed) => {
        const ring = new Ring<number>(capacity)
        for (const item of pushed) ring.push(item)
        expect(ring.items()).toEqual(pushed.slice(-capacity))
      }),
    )
  })

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new Ring(0)).toThrow(RangeError)
  })
})
