import type { FlagTable } from '../args.ts'

/**
 * The presets of sim/adversaries/preset.ts, as the help names them: written out, since `--help` loads
 * nothing of the simulator (adversary-args.test checks that the two agree).
 */
export const ADVERSARIES_TEXT = 'twins, silent, duplicate, replay, garbage, equivocate, lie, collude'

/** The flags of `vain sim`; `vain replay` adds --trace, and needs --seed. */
export const SIM_FLAGS = {
  seed: { type: 'string', value: 'SEED', default: '1', help: 'the run: an integer or any text; same seed, same run' },
  nodes: { type: 'string', value: 'N', default: "the scenario's, see vain list", help: 'nodes in the network' },
  until: { type: 'string', value: 'DURATION', default: "the scenario's, see vain list", help: 'virtual time to run' },
  faults: { type: 'string', value: 'JSON|@FILE', default: 'none', help: 'fault schedule, inline or from a file: [{"at":ms,"kind":"crash","node":"n3"}, …]' },
  isolation: { type: 'string', value: 'bytes|frozen', default: 'bytes', help: 'how messages are isolated between actors: encoded bytes, or frozen objects (faster)' },
  env: { type: 'string', value: 'JSON', default: "the scenario's", help: 'network and disk over the scenario\'s: {"loss":0.1,"duplicate":0,"reorder":0,"reorderDelayMs":100,"latency":{"kind":"constant","ms":5},"syncCostMs":0.25}' },
  byzantine: { type: 'string', value: 'FRACTION|N', default: 'none', help: "make that share (0.3) or number (3) of the scenario's nodes the adversary's from the start, chosen by the seed; added to --faults" },
  adversary: { type: 'string', value: 'KIND', default: "collude where the scenario's actors lie, else twins", help: `what the --byzantine nodes do: ${ADVERSARIES_TEXT}` },
  json: { type: 'boolean', help: 'print the summary as one JSON object on the last line of stdout' },
} as const satisfies FlagTable

export const REPLAY_FLAGS = {
  ...SIM_FLAGS,
  seed: { type: 'string', value: 'SEED', help: 'the run to replay (required): an integer or any text' },
  trace: { type: 'string', value: 'FILE', default: 'stdout', help: 'write every trace event as a JSON line to FILE' },
} as const satisfies FlagTable

/** How many generated runs `vain check` tries when --runs is absent. */
export const DEFAULT_CHECK_RUNS = 100

export const CHECK_FLAGS = {
  runs: { type: 'string', value: 'N', default: String(DEFAULT_CHECK_RUNS), help: 'generated runs (seed and fault schedule) to try' },
  seed: { type: 'string', value: 'SEED', default: 'a fresh one, printed', help: 'seed of the search itself: an integer or any text; same seed, same runs' },
  nodes: SIM_FLAGS.nodes,
  until: SIM_FLAGS.until,
  byzantine: { type: 'string', value: 'FRACTION|N', default: 'none', help: 'mix Byzantine nodes into the schedules: at most that share (0.3) or number (3) of the nodes per run' },
  behaviours: { type: 'string', value: 'KIND,…', default: 'all', help: 'the Byzantine behaviours drawn (with --byzantine): silent, delay, drop-some, duplicate, replay, garbage, equivocate, lie, collude' },
  swarm: { type: 'boolean', help: 'swarm testing: each generated run also draws its network (loss, duplication, latency, reordering), sync cost and fault mix; a failure prints them, and its replay command carries them as --env' },
  'disk-faults': { type: 'boolean', help: 'generate disk faults too (corrupt-read, bad-sector, lying-sync)' },
  json: { type: 'boolean', help: 'print the report as one JSON object' },
} as const satisfies FlagTable

export const BENCH_FLAGS = {
  quick: { type: 'boolean', help: 'a smaller, faster run (for CI): fewer sizes and repetitions' },
  json: { type: 'boolean', help: 'print the results as one JSON object { bench, results } on the last line' },
} as const satisfies FlagTable

export const LIST_FLAGS = {} as const satisfies FlagTable
