import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { polynomialFit } from './fit.ts'

describe('polynomialFit', () => {
  it('recovers the coefficients of a polynomial sampled exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 3 }), (coefficients) => {
        const xs = [4, 16, 64, 100, 256]
        const ys = xs.map((x) => coefficients.reduce((s, c, k) => s + c * x ** k, 0))
        const fit = polynomialFit(xs, ys, coefficients.length - 1)
        fit.forEach((c, k) => expect(c).toBeCloseTo(coefficients[k] as number, 6))
      }),
    )
  })

  it('fits a line through noisy points by least squares', () => {
    // By hand: slope Sxy / Sxx = 8 / 5, intercept ȳ − slope · x̄ = 4 − 1.6 · 1.5.
    const [intercept, slope] = polynomialFit([0, 1, 2, 3], [2, 2, 6, 6], 1)
    expect(slope).toBeCloseTo(1.6, 9)
    expect(intercept).toBeCloseTo(1.6, 9)
  })

  it('refuses a fit the points cannot determine', () => {
    expect(() => polynomialFit([1, 2], [1, 2, 3], 1)).toThrow(RangeError)
    expect(() => polynomialFit([1, 2], [1, 2], 2)).toThrow(RangeError)
    expect(() => polynomialFit([3, 3, 3], [1, 2, 3], 1)).toThrow(RangeError)
  })
})
