import type { Seed } from '../core/random.ts'
import type { FaultSchedule } from './faults.ts'
import type { Violation } from './invariants.ts'
import type { Isolation } from './isolation.ts'
import type { NetworkStats, RunResult, Simulation, StopReason } from './simulation.ts'
import type { TraceEvent } from './trace.ts'

export interface ScenarioOptions {
  readonly seed: Seed
  readonly nodes: number
  readonly untilMs: number
  readonly faults?: FaultSchedule
  readonly isolation?: Isolation
  readonly onTrace?: (event: TraceEvent) => void
}

/** What a Simulation takes from the run's options; a scenario adds its network and invariants. */
export function runSettings(options: ScenarioOptions): Pick<ScenarioOptions, 'seed' | 'isolation' | 'faults' | 'onTrace'> {
  return { seed: options.seed, isolation: options.isolation, faults: options.faults, onTrace: options.onTrace }
}

/** A built run: the simulation, and what the scenario reports once it has run. */
export interface ScenarioRun {
  readonly sim: Simulation
  summarize(result: RunResult): Readonly<Record<string, unknown>>
}

/** A named, reproducible experiment that `vain sim`, `vain replay` and `vain check` can run. */
export interface Scenario {
  readonly name: string
  readonly description: string
  readonly defaults: { readonly nodes: number; readonly untilMs: number }
  readonly minNodes: number
  /**
   * Heap a run takes per node, measured at peak (the largest sampled heapUsed of a run at the default
   * duration, over the baseline, divided by the nodes; docs/cli.md has the figures). What
   * estimatedHeapBytes uses to refuse, up front, a node count that cannot fit in memory.
   */
  readonly bytesPerNode: number
  /** The nodes a generated fault schedule may target (for `vain check`). */
  faultTargets(nodes: number): readonly string[]
  build(options: ScenarioOptions): ScenarioRun
}

/**
 * Heap not counted in bytesPerNode: the loaded modules and the run's fixed structures (measured: 28 MiB
 * of heapUsed once the scenarios are loaded, before any node; rounded up).
 */
export const BASE_HEAP_BYTES = 32 * 2 ** 20

/** The heap a run of `scenario` with `nodes` nodes is estimated to need at its peak. */
export function estimatedHeapBytes(scenario: Pick<Scenario, 'bytesPerNode'>, nodes: number): number {
  return BASE_HEAP_BYTES + nodes * scenario.bytesPerNode
}

/** What `vain sim --json` prints: the fields every scenario has, then the scenario's own. */
export interface ScenarioSummary extends Readonly<Record<string, unknown>> {
  readonly scenario: string
  readonly seed: Seed
  readonly nodes: number
  readonly events: number
  readonly virtualTimeMs: number
  readonly traceHash: string
  readonly stoppedBy: StopReason
  readonly violations: readonly (Violation & { readonly replay: string })[]
  readonly network: NetworkStats
}

export function runScenario(
  scenario: Scenario,
  options: ScenarioOptions,
  onProgress?: (now: number, events: number) => void,
): ScenarioSummary {
  const { sim, summarize } = scenario.build(options)
  const result = sim.run(onProgress === undefined ? { untilMs: options.untilMs } : { untilMs: options.untilMs, onProgress })
  return {
    scenario: scenario.name,
    seed: options.seed,
    nodes: options.nodes,
    events: result.events,
    virtualTimeMs: result.virtualTimeMs,
    traceHash: result.traceHash,
    stoppedBy: result.stoppedBy,
    violations: result.violations.map((v) => ({ ...v, replay: replayCommand(scenario.name, { ...options, faults: v.faults }) })),
    network: result.stats,
    ...summarize(result),
  }
}

/** The shell command that replays a run exactly. */
export function replayCommand(scenario: string, options: Pick<ScenarioOptions, 'seed' | 'nodes' | 'untilMs' | 'faults' | 'isolation'>): string {
  const parts = ['npx vain replay', scenario, `--seed ${shellQuote(String(options.seed))}`, `--nodes ${options.nodes}`, `--until ${options.untilMs}ms`]
  if (options.isolation !== undefined && options.isolation !== 'bytes') parts.push(`--isolation ${options.isolation}`)
  if (options.faults !== undefined && options.faults.length > 0) parts.push(`--faults ${shellQuote(JSON.stringify(options.faults))}`)
  return parts.join(' ')
}

function shellQuote(text: string): string {
  return /^[\w.-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}
