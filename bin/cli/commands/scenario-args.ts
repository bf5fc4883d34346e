import { totalmem } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import { ConfigError } from '../../../core/errors.ts'
import { faultAddedNodes, type FaultSchedule } from '../../../sim/faults.ts'
import { formatNumber } from '../../../sim/format.ts'
import { estimatedHeapBytes, type Scenario } from '../../../sim/scenario.ts'
import { scenarioNamed, scenarios } from '../../../sim/scenarios/index.ts'
import { parsePositiveDuration, parsePositiveInt } from '../args.ts'

/** The one scenario named on the command line. */
export function scenarioArg(positionals: readonly string[]): Scenario {
  if (positionals.length === 0) throw new ConfigError(`expected a scenario name (known: ${[...scenarios.keys()].join(', ')})`)
  if (positionals.length > 1) throw new ConfigError(`unexpected argument '${positionals[1]}' (one scenario name, then flags)`)
  return scenarioNamed(positionals[0] as string)
}

/**
 * --nodes, or the scenario's default: at least the scenario's minimum, and refused up front when the
 * simulator's estimate of the run's heap exceeds this process's heap limit (a run that would end in
 * V8's out-of-memory abort, minutes later, for a typo).
 */
export function nodesArg(scenario: Scenario, text: string | undefined, heapLimitBytes = getHeapStatistics().heap_size_limit, memoryBytes = totalmem()): number {
  // No heap limit can admit more nodes than the machine's memory holds: beyond that, no advice helps.
  const machineMax = { value: maxNodes(scenario, memoryBytes / HEAP_HEADROOM), why: `(the most that fit this machine's ${gib(memoryBytes)} of memory, at ${kib(scenario)} a node)` }
  const nodes = text === undefined ? scenario.defaults.nodes : parsePositiveInt(text, '--nodes', machineMax)
  if (nodes < scenario.minNodes) throw new ConfigError(`scenario ${scenario.name} needs at least ${scenario.minNodes} nodes, got ${nodes}`)
  const needed = estimatedHeapBytes(scenario, nodes)
  if (needed > heapLimitBytes) {
    const mib = Math.ceil((needed * HEAP_HEADROOM) / MIB)
    throw new ConfigError(
      `--nodes ${nodes}: scenario ${scenario.name} needs about ${gib(needed)} of heap at ${kib(scenario)} a node, ` +
        `over this process's limit of ${gib(heapLimitBytes)}; give fewer nodes (at most ${formatNumber(maxNodes(scenario, heapLimitBytes))}), or raise the limit with NODE_OPTIONS=--max-old-space-size=${mib}`,
    )
  }
  return nodes
}

/**
 * The nodes a schedule adds (twins, Sybils) count like any: a run whose estimate with them exceeds
 * the heap limit is refused up front, as --nodes is.
 */
export function refuseAddedNodes(scenario: Scenario, nodes: number, faults: FaultSchedule, heapLimitBytes = getHeapStatistics().heap_size_limit): void {
  const added = faults.reduce((sum, fault) => sum + faultAddedNodes(fault).length, 0)
  const needed = estimatedHeapBytes(scenario, nodes + added)
  if (added === 0 || needed <= heapLimitBytes) return
  throw new ConfigError(
    `--faults adds ${formatNumber(added)} nodes (twins and Sybils) to the ${formatNumber(nodes)}: scenario ${scenario.name} would need about ${gib(needed)} of heap at ${kib(scenario)} a node, ` +
      `over this process's limit of ${gib(heapLimitBytes)} (at most ${formatNumber(maxNodes(scenario, heapLimitBytes))} nodes in all)`,
  )
}

/** --until, or the scenario's default duration. */
export function untilArg(scenario: Scenario, text: string | undefined): number {
  return text === undefined ? scenario.defaults.untilMs : parsePositiveDuration(text, '--until')
}

const MIB = 2 ** 20
// The suggested --max-old-space-size leaves a quarter above the estimate: the estimate is a measured
// average, and V8 needs room to collect garbage near its limit.
const HEAP_HEADROOM = 1.25

// The most nodes whose estimate fits under the limit.
function maxNodes(scenario: Scenario, heapLimitBytes: number): number {
  return Math.max(0, Math.floor((heapLimitBytes - estimatedHeapBytes(scenario, 0)) / scenario.bytesPerNode))
}

function kib(scenario: Scenario): string {
  return `${Math.round(scenario.bytesPerNode / 1024)} KiB`
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`
}
