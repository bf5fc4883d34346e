import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encode } from './codec.ts'
import { wireSize } from './wire-size.ts'

// Plain data as messages hold it, with the number and string edge cases that change header sizes.
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ maxLength: 70000 }).filter((s) => s.length < 10 || s.length > 65530),
    fc.integer(),
    fc.integer({ min: -200, max: 70000 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(fc.string({ maxLength: 40 }), tie('value'), { maxKeys: 20 }),
  ),
})).value

describe('wireSize', () => {
  it('equals the length of the real encoding for all plain data', () => {
    fc.assert(
      fc.property(plain, (value) => {
        expect(wireSize(value)).toBe(encode(value).length)
      }),
      { numRuns: 2000 },
    )
  })

  it('covers the header boundaries exactly', () => {
    for (const n of [0, 15, 16, 31, 32, 255, 256, 65535, 65536]) {
      const s = 'x'.repeat(n)
      expect(wireSize(s)).toBe(encode(s).length)
      expect(wireSize(new Array(n).fill(0))).toBe(encode(new Array(n).fill(0)).length)
      expect(wireSize(new Uint8Array(n))).toBe(encode(new Uint8Array(n)).length)
    }
    for (const x of [127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 0.5, -0, NaN, Infinity]) {
      expect(wireSize(x)).toBe(encode(x).length)
    }
  })

  it('declines what is not plain data', () => {
    for (const value of [undefined, 1n, new Date(0), new Map(), new Int32Array(2), { a: undefined }, [new Set()]]) expect(wireSize(value)).toBe(-1)
  })
})
