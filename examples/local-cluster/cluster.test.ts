import { describe, expect, it } from 'vitest'
import { runLocalCluster } from './cluster.ts'

describe('examples/local-cluster', () => {
  it('five node processes find, authenticate and ping each other, then stop gracefully', async () => {
    const result = await runLocalCluster(5)
    for (const [node, peers] of Object.entries(result.sees)) {
      expect(peers, node).toEqual(['node0', 'node1', 'node2', 'node3', 'node4'].filter((n) => n !== node))
    }
    expect(result.exitCodes).toEqual({ node0: 0, node1: 0, node2: 0, node3: 0, node4: 0 })
    expect(result.stoppedCleanly).toBe(true)
  }, 60_000)
})
