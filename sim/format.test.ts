import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { counted, DURATION_UNIT_MS, formatBytes, formatDuration, formatFigure, formatNumber, formatPercent } from './format.ts'

const BYTES = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 } as const

/** Reads `<number> <unit>` (`1.5 MB`) or `<number><unit>` (`1.5s`) back, in the unit's base (ms, bytes). */
function parseBack(text: string, units: Readonly<Record<string, number>>): number {
  const match = /^(-?\d+(?:\.\d+)?) ?([a-zA-Z]+)$/.exec(text)
  expect(match, text).not.toBeNull()
  const scale = units[match![2]!]
  expect(scale, text).toBeDefined()
  return Number(match![1]) * scale!
}

// Three significant digits: the shown value is within half a unit of the third digit, 0.5% at most.
const within = (shown: number, actual: number) => Math.abs(shown - actual) <= 0.005 * Math.abs(actual) + 1e-9

describe('formatting a run’s figures for people', () => {
  it('durations are rounded to three significant digits in a unit that suits them', () => {
    expect(formatDuration(30_000)).toBe('30s')
    expect(formatDuration(1249.99)).toBe('1.25s')
    expect(formatDuration(1613.141136830604)).toBe('1.61s')
    expect(formatDuration(338.61)).toBe('339ms')
    expect(formatDuration(999.7)).toBe('1s') // rounding fills the unit: the next one is used
    expect(formatDuration(100_000)).toBe('100s')
    expect(formatDuration(3 * 365 * 86_400_000)).toBe('3y')
    expect(formatDuration(0)).toBe('0ms')
    expect(formatDuration(-2500)).toBe('-2.5s')
    expect(formatDuration(60_000)).toBe('1m') // round: the largest exact unit, as --until takes it
    expect(formatDuration(90_500)).toBe('90.5s')
    expect(formatDuration(1e308)).toBe('3.17e+297y') // exponent form kept whole (it once read 1.157…e+3 d)
  })

  it('a formatted duration parses back within its rounding (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e13, noNaN: true }), (ms) => {
        const text = formatDuration(ms)
        expect(within(parseBack(text, DURATION_UNIT_MS), ms), `${ms} → ${text}`).toBe(true)
        // Never float noise: three significant digits, or the integer digits when there are more.
        const [, whole, fraction = ''] = /^(\d+)(?:\.(\d+))?/.exec(text)!
        expect(`${whole}${fraction}`.replace(/^0+/, '').length, text).toBeLessThanOrEqual(Math.max(3, whole!.length))
      }),
      { numRuns: 2000 },
    )
  })

  it('a count agrees with its noun', () => {
    expect([0, 1, 2, 1000].map((n) => counted(n, 'faults'))).toEqual(['0 faults', '1 fault', '2 faults', '1,000 faults'])
    expect(counted(1, 'injected faults')).toBe('1 injected fault')
  })

  it('percentages never round a part up to all, or a little down to nothing', () => {
    expect(formatPercent(1)).toBe('100%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(0.001)).toBe('0.1%')
    expect(formatPercent(1 / 3)).toBe('33.3%')
    expect(formatPercent(0.99996)).toBe('99.996%')
    expect(formatPercent(1e-7)).toBe('0.00001%')
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (share) => {
        const text = formatPercent(share)
        const shown = Number(text.replace(/%$/, '')) / 100
        expect(text.endsWith('%')).toBe(true)
        if (share < 1) expect(shown, text).toBeLessThan(1)
        if (share > 0 && share >= 1e-12) expect(shown, text).toBeGreaterThan(0)
        if (share >= 1e-12) expect(within(shown, share), `${share} → ${text}`).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('bytes read in decimal units and parse back within their rounding (property)', () => {
    expect(formatBytes(455_658)).toBe('456 KB')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(999_999)).toBe('1 MB')
    expect(formatBytes(1_500_000)).toBe('1.5 MB')
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(within(parseBack(formatBytes(bytes), BYTES), bytes), formatBytes(bytes)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('figures carry their unit; counts have separators; one of a counted noun is singular', () => {
    expect(formatNumber(15_941)).toBe('15,941')
    expect(formatNumber(1.60234)).toBe('1.6')
    expect(formatNumber(38_123.7)).toBe('38,124')
    expect(formatFigure(1000, 'nodes')).toBe('1,000 nodes')
    expect(formatFigure(1, 'nodes')).toBe('1 node')
    expect(formatFigure(0.999, 'share')).toBe('99.9%')
    expect(formatFigure(864.88, 'ms')).toBe('865ms')
    expect(formatFigure(2_000_000, 'bytes')).toBe('2 MB')
    expect(formatFigure(9.966, 'number')).toBe('9.97')
    expect(formatFigure(true, 'yes/no')).toBe('yes')
    expect(formatFigure(null, 'ms')).toBe('—')
  })
})
