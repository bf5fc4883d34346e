import { describe, expect, it } from 'vitest'
import type { FaultSchedule } from '../faults.ts'
import { runScenario } from '../scenario.ts'
import { replication, replicationUnsafe } from './replication.ts'

// The primary crashes after acknowledging the first writes and before its write-behind cache's first
// flush (500 ms): under output commit only a cache that acknowledges before it writes loses them.
const primaryCrash: FaultSchedule = [
  { at: 250, kind: 'crash', node: 'r0' },
  { at: 300, kind: 'restart', node: 'r0' },
]

describe('the replication scenarios under output commit', () => {
  it('the write-behind cache loses writes it acknowledged when its primary crashes before the flush', () => {
    const run = runScenario(replicationUnsafe, { seed: 1, nodes: 3, untilMs: 10_000, faults: primaryCrash })
    expect(run.violations.map((v) => v.invariant)).toEqual(['acknowledged writes are durable on a majority'])
  })

  it('the safe store keeps every write it acknowledged, under the same crash', () => {
    const run = runScenario(replication, { seed: 1, nodes: 3, untilMs: 10_000, faults: primaryCrash })
    expect(run.violations).toEqual([])
    expect(run).toMatchObject({ acknowledged: 20, writes: 20 })
    expect(run.expectations).toEqual([{ name: 'every write acknowledged', held: true, detail: '20 of 20 writes acknowledged' }])
  })
})
