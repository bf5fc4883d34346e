import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encode } from '../core/codec.ts'
import { wireSize } from '../core/wire-size.ts'
import { freezeAndMeasure, UNMEASURED, UNSHAREABLE } from './isolation.ts'

// Messages as actors build them: plain data, and now and then what wireSize declines (undefined) or what
// cannot be frozen (a typed array), at any depth.
const message = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 8 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 8 }),
  ),
})).value

/** Whether `value` holds a typed array anywhere (what cannot be shared). */
function holdsView(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (ArrayBuffer.isView(value)) return true
  return Object.values(value).some(holdsView)
}

/** Every object in `value` that can be frozen is. */
function frozenThrough(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return true
  return Object.isFrozen(value) && Object.values(value).every(frozenThrough)
}

describe('freezeAndMeasure', () => {
  it('freezes everything it can, and gives the encoded length wherever wireSize does', () => {
    fc.assert(
      fc.property(message, (value) => {
        const expected = holdsView(value) ? UNSHAREABLE : wireSize(value)
        const size = freezeAndMeasure(value)
        expect(frozenThrough(value)).toBe(true)
        // What the simulator charges: the walk's size, or wireSize's when the walk leaves it unmeasured.
        expect(size === UNMEASURED ? wireSize(value) : size).toBe(expected)
        if (expected >= 0) expect(size).toBe(encode(value).length)
      }),
      { numRuns: 2000 },
    )
  })

  it('measures plain messages in its own walk', () => {
    for (const value of [{ type: 'ping', round: 3 }, [1, 'two', { three: [null, true, 2.5] }], { é: 'ü', [String.fromCodePoint(0x1f600)]: [] }, 'x'.repeat(40), {}, []]) {
      expect(freezeAndMeasure(value)).toBe(encode(value).length)
    }
  })

  it('leaves to wireSize what its keys cannot vouch for', () => {
    const holey = [1, , 3] // eslint-disable-line no-sparse-arrays
    const extra = Object.assign([1, 2], { note: 'x' })
    const swapped = Object.assign([1, , 3], { note: 'x' }) // eslint-disable-line no-sparse-arrays
    class Point {
      constructor(readonly x: number) {}
    }
    for (const value of [holey, extra, swapped, new Point(1), { a: undefined }, { a: 1n }]) {
      expect(freezeAndMeasure(value)).toBe(UNMEASURED)
      expect(Object.isFrozen(value)).toBe(true)
    }
    // An enumerable key inherited from a polluted Object.prototype is walked, but is not the codec's:
    // the codec writes own keys only.
    const value = { a: 1 }
    let walked: number, measured: number
    Object.defineProperty(Object.prototype, 'polluted', { value: 7, enumerable: true, configurable: true, writable: true })
    try {
      walked = freezeAndMeasure(value)
      measured = wireSize(value)
    } finally {
      delete (Object.prototype as { polluted?: unknown }).polluted
    }
    expect(walked).toBe(UNMEASURED)
    expect(measured).toBe(encode(value).length)
  })

  it('reports a typed array anywhere, and freezes the rest all the same', () => {
    const inner = { k: 1 }
    const value = { a: [inner, { bytes: new Uint8Array(2) }], b: undefined }
    expect(freezeAndMeasure(value)).toBe(UNSHAREABLE)
    expect(Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(inner)).toBe(true)
    expect(freezeAndMeasure(new Float64Array(1))).toBe(UNSHAREABLE)
  })
})
