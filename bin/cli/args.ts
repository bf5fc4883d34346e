import { parseArgs, type ParseArgsConfig } from 'node:util'
import { readFileSync } from 'node:fs'
import { ConfigError } from '../../core/errors.ts'
import type { Seed } from '../../core/random.ts'
import { parseFaultSchedule, type FaultSchedule } from '../../sim/faults.ts'
import type { Isolation } from '../../sim/isolation.ts'

/** Parses `--flag value` arguments strictly: an unknown flag is an error, not a silent default. */
export function parse<const O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true } as const)
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
}

/** A duration such as `60s`, `500ms`, `2m`, `1h` or `1095d`; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim())
  if (match === null) throw new ConfigError(`'${text}' is not a duration (examples: 500ms, 60s, 2m, 1h, 90d)`)
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] as number
  return Number(match[1]) * scale
}

/** A seed: an integer stays a number (so `--seed 7` and the API's `seed: 7` agree); anything else is a string. */
export function parseSeed(text: string): Seed {
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text
}

export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${flag} must be a positive integer, got '${text}'`)
  return n
}

export function parseIsolation(text: string): Isolation {
  if (text !== 'bytes' && text !== 'frozen') throw new ConfigError(`--isolation must be 'bytes' or 'frozen', got '${text}'`)
  return text
}

/** `--faults` takes JSON inline or `@path` to a JSON file. */
export function parseFaults(text: string): FaultSchedule {
  if (!text.startsWith('@')) return parseFaultSchedule(text)
  let json: string
  try {
    json = readFileSync(text.slice(1), 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read fault schedule ${text.slice(1)}: ${(error as Error).message}`)
  }
  return parseFaultSchedule(json)
}
