import { randomInt } from 'node:crypto'
import { Random, type Seed } from '../../../core/random.ts'
import { ConfigError } from '../../../core/errors.ts'
import { BEHAVIOUR_KINDS } from '../../../sim/adversaries/arbitrary.ts'
import { byzantineCount } from '../../../sim/adversaries/preset.ts'
import type { BehaviourKind } from '../../../sim/adversaries/behaviours.ts'
import { checkScenario, type ByzantineOption } from '../../../sim/check.ts'
import { counted } from '../../../sim/format.ts'
import { DEFAULT_CHECK_RUNS, CHECK_FLAGS } from './flags.ts'
import { parse, parsePositiveInt, parseSeed } from '../args.ts'
import { nodesArg, scenarioArg, untilArg } from './scenario-args.ts'

/** `vain check`: a scenario as a property under generated fault schedules; resolves with the exit status. */
export function checkCommand(argv: readonly string[]): number {
  const { values, positionals } = parse(argv, CHECK_FLAGS)
  const scenario = scenarioArg(positionals)
  // Without --seed, a fresh search seed: printed, so a passing search can be repeated too.
  const checkSeed = values.seed === undefined ? randomInt(FRESH_SEED_BELOW) : searchSeed(parseSeed(values.seed))
  const report = checkScenario({
    scenario,
    nodes: nodesArg(scenario, values.nodes),
    untilMs: untilArg(scenario, values.until),
    runs: values.runs === undefined ? DEFAULT_CHECK_RUNS : parsePositiveInt(values.runs, '--runs'),
    checkSeed,
    ...byzantineArgs(values.byzantine, values.behaviours, scenario.faultTargets(nodesArg(scenario, values.nodes)).length),
    swarm: values.swarm === true,
    disk: values['disk-faults'] === true,
  })
  if (values.json === true) console.log(JSON.stringify({ ...report, checkSeed }))
  else if (report.ok) console.log(`${scenario.name}: ${counted(report.runs, 'runs')} under generated fault schedules${values.swarm === true ? ' in drawn environments (swarm)' : ''} (search seed ${checkSeed}), no violation`)
  else {
    const violation = report.summary.violations[0]
    console.log(`${scenario.name}: FAILED on generated run ${report.runs} (search seed ${checkSeed})`)
    console.log(`first failing schedule: ${counted(report.firstFailure.faults.length, 'faults')} (seed ${report.firstFailure.seed})`)
    console.log(`shrunk in ${counted(report.shrinks, 'steps')} to ${counted(report.minimal.faults.length, 'faults')} (seed ${report.minimal.seed}):`)
    console.log(`  ${JSON.stringify(report.minimal.faults)}`)
    const swarm = report.minimal.swarm
    if (swarm !== undefined) console.log(`in the drawn environment ${JSON.stringify(swarm.environment)}, fault mix ${swarm.faultKinds.join(', ') || 'none'} (twins and Sybils are always kept)`)
    console.log(`violation of '${violation?.invariant}': ${violation?.message}`)
    console.log(`replay with:\n  ${report.replay}`)
  }
  return report.ok ? 0 : 1
}

/** `--byzantine N [--behaviours k1,k2]` as the check's option; --behaviours alone is a mistake worth saying. */
function byzantineArgs(maxNodes: string | undefined, kinds: string | undefined, targets: number): { byzantine?: ByzantineOption } {
  if (maxNodes === undefined) {
    if (kinds !== undefined) throw new ConfigError('--behaviours chooses among Byzantine behaviours: give --byzantine N as well')
    return {}
  }
  const byzantine = { maxNodes: byzantineCount(maxNodes, targets) }
  return { byzantine: kinds === undefined ? byzantine : { ...byzantine, kinds: parseBehaviours(kinds) } }
}

function parseBehaviours(text: string): BehaviourKind[] {
  const kinds = text.split(',').map((k) => k.trim())
  for (const kind of kinds) {
    if (!(BEHAVIOUR_KINDS as string[]).includes(kind)) throw new ConfigError(`--behaviours: unknown behaviour ${JSON.stringify(kind)} (expected some of ${BEHAVIOUR_KINDS.join(', ')}, comma-separated)`)
  }
  return kinds as BehaviourKind[]
}

// A fresh search seed is below 2^31: a non-negative 32-bit integer, as fast-check takes it.
const FRESH_SEED_BELOW = 2 ** 31

/**
 * fast-check's search seed is a number: an integer seed is used as it is (`--seed 7` searches as it
 * always did), a text seed through the project's seeded stream (same text, same search).
 */
export function searchSeed(seed: Seed): number {
  return typeof seed === 'number' ? seed : Random.fromSeed(seed).nextU32() | 0
}
