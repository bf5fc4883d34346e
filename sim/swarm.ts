import fc from 'fast-check'
import type { Environment } from './environment.ts'
import type { FaultKind, FaultSchedule } from './faults.ts'

/**
 * What one swarm-testing run draws from its seed (Groce et al., "Swarm Testing", ISSTA 2012): the
 * environment it runs in, and the fault mix its schedule is drawn from. Each run leaves some features
 * out entirely, which finds bugs that a uniform mix of everything dilutes (a partition that heals at
 * once hides a bug that a partition alone shows).
 */
export interface SwarmDraw {
  readonly environment: Environment
  /** The kinds of fault this run's schedule may hold (the rest are left out). */
  readonly faultKinds: readonly FaultKind[]
  /** The most faults its schedule holds. */
  readonly maxFaults: number
}

/**
 * The ranges a swarm draws from, each wide enough to break a protocol that only works on a good
 * network and no wider than a network a node meets: up to 40% loss (a congested mobile link), 10%
 * duplication, 30% reordering by up to 0.5 s, latency from a LAN's 1 ms to a satellite's 200 ms, and a
 * sync from free to 2 ms (8× the measured fsync, MEASURED_SYNC_COST_MS: a busy or cheap disk).
 */
export const SWARM_RANGES = {
  lossPerMille: 400,
  duplicatePerMille: 100,
  reorderPerMille: 300,
  reorderDelayMs: 500,
  latencyMs: 200,
  syncCostUs: 2_000,
} as const

// Whole per-mille and µs draws keep the environment short in a replay command, and shrink to round numbers.
const perMille = (max: number) => fc.integer({ min: 0, max }).map((x) => x / 1000)

const latency = fc.oneof(
  fc.record({ kind: fc.constant('constant' as const), ms: fc.integer({ min: 1, max: SWARM_RANGES.latencyMs }) }),
  fc.integer({ min: 0, max: SWARM_RANGES.latencyMs }).chain((minMs) => fc.record({ kind: fc.constant('uniform' as const), minMs: fc.constant(minMs), maxMs: fc.integer({ min: minMs, max: SWARM_RANGES.latencyMs }) })),
  fc.record({ kind: fc.constant('lognormal' as const), medianMs: fc.integer({ min: 1, max: SWARM_RANGES.latencyMs / 2 }), sigma: fc.integer({ min: 0, max: 15 }).map((x) => x / 10) }),
  fc.record({ kind: fc.constant('exponential' as const), meanMs: fc.integer({ min: 1, max: SWARM_RANGES.latencyMs / 2 }) }),
)

/** A run's environment, drawn across SWARM_RANGES; it shrinks towards a perfect network and free syncs. */
export const environmentArbitrary: fc.Arbitrary<Environment> = fc.record({
  loss: perMille(SWARM_RANGES.lossPerMille),
  duplicate: perMille(SWARM_RANGES.duplicatePerMille),
  reorder: perMille(SWARM_RANGES.reorderPerMille),
  reorderDelayMs: fc.integer({ min: 0, max: SWARM_RANGES.reorderDelayMs }),
  latency,
  syncCostMs: fc.integer({ min: 0, max: SWARM_RANGES.syncCostUs }).map((us) => us / 1000),
})

/** A swarm draw: an environment, a subset of the `eligible` fault kinds (each in with even odds), and a fault count bound up to `maxFaults`. */
export function swarmArbitrary(eligible: readonly FaultKind[], maxFaults: number): fc.Arbitrary<SwarmDraw> {
  return fc.record({
    environment: environmentArbitrary,
    faultKinds: fc.subarray([...eligible]),
    maxFaults: fc.integer({ min: 0, max: maxFaults }),
  })
}

/** The schedule with only the faults of the draw's kinds (how a drawn mix leaves the others out). */
export function inMix(faults: FaultSchedule, draw: SwarmDraw): FaultSchedule {
  return faults.filter((fault) => draw.faultKinds.includes(fault.kind) || NODE_ADDING_KINDS.includes(fault.kind))
}

/**
 * Kinds no mix leaves out: they add the nodes (twins, Sybils) that other faults of the schedule name,
 * so dropping them would leave those faults naming nobody. They are the adversary, not the environment.
 */
export const NODE_ADDING_KINDS: readonly FaultKind[] = ['twin', 'sybil']
