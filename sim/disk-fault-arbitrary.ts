import fc from 'fast-check'
import type { Fault } from './faults.ts'

/** The most reads, items or syncs a generated disk fault names: a few, so a shrunk schedule reads as one mishap. */
const MAX_GENERATED_COUNT = 4

/**
 * Generators of the disk faults (sim/faults.ts) on a node drawn by `node` at a time drawn by `at`:
 * corrupted reads, a latent bad sector and a disk that lies about its syncs, over any item (no prefix:
 * a generated schedule knows nothing of a scenario's keys). fast-check shrinks their counts to 1.
 */
export function diskFaultArbitraries(at: fc.Arbitrary<number>, node: fc.Arbitrary<string>): fc.Arbitrary<Fault>[] {
  const count = fc.integer({ min: 1, max: MAX_GENERATED_COUNT })
  return [
    fc.record({ at, kind: fc.constant('corrupt-read' as const), node, reads: count }),
    fc.record({ at, kind: fc.constant('bad-sector' as const), node, items: count }),
    fc.record({ at, kind: fc.constant('lying-sync' as const), node, syncs: count }),
  ]
}
