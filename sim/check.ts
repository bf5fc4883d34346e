import fc from 'fast-check'
import type { Seed } from '../core/random.ts'
import type { Fault, FaultSchedule } from './faults.ts'
import { replayCommand, runScenario, type Scenario, type ScenarioSummary } from './scenario.ts'
import { twinsScheduleArbitrary } from './adversaries/twins-arbitrary.ts'

export interface FaultScheduleShape {
  /** The nodes faults may target. */
  readonly nodes: readonly string[]
  /** Faults happen in [0, horizonMs]. */
  readonly horizonMs: number
  readonly maxFaults?: number
}

/**
 * Arbitrary fault schedules: crashes (some torn), restarts, partitions isolating a random subset (both
 * ways, or one way: it hears the others, they do not hear it),
 * heals, clogs and clock skews, sorted by time. fast-check shrinks them by dropping faults, moving them
 * earlier and shrinking the sets they name.
 */
export function faultScheduleArbitrary(shape: FaultScheduleShape): fc.Arbitrary<FaultSchedule> {
  const { nodes, horizonMs } = shape
  const at = fc.integer({ min: 0, max: horizonMs })
  const node = fc.constantFrom(...nodes)
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    fc.record({ at, kind: fc.constant('crash' as const), node }),
    fc.record({ at, kind: fc.constant('crash' as const), node, torn: fc.constant(true) }),
    fc.record({ at, kind: fc.constant('restart' as const), node }),
    fc.record({ at, kind: fc.constant('partition' as const), groups: fc.subarray([...nodes], { minLength: 1 }).map((g) => [g]) }),
    // Asymmetric: the subset hears the others, the others do not hear it.
    fc.record({ at, kind: fc.constant('partition' as const), groups: fc.subarray([...nodes], { minLength: 1 }).map((g) => [g]), oneWay: fc.constant(true) }),
    fc.record({ at, kind: fc.constant('heal' as const) }),
    fc.record({ at, kind: fc.constant('clog' as const), node, durationMs: fc.integer({ min: 1, max: horizonMs }) }),
    fc.record({ at, kind: fc.constant('skew' as const), node, offsetMs: fc.integer({ min: -60_000, max: 60_000 }) }),
  )
  return fc.array(fault, { maxLength: shape.maxFaults ?? 8 }).map((faults) => [...faults].sort((a, b) => a.at - b.at))
}

export interface CheckOptions {
  readonly scenario: Scenario
  readonly nodes: number
  readonly untilMs: number
  /** Generated runs to try (default 100). */
  readonly runs?: number
  /** fast-check's own seed, so the search itself is reproducible. */
  readonly checkSeed?: number
  readonly maxFaults?: number
  /** Faults fall in [0, horizonMs] (default: the first half of the run, so the system has time to recover). */
  readonly horizonMs?: number
}

export interface FailingRun {
  readonly seed: Seed
  readonly faults: FaultSchedule
}

export type CheckReport =
  | { readonly ok: true; readonly runs: number }
  | {
      readonly ok: false
      readonly runs: number
      /** The first failing run fast-check found, before shrinking. */
      readonly firstFailure: FailingRun
      /** The smallest failing run shrinking reached. */
      readonly minimal: FailingRun
      readonly shrinks: number
      readonly summary: ScenarioSummary
      readonly replay: string
    }

/**
 * Runs a scenario as a property over (seed, fault schedule): every run must end without a violation.
 * On failure, fast-check shrinks to a minimal schedule, and the report carries the command that replays it.
 */
export function checkScenario(options: CheckOptions): CheckReport {
  const { scenario, nodes, untilMs } = options
  const schedules = scheduleArbitrary(scenario, nodes, {
    nodes: scenario.faultTargets(nodes),
    horizonMs: options.horizonMs ?? Math.floor(untilMs / 2),
    maxFaults: options.maxFaults ?? 8,
  })
  let firstFailure: FailingRun | undefined
  const run = (seed: number, faults: FaultSchedule) => runScenario(scenario, { seed, nodes, untilMs, faults })
  const property = fc.property(fc.nat({ max: 2 ** 31 - 1 }), schedules, (seed, faults) => {
    const passed = run(seed, faults).violations.length === 0
    if (!passed && firstFailure === undefined) firstFailure = { seed, faults }
    return passed
  })
  const details = fc.check(property, { numRuns: options.runs ?? 100, ...(options.checkSeed === undefined ? {} : { seed: options.checkSeed }) })
  if (!details.failed || details.counterexample === null || firstFailure === undefined) return { ok: true, runs: details.numRuns }
  const [seed, faults] = details.counterexample
  return {
    ok: false,
    runs: details.numRuns,
    firstFailure,
    minimal: { seed, faults },
    shrinks: details.numShrinks,
    summary: run(seed, faults),
    replay: replayCommand(scenario.name, { seed, nodes, untilMs, faults }),
  }
}

/**
 * The fault schedules a check draws: the plain ones, or, for a scenario whose protocol tolerates f
 * Byzantine nodes, Twins schedules (up to f nodes twinned, the other faults naming the copies too).
 */
function scheduleArbitrary(scenario: Scenario, nodes: number, shape: FaultScheduleShape): fc.Arbitrary<FaultSchedule> {
  const byzantine = scenario.byzantine
  if (byzantine === undefined) return faultScheduleArbitrary(shape)
  return twinsScheduleArbitrary({ ...shape, maxTwins: byzantine.maxFaulty(nodes) }, (names) => faultScheduleArbitrary({ ...shape, nodes: names }))
}
