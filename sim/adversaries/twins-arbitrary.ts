import fc from 'fast-check'
import { faultNodes, twinName, type Fault, type FaultSchedule } from '../faults.ts'

/**
 * Twins (Bano et al., "Twins: BFT Systems Made Robust") as generated schedules: up to `maxTwins` of
 * the nodes get a twin (a second copy under the same identity, named `v1'`), and the other faults are
 * drawn over the nodes and the twins' names alike, so partitions decide which copy each node hears:
 * equivocation and double votes, with no attack code.
 */
/**
 * Schedules with twins outnumber those without by this much (4 in 5 have some): the plain faults are
 * the plain arbitrary's to explore, and a run without a twin finds no Twins bug (an unweighted array
 * of at most one twin is empty about half the time).
 */
export const TWINNED_WEIGHT = 4

export interface TwinsShape {
  /** The nodes that may be twinned (and that the other faults may name). */
  readonly nodes: readonly string[]
  /** Twins boot in [0, horizonMs]. */
  readonly horizonMs: number
  /** The most nodes twinned at once: the f the protocol claims to tolerate. */
  readonly maxTwins: number
}

/**
 * Schedules of twins and of the faults `others` generates over the names it is given (the nodes and
 * every possible twin). Each schedule is made valid as it is drawn, so shrinking keeps it valid:
 * faults naming a twin the schedule lacks are dropped (partitions only lose that name), faults naming
 * a twin move to its boot if they came before it, and `byzantine` faults on nodes beyond the
 * `maxTwins` budget are dropped (a protocol that tolerates f Byzantine nodes is not wrong to fail with
 * f + 1). fast-check shrinks to fewer twins, fewer faults, earlier times and smaller groups.
 */
export function twinsScheduleArbitrary(shape: TwinsShape, others: (names: readonly string[]) => fc.Arbitrary<FaultSchedule>): fc.Arbitrary<FaultSchedule> {
  const { nodes, horizonMs, maxTwins } = shape
  const twin = fc.record({ at: fc.integer({ min: 0, max: horizonMs }), kind: fc.constant('twin' as const), node: fc.constantFrom(...nodes) })
  const someTwins = fc.uniqueArray(twin, { minLength: 1, maxLength: maxTwins, selector: (t) => t.node })
  // Cross-shrinking lets a failing schedule shrink to no twin at all, when the twins had no part in it.
  const twins = maxTwins === 0 ? fc.constant([]) : fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant([]), weight: 1 }, { arbitrary: someTwins, weight: TWINNED_WEIGHT })
  const names = [...nodes, ...nodes.map((node) => twinName({ node }))]
  return fc.tuple(twins, others(names)).map(([twins, faults]) => withTwins(twins, faults, shape))
}

type TwinFault = Extract<Fault, { kind: 'twin' }>

/** The twins, then the faults made valid against them, sorted by time (a twin before the faults it meets at its instant). */
export function withTwins(twins: readonly TwinFault[], faults: FaultSchedule, shape: Pick<TwinsShape, 'nodes' | 'maxTwins'>): FaultSchedule {
  const bootOf = new Map(twins.map((twin) => [twinName(twin), twin.at]))
  const originalOf = new Map(shape.nodes.map((node) => [twinName({ node }), node]))
  const missing = (name: string) => originalOf.has(name) && !bootOf.has(name)
  // The addresses the adversary holds: every twinned node's, then those of byzantine faults within the budget.
  const byzantine = new Set(twins.map((twin) => twin.node))
  const kept: Fault[] = []
  for (const fault of faults) {
    const valid = fault.kind === 'partition' ? withoutNames(fault, missing) : faultNodes(fault).some(missing) ? undefined : fault
    if (valid === undefined) continue
    if (valid.kind === 'byzantine') {
      const address = originalOf.get(valid.node) ?? valid.node
      if (!byzantine.has(address) && byzantine.size >= shape.maxTwins) continue
      byzantine.add(address)
    }
    const at = Math.max(valid.at, ...faultNodes(valid).map((name) => bootOf.get(name) ?? 0))
    kept.push(at === valid.at ? valid : { ...valid, at })
  }
  // Array.prototype.sort is stable: at one instant, the twins (first) boot before the faults that name them.
  return [...twins, ...kept].sort((a, b) => a.at - b.at)
}

/** The partition without the names `missing` picks; undefined when no group is left. */
function withoutNames(fault: Extract<Fault, { kind: 'partition' }>, missing: (name: string) => boolean): Fault | undefined {
  const groups = fault.groups.map((group) => group.filter((name) => !missing(name))).filter((group) => group.length > 0)
  return groups.length === 0 ? undefined : { ...fault, groups }
}
