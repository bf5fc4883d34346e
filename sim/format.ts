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
/** Where Number.prototype.toFixed switches to exponent form. */
const EXPONENT_FORM_FROM = 1e21

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
  // toFixed writes 1e21 and beyond in exponent form, whose trailing zeros are no decimals to cut.
  if (Math.abs(x) >= EXPONENT_FORM_FROM) return String(Number(x.toPrecision(SIGNIFICANT_DIGITS)))
  const magnitude = Math.floor(Math.log10(Math.abs(x)))
  const decimals = Math.min(MAX_DECIMALS, Math.max(minDecimals, SIGNIFICANT_DIGITS - 1 - magnitude))
  return trimZeros(x.toFixed(decimals))
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/**
 * Each duration unit's length in ms, largest first, as people write them and as `--until` takes them
 * (bin/cli/args.ts parses with this table): a year is 365 days, so `3y` and `1095d` are one duration.
 */
export const DURATION_UNIT_MS = { y: 365 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const
export type DurationUnit = keyof typeof DURATION_UNIT_MS

/**
 * The longest virtual time a run (`--until`), a fault's time or a fault's duration may name: 1,000 years in ms.
 * Far beyond any scenario (rotation, the longest, runs 3 years) yet small enough that every ms is an
 * exact integer in a double (2^53 ms is 285,000 years) and a fault at `1e308` is refused, not kept
 * pending for ever.
 */
export const MAX_VIRTUAL_TIME_MS = 1000 * 365 * 86_400_000

/**
 * A duration is round when a unit divides it into fewer than this many: `3y`, `90d`, `65s`, `658ms`.
 * 1,000 keeps a round figure within SIGNIFICANT_DIGITS digits, so `1500ms` reads `1.5s`.
 */
const ROUND_BELOW = 1000

/**
 * Where a duration that is not round changes unit, in the smaller unit's count: a second from 1,000 ms
 * (`1.25s`), a larger unit from two of it, so `90.5s` and `100.2s` stay seconds.
 */
const NEXT_UNIT_FROM: Readonly<Record<DurationUnit, number>> = { ms: 1000, s: 120, m: 120, h: 48, d: 730, y: Infinity }

/**
 * A duration as people write it, the one rule for every duration vain shows (reports, help, `vain
 * list`, suggested commands, error messages): round, in the largest unit that divides it exactly
 * (`3y`, `1m`, `90d`); otherwise rounded to SIGNIFICANT_DIGITS digits in a unit that suits it
 * (`339ms`, `1.25s`, `2.5h`). Written as `--until` takes it, so a suggestion can be pasted.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms}ms`
  if (ms < 0) return `-${formatDuration(-ms)}`
  if (ms === 0) return '0ms'
  const exact = exactUnit(ms)
  if (exact !== undefined && ms / DURATION_UNIT_MS[exact] < ROUND_BELOW) return `${ms / DURATION_UNIT_MS[exact]}${exact}`
  // Smallest first; rounding may fill a unit (999.7 ms reads `1000ms`): then the next one is right.
  const ascending = (Object.entries(DURATION_UNIT_MS) as [DurationUnit, number][]).reverse()
  for (let i = ascending.findIndex(([unit, scale]) => ms / scale < NEXT_UNIT_FROM[unit]); ; i++) {
    const [unit, scale] = ascending[i]!
    const text = roundedText(ms / scale)
    if (Number(text) < NEXT_UNIT_FROM[unit]) return `${text}${unit}`
  }
}

/**
 * A whole number of ms exactly, in the largest unit that divides it (`3y`, `90d`, `1500ms`), for a
 * command that must reproduce a run (`--until` in a replay command); formatDuration rounds instead.
 */
export function exactDuration(ms: number): string {
  const unit = exactUnit(ms) ?? 'ms'
  return `${ms / DURATION_UNIT_MS[unit]}${unit}`
}

// The largest unit that divides `ms` exactly, if any does.
function exactUnit(ms: number): DurationUnit | undefined {
  return (Object.keys(DURATION_UNIT_MS) as DurationUnit[]).find((unit) => ms !== 0 && ms % DURATION_UNIT_MS[unit] === 0)
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

/**
 * A count with its noun, given in the plural (`records`): `1 record`, `2 records`, `1,000 nodes`.
 * Every count vain prints goes through here, so none reads `1 faults`.
 */
export function counted(count: number, pluralNoun: string): string {
  return `${formatNumber(count)} ${count === 1 ? pluralNoun.replace(/s$/, '') : pluralNoun}`
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
      return counted(value, unit)
  }
}
