import fc from 'fast-check'
import type { Seed } from '../core/random.ts'
import { byzantineFaultsArbitrary } from './adversaries/arbitrary.ts'
import type { BehaviourKind } from './adversaries/behaviours.ts'
import { diskFaultArbitraries } from './disk-fault-arbitrary.ts'
import type { Environment } from './environment.ts'
import { DISK_FAULT_KINDS, FAULT_KINDS, type Fault, type FaultSchedule } from './faults.ts'
import { replayCommand, runScenario, type Scenario, type ScenarioSummary } from './scenario.ts'
import { NODE_ADDING_KINDS, inMix, swarmArbitrary, type SwarmDraw } from './swarm.ts'
import { twinsScheduleArbitrary } from './adversaries/twins-arbitrary.ts'

export interface FaultScheduleShape {
  /** The nodes faults may target. */
  readonly nodes: readonly string[]
  /** Faults happen in [0, horizonMs]. */
  readonly horizonMs: number
  readonly maxFaults?: number
  /** Generate disk faults too (corrupt-read, bad-sector, lying-sync; default: no). */
  readonly disk?: boolean
  /** Byzantine nodes mixed into the schedule (default: none). */
  readonly byzantine?: ByzantineOption
}

export interface ByzantineOption {
  /** At most this many of the fault targets turn Byzantine in one schedule. */
  readonly maxNodes: number
  /** The behaviours drawn from (default: all of sim/adversaries/behaviours.ts). */
  readonly kinds?: readonly BehaviourKind[]
}

/**
 * Arbitrary fault schedules: crashes (some torn), restarts, partitions isolating a random subset (both
 * ways, or one way: it hears the others, they do not hear it),
 * heals, clogs and clock skews, and with `disk` the disk faults (sim/disk-fault-arbitrary.ts), sorted
 * by time. fast-check shrinks them by dropping faults, moving them
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
    ...(shape.disk === true ? diskFaultArbitraries(at, node) : []),
  )
  const faults = fc.array(fault, { maxLength: shape.maxFaults ?? 8 })
  const byzantine = shape.byzantine === undefined ? fc.constant([]) : byzantineFaultsArbitrary({ targets: nodes, horizonMs, maxNodes: shape.byzantine.maxNodes, ...(shape.byzantine.kinds && { kinds: shape.byzantine.kinds }) })
  return fc.tuple(faults, byzantine).map(([plain, byzantine]) => [...plain, ...byzantine].sort((a, b) => a.at - b.at))
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
  /** Byzantine nodes mixed into every generated schedule (default: none). */
  readonly byzantine?: ByzantineOption
  /** Generate disk faults too (see FaultScheduleShape.disk). */
  readonly disk?: boolean
  /** Swarm testing: each run draws its environment and fault mix too (sim/swarm.ts). */
  readonly swarm?: boolean
}

export interface FailingRun {
  readonly seed: Seed
  readonly faults: FaultSchedule
  /** A swarm run's drawn environment (what its replay command carries) and fault mix. */
  readonly swarm?: SwarmDraw
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
  const shape = {
    nodes: scenario.faultTargets(nodes),
    horizonMs: options.horizonMs ?? Math.floor(untilMs / 2),
    maxFaults: options.maxFaults ?? 8,
    ...(options.byzantine && { byzantine: options.byzantine }),
    disk: options.disk === true,
  }
  const cases: fc.Arbitrary<Omit<FailingRun, 'seed'>> =
    options.swarm === true
      ? swarmArbitrary(FAULT_KINDS.filter((k) => (shape.disk || !DISK_FAULT_KINDS.includes(k)) && !NODE_ADDING_KINDS.includes(k)), shape.maxFaults).chain((swarm) =>
          scheduleArbitrary(scenario, nodes, { ...shape, maxFaults: swarm.maxFaults }).map((faults) => ({ faults: inMix(faults, swarm), swarm })),
        )
      : scheduleArbitrary(scenario, nodes, shape).map((faults) => ({ faults }))
  let firstFailure: FailingRun | undefined
  const environmentOf = (swarm: SwarmDraw | undefined): { environment?: Environment } => (swarm === undefined ? {} : { environment: swarm.environment })
  const run = (seed: number, { faults, swarm }: Omit<FailingRun, 'seed'>) => runScenario(scenario, { seed, nodes, untilMs, faults, ...environmentOf(swarm) })
  const property = fc.property(fc.nat({ max: 2 ** 31 - 1 }), cases, (seed, generated) => {
    const passed = run(seed, generated).violations.length === 0
    if (!passed && firstFailure === undefined) firstFailure = { seed, ...generated }
    return passed
  })
  const details = fc.check(property, { numRuns: options.runs ?? 100, ...(options.checkSeed === undefined ? {} : { seed: options.checkSeed }) })
  if (!details.failed) return { ok: true, runs: details.numRuns }
  // A run that threw (a scenario's bug, not a violation) is no pass.
  if (details.counterexample === null || firstFailure === undefined) throw details.errorInstance
  const [seed, generated] = details.counterexample
  return {
    ok: false,
    runs: details.numRuns,
    firstFailure,
    minimal: { seed, ...generated },
    shrinks: details.numShrinks,
    summary: run(seed, generated),
    replay: replayCommand(scenario.name, { seed, nodes, untilMs, faults: generated.faults, ...environmentOf(generated.swarm) }),
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
