import { ConfigError } from '../../core/errors.ts'
import type { Seed } from '../../core/random.ts'
import { DURATION_UNIT_MS, formatDuration, formatNumber, MAX_VIRTUAL_TIME_MS, type DurationUnit } from '../../sim/format.ts'
import type { Isolation } from '../../sim/isolation.ts'

/**
 * One flag of a command. The same table parses the command line and prints `vain <command> --help`,
 * so a flag cannot exist without its help, nor its help without the flag.
 */
export interface FlagSpec {
  readonly type: 'string' | 'boolean'
  /** The flag may be given several times; its values come back as an array. */
  readonly multiple?: boolean
  /** The value's placeholder in help (`N`, `DURATION`, `FILE`); string flags only. */
  readonly value?: string
  /** What applies when the flag is absent, as help prints it (the command applies it). */
  readonly default?: string
  /** One line: what the flag does, in which unit. */
  readonly help?: string
}

export type FlagTable = Readonly<Record<string, FlagSpec>>

type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean' ? boolean : F['multiple'] extends true ? string[] : string

export interface Parsed<T extends FlagTable> {
  readonly values: { -readonly [K in keyof T]?: FlagValue<T[K]> }
  readonly positionals: string[]
}

/**
 * Parses `--flag value`, `--flag=value` and positionals strictly: an unknown flag, a missing value, a
 * value on a boolean flag or a repeated single flag is a ConfigError, never a silent default. A string
 * flag takes the next word as its value even when it starts with one dash (`--nodes -5` reaches the
 * flag's own check, which says what is wrong); a word starting with two dashes is never a value. `--`
 * ends the flags.
 */
export function parse<const T extends FlagTable>(argv: readonly string[], flags: T): Parsed<T> {
  const values: Record<string, boolean | string | string[]> = {}
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word)
      continue
    }
    const eq = word.indexOf('=')
    const name = word.startsWith('--') ? word.slice(2, eq < 0 ? undefined : eq) : ''
    const spec = Object.hasOwn(flags, name) ? flags[name] : undefined
    if (spec === undefined) throw new ConfigError(`unknown flag '${eq < 0 ? word : word.slice(0, eq)}'`)
    let value: boolean | string
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new ConfigError(`--${name} takes no value`)
      value = true
    } else if (eq >= 0) value = word.slice(eq + 1)
    else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`--${name} needs a value (${spec.value ?? 'TEXT'})`)
      value = next
      i++
    }
    if (spec.multiple === true) values[name] = [...((values[name] as string[] | undefined) ?? []), value as string]
    else if (name in values) throw new ConfigError(`--${name} is given twice`)
    else values[name] = value
  }
  return { values, positionals } as Parsed<T>
}

const DURATION_EXAMPLES = '500ms, 60s, 2m, 1h, 90d, 3y'

/** A duration such as `60s`, `500ms`, `2m`, `1h`, `90d` or `3y`; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const ms = durationMs(text)
  if (ms === undefined) throw new ConfigError(`'${text}' is not a duration (examples: ${DURATION_EXAMPLES})`)
  return ms
}

/** A duration from 1 ms to MAX_VIRTUAL_TIME_MS (1000y), as `flag` takes it; anything else says so in one line. */
export function parsePositiveDuration(text: string, flag: string): number {
  const ms = durationMs(text)
  if (ms === undefined || !(ms >= 1)) throw new ConfigError(`${flag} must be a positive duration (${DURATION_EXAMPLES}), got ${shown(text)}`)
  if (ms > MAX_VIRTUAL_TIME_MS) throw new ConfigError(`${flag} is too long: at most ${formatDuration(MAX_VIRTUAL_TIME_MS)}, got ${shown(text)}`)
  return ms
}

function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|y)?$/.exec(text.trim())
  return match === null ? undefined : Number(match[1]) * DURATION_UNIT_MS[(match[2] ?? 'ms') as DurationUnit]
}

/**
 * A seed, the same rule for every command: any non-empty text. A decimal integer that is a safe
 * integer is a number (so `--seed 7` and the API's `seed: 7` are the same run); anything else is a
 * string seed.
 */
export function parseSeed(text: string, flag = '--seed'): Seed {
  if (text === '') throw new ConfigError(`${flag} must not be empty: give an integer or any text`)
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text
}

/** A positive integer of digits, at most `max` (`max` names why, e.g. `fit this machine's memory`). */
export function parsePositiveInt(text: string, flag: string, max: { readonly value: number; readonly why: string } = SAFE_INTEGER): number {
  const digits = /^\d+$/.test(text.trim())
  const n = digits ? Number(text) : Number.NaN
  if (digits && n > max.value) throw new ConfigError(`${flag} is too large: at most ${formatNumber(max.value)} ${max.why}, got ${text.trim()}`)
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${flag} must be a positive integer, got ${shown(text)}`)
  return n
}

// Beyond 2^53 an integer is no longer exact in a double.
const SAFE_INTEGER = { value: Number.MAX_SAFE_INTEGER, why: '(the largest exact integer)' }

export function parseIsolation(text: string): Isolation {
  if (text !== 'bytes' && text !== 'frozen') throw new ConfigError(`--isolation must be 'bytes' or 'frozen', got ${shown(text)}`)
  return text
}

// A value as an error message shows it: quoted where it is empty or has spaces, so it stays visible.
function shown(text: string): string {
  return text === '' || /\s/.test(text) ? JSON.stringify(text) : text
}
