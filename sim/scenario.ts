import type { Seed } from '../core/random.ts'
import type { AdversaryCounts } from './adversaries/adversary.ts'
import type { Environment } from './environment.ts'
import type { FaultSchedule } from './faults.ts'
import { exactDuration, type Unit } from './format.ts'
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
  /** Overrides of the scenario's network and sync cost (a swarm-drawn run's). */
  readonly environment?: Environment
  readonly onTrace?: (event: TraceEvent) => void
}

/** What a Simulation takes from the run's options; a scenario adds its network and invariants. */
export function runSettings(options: ScenarioOptions): Pick<ScenarioOptions, 'seed' | 'isolation' | 'faults' | 'environment' | 'onTrace'> {
  return { seed: options.seed, isolation: options.isolation, faults: options.faults, environment: options.environment, onTrace: options.onTrace }
}

/** The figures a scenario adds to its summary (a type alias, not an interface, so it fits a Record). */
export type Figures = Readonly<Record<string, unknown>>

/** A built run: the simulation, and what the scenario reports once it has run. */
export interface ScenarioRun<S extends Figures = Figures> {
  readonly sim: Simulation
  summarize(result: RunResult): S
}

/**
 * What a scenario expects of a healthy run: it holds at the scenario's defaults under the default
 * fault model, and injected faults may break it. Unlike an invariant, a run that misses it is a
 * finding, not a bug: it is reported (and `vain sim` exits 3), the run is not stopped.
 */
export interface Expectation<S extends Figures = Figures> {
  /** What is expected, as a reader would say it: `coverage ≥ 99%`. */
  readonly name: string
  /** Judges the finished run; `detail` says what the run showed. */
  check(summary: RunSummary & S): { readonly held: boolean; readonly detail: string }
}

export interface ExpectationResult {
  readonly name: string
  readonly held: boolean
  readonly detail: string
}

/** A named, reproducible experiment that `vain sim`, `vain replay` and `vain check` can run. */
export interface Scenario<S extends Figures = Figures> {
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
  /**
   * For a protocol that claims to tolerate Byzantine nodes: how many of `nodes` (its f). `vain check`
   * then generates Twins schedules (sim/adversaries/twins-arbitrary.ts): up to f of the fault targets
   * twinned, with partitions and crashes that name the twins. Absent: no twins are generated.
   */
  readonly byzantine?: { maxFaulty(nodes: number): number }
  /**
   * Whether its actors tell lies (core/byzantine.ts `Liar`): only then do the `lie`, `equivocate` and
   * `collude` behaviours change what a Byzantine node sends. The CLI refuses them, and `vain check`
   * does not draw them, for a scenario without lies.
   */
  readonly lies?: boolean
  build(options: ScenarioOptions): ScenarioRun<S>
  /** Judged at the end of every run, in this order. */
  readonly expectations: readonly Expectation<S>[]
  /** The unit of every figure the summary adds, for the `vain sim` summary. */
  readonly units: { readonly [K in keyof S]-?: Unit }
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

/** The fields every scenario's summary has, before its expectations are judged. */
export interface RunSummary {
  readonly scenario: string
  readonly seed: Seed
  readonly nodes: number
  readonly untilMs: number
  readonly events: number
  readonly virtualTimeMs: number
  readonly traceHash: string
  readonly stoppedBy: StopReason
  readonly violations: readonly (Violation & { readonly replay: string })[]
  readonly network: NetworkStats
  /** What the Byzantine behaviours of the fault schedule did, when it had any (sim/adversaries). */
  readonly adversary?: AdversaryCounts
  readonly isolation: Isolation
  /** The fault schedule the run was given (a scenario's own workload, such as churn's departures, is not in it). */
  readonly faults: FaultSchedule
  /** The environment the run was given over its scenario's (a swarm-drawn run's); absent when none. */
  readonly environment?: Environment
}

/** What `vain sim --json` prints: the fields every scenario has, then the scenario's own, then its expectations judged. */
export interface ScenarioSummary extends RunSummary, Readonly<Record<string, unknown>> {
  readonly expectations: readonly ExpectationResult[]
}

export function runScenario<S extends Figures>(
  scenario: Scenario<S>,
  options: ScenarioOptions,
  onProgress?: (now: number, events: number) => void,
): ScenarioSummary & S {
  const run = scenario.build(options)
  const result = run.sim.run(onProgress === undefined ? { untilMs: options.untilMs } : { untilMs: options.untilMs, onProgress })
  const summary: RunSummary & S = {
    scenario: scenario.name,
    seed: options.seed,
    nodes: options.nodes,
    untilMs: options.untilMs,
    events: result.events,
    virtualTimeMs: result.virtualTimeMs,
    traceHash: result.traceHash,
    stoppedBy: result.stoppedBy,
    // The run's own options replay it: a violation's schedule also holds the scenario's own workload
    // (eclipse's Sybils, churn's departures), which the scenario adds again when it is built.
    violations: result.violations.map((v) => ({ ...v, replay: replayCommand(scenario.name, options) })),
    network: result.stats,
    ...(result.adversary === undefined ? {} : { adversary: result.adversary }),
    isolation: options.isolation ?? 'bytes',
    faults: options.faults ?? [],
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...run.summarize(result),
  }
  return { ...summary, expectations: scenario.expectations.map((e) => ({ name: e.name, ...e.check(summary) })) }
}

/** The shell command that replays a run exactly. */
export function replayCommand(scenario: string, options: Pick<ScenarioOptions, 'seed' | 'nodes' | 'untilMs' | 'faults' | 'isolation' | 'environment'>): string {
  return runCommand('replay', scenario, options)
}

/** The shell command that runs (`sim`) or replays (`replay`) a run exactly. */
export function runCommand(command: 'sim' | 'replay', scenario: string, options: Pick<ScenarioOptions, 'seed' | 'nodes' | 'untilMs' | 'faults' | 'isolation' | 'environment'>): string {
  const parts = [`npx vain ${command}`, scenario, `--seed ${shellQuote(String(options.seed))}`, `--nodes ${options.nodes}`, `--until ${exactDuration(options.untilMs)}`]
  if (options.isolation !== undefined && options.isolation !== 'bytes') parts.push(`--isolation ${options.isolation}`)
  if (options.faults !== undefined && options.faults.length > 0) parts.push(`--faults ${shellQuote(JSON.stringify(options.faults))}`)
  if (options.environment !== undefined && Object.keys(options.environment).length > 0) parts.push(`--env ${shellQuote(JSON.stringify(options.environment))}`)
  return parts.join(' ')
}

function shellQuote(text: string): string {
  return /^[\w.-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}
