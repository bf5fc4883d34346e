import { describe, expect, it } from 'vitest'
import { GREETING, runLocalCluster } from './cluster.ts'

describe('examples/local-cluster', () => {
  it('five node processes find each other by UDP broadcast and bootstrap, store and find a record through the DHT, and stop gracefully', async () => {
    const result = await runLocalCluster()
    const names = ['node0', 'node1', 'node2', 'node3', 'node4']
    for (const [node, peers] of Object.entries(result.knows)) expect(peers, node).toEqual(names.filter((n) => n !== node))
    expect(result.record.found).toBe(GREETING)
    expect(result.record.holders).toBeGreaterThanOrEqual(1)
    expect(result.exitCodes).toEqual({ node0: 0, node1: 0, node2: 0, node3: 0, node4: 0 })
    expect(result.stoppedCleanly).toBe(true)
  }, 60_000)
})
