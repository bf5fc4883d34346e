import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.ts'
import { Decay, MAX_HALF_LIFE_BLOCKS, powWhole } from './decay.ts'

/** The rounding a power by squaring may gather: a few units in the last place per multiplication level, n of them at most. */
const relative = (n: number) => 4 * Number.EPSILON * (n + 1)

describe('height-based decay', () => {
  it('halves a value every half-life, for any half-life', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (halfLife) => {
        const decay = new Decay(halfLife)
        expect(decay.factor(0)).toBe(1)
        // The per-block factor is a double (to its last bit), raised to a power: its rounding grows with the power.
        for (const k of [1, 2, 3]) expect(Math.abs(decay.factor(k * halfLife) - 2 ** -k)).toBeLessThanOrEqual(relative(k * halfLife) * 2 ** -k)
      }),
      { numRuns: 200 },
    )
  })

  it('never grows with the blocks elapsed, stays in [0, 1], and is the same however often it is recomputed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000 }), (halfLife, blocks, more) => {
        const decay = new Decay(halfLife)
        const now = decay.factor(blocks)
        expect(decay.factor(blocks + more)).toBeLessThanOrEqual(now)
        expect(now).toBeGreaterThanOrEqual(0)
        expect(now).toBeLessThanOrEqual(1)
        expect(new Decay(halfLife).factor(blocks)).toBe(now)
      }),
      { numRuns: 300 },
    )
  })

  it('powWhole is a whole power by basic operations (close to Math.pow, which is not fixed by IEEE 754)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 0, max: 100_000 }), (base, n) => {
        const expected = Math.pow(base, n)
        expect(Math.abs(powWhole(base, n) - expected)).toBeLessThanOrEqual(relative(n) * expected + Number.MIN_VALUE)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a half-life that is not a whole number of blocks in range', () => {
    for (const bad of [0, -1, 1.5, MAX_HALF_LIFE_BLOCKS + 1, Number.NaN]) expect(() => new Decay(bad)).toThrow(ConfigError)
  })
})
