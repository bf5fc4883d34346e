/**
 * How a run's figures read for people: rounded, with their unit. Used for scenarios' expectation
 * details (sim/) and the `vain sim` summary (bin/); `--json` keeps the raw numbers.
 */

/** Significant digits a rounded figure keeps: 3 tells 1.25 s from 1.26 s and never prints float noise. */
export const SIGNIFICANT_DIGITS = 3
/**
 * The most decimals a figure is ever given: 20 (`toFixed`'s classic limit) lets a share one double
 * short of 1 read as 99.99999999999999%, never 100%.
 */
const MAX_DECIMALS = 20

/**
 * How a summary figure reads: `ms` a virtual duration, `share` a fraction shown as a percentage,
 * `bytes`, `yes/no` a flag, `number` a dimensionless number (an epoch, log2 N), or else the plural
 * noun of what is counted (`nodes`, `hops`), written after the number.
 */
export type Unit = 'ms' | 'share' | 'bytes' | 'yes/no' | 'number' | (string & {})

/** `x` with SIGNIFICANT_DIGITS significant digits (all of its integer digits kept), trailing zeros cut. */
export function roundedText(x: number, minDecimals = 0): string {
  if (!Number.isFinite(x)) return String(x)
  if (x === 0) return '0'
  const magnitude = Math.floor(Math.log10(Math.abs(x)))
  const decimals = Math.min(MAX_DECIMALS, Math.max(minDecimals, SIGNIFICANT_DIGITS - 1 - magnitude))
  return trimZeros(x.toFixed(decimals))
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/**
 * Duration units, each used up to (not including) the `below` value in its own unit: a second from
 * 1,000 ms (`1.25 s`), a larger unit from two of it, so `90 s` and `100 s` stay seconds.
 */
const DURATION_UNITS: readonly { readonly name: string; readonly ms: number; readonly below: number }[] = [
  { name: 'ms', ms: 1, below: 1000 },
  { name: 's', ms: 1000, below: 120 },
  { name: 'min', ms: 60_000, below: 120 },
  { name: 'h', ms: 3_600_000, below: 48 },
  { name: 'd', ms: 86_400_000, below: Infinity },
]

/** A virtual duration, rounded, in a unit that suits it: `339 ms`, `1.25 s`, `60 s`, `3 min`, `1095 d`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`
  if (ms < 0) return `-${formatDuration(-ms)}`
  // Rounding may fill the unit (999.7 ms reads `1000 ms`): then the next unit is the right one.
  let i = DURATION_UNITS.findIndex((u) => ms / u.ms < u.below)
  for (;;) {
    const unit = DURATION_UNITS[i]!
    const text = roundedText(ms / unit.ms)
    if (Number(text) < unit.below || i === DURATION_UNITS.length - 1) return `${text} ${unit.name}`
    i++
  }
}

/**
 * A share (0..1) as a percentage with SIGNIFICANT_DIGITS digits, with more where rounding would
 * overstate it: nothing short of all reads `100%`, nothing above none reads `0%` (0.99996 → `99.996%`).
 */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return `${share}`
  const percent = share * 100
  for (let decimals = 0; ; decimals++) {
    const text = roundedText(percent, decimals)
    const shown = Number(text)
    const overstated = (share < 1 && shown >= 100) || (share > 0 && shown <= 0)
    if (!overstated || decimals >= MAX_DECIMALS) return `${text}%`
  }
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/** A byte count in decimal (SI) units: `512 B`, `456 KB`, `1.5 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return `${bytes} B`
  let i = 0
  while (i < BYTE_UNITS.length - 1 && Number(roundedText(bytes / 1000 ** i)) >= 1000) i++
  return `${roundedText(bytes / 1000 ** i)} ${BYTE_UNITS[i]}`
}

/** A count or measure: integers (and figures of 100 or more, rounded) with thousands separators, others rounded. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (Number.isInteger(x) || Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US')
  return roundedText(x)
}

/** One scalar figure in its unit; `null` (a figure the run never reached) reads `—`. */
export function formatFigure(value: number | boolean | null, unit: Unit): string {
  if (value === null) return '—'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  switch (unit) {
    case 'ms':
      return formatDuration(value)
    case 'share':
      return formatPercent(value)
    case 'bytes':
      return formatBytes(value)
    case 'number':
    case 'yes/no':
      return formatNumber(value)
    default:
      // Counted nouns are plural (`nodes`): one of them is singular.
      return `${formatNumber(value)} ${value === 1 ? unit.replace(/s$/, '') : unit}`
  }
}
