import { randomInt } from 'node:crypto'
import { Random, type Seed } from '../../../core/random.ts'
import { ConfigError } from '../../../core/errors.ts'
import { checkScenario, type CheckOptions } from '../../../sim/check.ts'
import { checkByzantineArgs } from './adversary-args.ts'
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
  const nodes = nodesArg(scenario, values.nodes)
  const options = {
    scenario,
    nodes,
    untilMs: untilArg(scenario, values.until),
    runs: values.runs === undefined ? DEFAULT_CHECK_RUNS : parsePositiveInt(values.runs, '--runs'),
    checkSeed,
    ...checkByzantineArgs(values.byzantine, values.behaviours, scenario, nodes),
    swarm: values.swarm === true,
    disk: values['disk-faults'] === true,
  }
  const report = checkScenario(options)
  const searched = searchedFaults(options)
  if (values.json === true) console.log(JSON.stringify({ ...report, checkSeed, searched }))
  else if (report.ok) console.log(`${scenario.name}: ${counted(report.runs, 'runs')} under generated schedules of ${searched} (search seed ${checkSeed}), no violation`)
  else {
    const violation = report.summary.violations[0]
    console.log(`${scenario.name}: FAILED on generated run ${report.runs} of schedules of ${searched} (search seed ${checkSeed})`)
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

/** What the generated schedules hold, in words, so a reader knows what a pass covers. */
function searchedFaults({ scenario, nodes, byzantine, swarm, disk }: CheckOptions): string {
  const parts = [`crashes, restarts, partitions (some one way), clogs and clock skews${disk === true ? ', disk faults' : ''}`]
  const twins = scenario.byzantine?.maxFaulty(nodes)
  if (twins !== undefined) parts.push(`Twins of up to ${counted(twins, 'nodes')}`)
  if (byzantine !== undefined) {
    const cap = twins === undefined ? '' : ', twins included'
    parts.push(`up to ${counted(twins === undefined ? byzantine.maxNodes : Math.min(byzantine.maxNodes, twins), 'Byzantine nodes')}${cap} (${(byzantine.kinds ?? []).join(', ')})`)
  }
  if (swarm === true) parts.push('the network and fault mix drawn for each run (swarm)')
  return parts.join('; ')
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
