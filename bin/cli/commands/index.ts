import type { FlagTable } from '../args.ts'
import type { CommandHelp } from '../help.ts'
import { BENCH_FLAGS, CHECK_FLAGS, LIST_FLAGS, REPLAY_FLAGS, SIM_FLAGS } from './flags.ts'

/**
 * A `vain` command. Its runner is imported only when it runs, so `vain --help`, `vain --version` and
 * one command's help do not load the simulator, the actors or the transports of every other command.
 */
export interface Command extends CommandHelp {
  /** The flag tables that parse the command line, which its --help prints. */
  flags(): Promise<readonly FlagTable[]>
  run(argv: readonly string[]): Promise<number>
}

/** `vain node`'s tools (bin/cli/node-tools.ts): a first word that names one. */
const NODE_TOOLS = new Set(['identity', 'submit', 'status', 'chain'])

const SCENARIO_NOTE = "<scenario>: a scenario's name; `vain list` lists them with their defaults."

export const COMMANDS: readonly Command[] = [
  {
    name: 'sim',
    summary: 'runs a scenario in the deterministic simulator and prints its summary',
    usage: ['<scenario> [flags]'],
    notes: [SCENARIO_NOTE],
    flags: async () => [SIM_FLAGS],
    run: async (argv) => (await import('./sim.ts')).simCommand(argv, false),
  },
  {
    name: 'replay',
    summary: 'the same run as sim, with every trace event as a JSON line (to FILE, or stdout)',
    usage: ['<scenario> --seed SEED [flags]'],
    notes: [SCENARIO_NOTE, 'Same scenario, seed, nodes, duration, faults and isolation: same trace, same trace hash.'],
    flags: async () => [REPLAY_FLAGS],
    run: async (argv) => (await import('./sim.ts')).simCommand(argv, true),
  },
  {
    name: 'check',
    summary: 'property test under generated fault schedules; on failure, shrinks it and prints the replay command',
    usage: ['<scenario> [flags]'],
    notes: [SCENARIO_NOTE],
    flags: async () => [CHECK_FLAGS],
    run: async (argv) => (await import('./check.ts')).checkCommand(argv),
  },
  {
    name: 'bench',
    summary: 'runs a benchmark: its figures beside a baseline measured in the same run',
    usage: ['<name> [flags]'],
    notes: ['<name>: a benchmark; `vain list` lists them.'],
    flags: async () => [BENCH_FLAGS],
    run: async (argv) => (await import('./bench.ts')).benchCommand(argv),
  },
  {
    name: 'node',
    summary: 'runs a real node until SIGINT/SIGTERM, or salvages its damaged store (--repair); its tools: identity, submit, status, chain',
    usage: [
      '--listen HOST:PORT --data-dir DIR [flags]',
      '--data-dir DIR --repair',
      'identity --data-dir DIR [--kdf interactive|moderate]',
      'submit --data-dir DIR [--wait] TEXT...',
      'status --data-dir DIR',
      'chain --data-dir DIR [--from HEIGHT]',
    ],
    notes: [
      'The identity is sealed in DIR/identity.key with the passphrase in the environment variable VAIN_PASSPHRASE.',
      'IDENTITY: 64 hex digits, as the `listening` log gives it. See docs/cli.md and docs/runtime.md.',
      'identity: makes (or opens) the identity in DIR and prints it, for a --genesis file; submit, status, chain: talk to the node running on DIR (DIR/control.sock).',
    ],
    flags: async () => {
      const { NODE_FLAGS, REPAIR_FLAG } = await import('../node-config.ts')
      const { NODE_TOOL_FLAGS } = await import('../node-tools.ts')
      return [NODE_FLAGS, REPAIR_FLAG, NODE_TOOL_FLAGS]
    },
    // The tools load only what they use, not the node's actors and transports.
    run: async (argv) => (NODE_TOOLS.has(argv[0] ?? '') ? (await import('../node-tools.ts')).nodeToolCommand(argv[0]!, argv.slice(1)) : (await import('../node.ts')).nodeCommand(argv)),
  },
  {
    name: 'list',
    summary: 'lists the scenarios, with their default nodes and duration, and the benchmarks',
    usage: [''],
    flags: async () => [LIST_FLAGS],
    run: async (argv) => (await import('./list.ts')).listCommand(argv),
  },
]

export function commandNamed(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name)
}
