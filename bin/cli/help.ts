import type { FlagSpec, FlagTable } from './args.ts'
import { exitStatusesOf, exitStatusLines } from './exit-status.ts'

/** What `vain <command> --help` prints, besides the flags themselves (which come from the flag table). */
export interface CommandHelp {
  readonly name: string
  /** One line, shown by `vain --help` too. */
  readonly summary: string
  /** Synopses after `vain <name> `, one per form of the command. */
  readonly usage: readonly string[]
  /** Lines after the flags: what the positionals are, where to read more. */
  readonly notes?: readonly string[]
}

/** The help of one command, rendered from its flag table. */
export function commandHelpText(command: CommandHelp, flagGroups: readonly FlagTable[]): string {
  const lines = [`vain ${command.name} — ${command.summary}`, '']
  command.usage.forEach((usage, i) => lines.push(`${i === 0 ? 'usage:' : '      '} vain ${command.name} ${usage}`))
  const rows: [string, string][] = flagGroups.flatMap((flags) => Object.entries(flags).map(([name, spec]) => flagRow(name, spec)))
  rows.push(['-h, --help', 'this help'])
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2
  lines.push('', 'flags:', ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`.trimEnd()))
  if (flagGroups.some((flags) => Object.values(flags).some((spec) => spec.value === 'DURATION'))) {
    lines.push('', 'DURATION: 500ms, 60s, 2m, 1h, 90d or 3y (a year is 365d); a bare number is milliseconds.')
  }
  if (command.notes !== undefined) lines.push('', ...command.notes)
  lines.push('', ...exitStatusLines(exitStatusesOf(command.name)))
  return lines.join('\n')
}

// A flag with its placeholder, and its help with its default and whether it repeats.
function flagRow(name: string, spec: FlagSpec): [string, string] {
  const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'TEXT'}`
  const extras = [spec.default === undefined ? '' : `default: ${spec.default}`, spec.multiple === true ? 'repeatable' : ''].filter((s) => s !== '')
  return [flag, `${spec.help ?? ''}${extras.length === 0 ? '' : ` (${extras.join('; ')})`}`]
}
