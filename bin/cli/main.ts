import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../../core/errors.ts'
import { commandNamed, COMMANDS } from './commands/index.ts'
import { allExitStatuses, EXIT_USAGE, exitStatusLines } from './exit-status.ts'
import { commandHelpText } from './help.ts'
import { writeFailureExit } from './write-failure.ts'

export { writeFailureExit }


const HELP_FLAGS = new Set(['--help', '-h'])
const VERSION_FLAGS = new Set(['--version', '-V'])

/** Runs the CLI; returns the exit status. Bad usage is one `vain: …` line and a hint on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined) {
    console.error(topHelp())
    return EXIT_USAGE
  }
  if (HELP_FLAGS.has(first) || first === 'help') return helpCommand(rest)
  if (VERSION_FLAGS.has(first)) {
    console.log(`vain ${packageVersion(import.meta.url)}`)
    return 0
  }
  const command = commandNamed(first)
  if (command === undefined) {
    const what = first.startsWith('-') ? `unknown flag '${first}': vain takes --help, --version or a command` : `'${first}' is not a vain command`
    return usageError(new ConfigError(`${what} (${COMMANDS.map((c) => c.name).join(', ')})`), undefined)
  }
  try {
    if (rest.some((word) => HELP_FLAGS.has(word))) {
      console.log(commandHelpText(command, await command.flags()))
      return 0
    }
    return await command.run(rest)
  } catch (error) {
    const failed = writeFailureExit(error)
    if (failed !== undefined) {
      if (failed.line !== undefined) console.error(failed.line)
      return failed.status
    }
    if (!(error instanceof ConfigError)) throw error
    return usageError(error, command.name)
  }
}

// `vain help` / `vain --help`, or `vain help <command>`.
async function helpCommand(rest: readonly string[]): Promise<number> {
  if (rest.length === 0) {
    console.log(topHelp())
    return 0
  }
  const command = commandNamed(rest[0] as string)
  if (command === undefined) return usageError(new ConfigError(`'${rest[0]}' is not a vain command`), undefined)
  console.log(commandHelpText(command, await command.flags()))
  return 0
}

function usageError(error: ConfigError, command: string | undefined): number {
  console.error(`vain: ${error.message}\nsee 'vain ${command === undefined ? '' : `${command} `}--help'`)
  return EXIT_USAGE
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    'vain — simulate and run a decentralized peer-to-peer AI network',
    '',
    'usage: vain <command> [flags]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `  ${'-h, --help'.padEnd(width + 6)}this help; vain <command> --help for a command's flags`,
    `  ${'-V, --version'.padEnd(width + 6)}the version`,
    '',
    ...exitStatusLines(allExitStatuses()),
  ].join('\n')
}

/**
 * The version in the package.json of the package named vain that holds `from`: the nearest one above
 * it, found by walking up, because the depth differs (bin/cli/ in a clone, dist/bin/cli/ installed).
 * Read when asked for, so no other command pays for it.
 */
export function packageVersion(from: string): string {
  for (let dir = dirname(fileURLToPath(from)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (manifest.name === 'vain' && typeof manifest.version === 'string') return manifest.version
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of vain above ${fileURLToPath(from)}`)
  }
}
