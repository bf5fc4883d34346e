import { EXIT_WRITE_FAILED } from './write-failure.ts'

/** Exit status of bad usage: a flag, a value or a command that does not describe a valid run. */
export const EXIT_USAGE = 2

/** What one exit status means: for every command (`any`), or for the commands named. */
export interface ExitStatus {
  readonly status: number
  readonly any?: string
  readonly sim?: string
  readonly replay?: string
  readonly check?: string
  readonly node?: string
}

const VIOLATED = 'an invariant was violated (the replay command is printed)'
const MISSED = "every invariant held but the run missed its scenario's expectation"

/**
 * Every exit status of vain, the one table that `vain --help` and each command's help print (and
 * docs/cli.md repeats), so no help can leave one out. vain node's statuses are NODE_EXIT's
 * (bin/cli/node-failure.ts; a test keeps the two in agreement): the help does not load that module.
 */
export const EXIT_STATUSES: readonly ExitStatus[] = [
  { status: 0, any: 'success', node: 'stopped by SIGINT or SIGTERM, or --repair done' },
  { status: 1, sim: VIOLATED, replay: VIOLATED, check: 'a generated run violated an invariant (shrunk, with its replay command)', node: 'the data dir cannot be used as it is' },
  { status: EXIT_USAGE, any: 'bad usage (a flag, a value or a name)', node: 'bad usage, or a configuration it cannot use (the passphrase, an address)' },
  { status: 3, sim: MISSED, replay: MISSED },
  { status: 4, node: 'a port the node needs is in use' },
  { status: 5, node: 'the operating system refused something else (a full disk, too many open files)' },
  { status: 6, node: 'a component of the node threw in its start (a bug)' },
  { status: EXIT_WRITE_FAILED, any: 'the output could not be written (stdout, or replay\'s --trace file)' },
]

/** The exit statuses of one command, each with its meaning there. */
export function exitStatusesOf(command: string): { status: number; meaning: string }[] {
  return EXIT_STATUSES.flatMap((e) => {
    const meaning = (e as unknown as Record<string, string | undefined>)[command] ?? e.any
    return meaning === undefined ? [] : [{ status: e.status, meaning }]
  })
}

/** Every status with every meaning, for `vain --help`: `1  sim, replay: …; check: …`. */
export function allExitStatuses(): { status: number; meaning: string }[] {
  return EXIT_STATUSES.map(({ status, any, ...byCommand }) => {
    const groups = new Map<string, string[]>()
    for (const [command, meaning] of Object.entries(byCommand) as [string, string][]) groups.set(meaning, [...(groups.get(meaning) ?? []), command])
    const specific = [...groups].map(([meaning, commands]) => `${commands.join(', ')}: ${meaning}`)
    return { status, meaning: [...(any === undefined ? [] : [any]), ...specific].join('; ') }
  })
}

/** The `Exit status:` block of a help text. */
export function exitStatusLines(rows: readonly { status: number; meaning: string }[]): string[] {
  return ['Exit status:', ...rows.map(({ status, meaning }) => `  ${String(status).padEnd(4)}${meaning}`)]
}
