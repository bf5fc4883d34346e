import { describe, expect, it } from 'vitest'
import { runBftCluster } from './cluster.ts'

describe('examples/bft-cluster', () => {
  it('four validator processes commit entries; one SIGKILLed and restarted loses nothing acknowledged, catches up and commits again; every chain agrees', async () => {
    const result = await runBftCluster()
    expect(result.ackedBeforeKill).toBeGreaterThanOrEqual(8)
    expect(result.missing).toEqual([])
    expect(result.disagreements).toEqual([])
    // The restarted node caught up past the height the others had when it came back, and voted on.
    expect(result.othersHeightAtRestart).toBeGreaterThan(result.victimHeightAtKill)
    expect(result.commonHeight).toBeGreaterThanOrEqual(result.othersHeightAtRestart)
    expect(result.ackedAfterRestart).toBeGreaterThanOrEqual(8)
    expect(result.ackedByRestarted).toBeGreaterThan(0)
    expect(new Set(result.chains.map((c) => c.commonChainHash)).size).toBe(1)
    expect(result.exitCodes).toEqual({ node0: 0, node1: 0, node2: 0, node3: 0 })
    expect(result.stoppedCleanly).toBe(true)
  }, 120_000)
})
