import { describe, expect, it } from 'vitest'
import { KademliaNode } from '../actors/peer/kademlia.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'

describe('heartbeats', () => {
  it('nodes that crash for good are evicted from every live routing table', () => {
    const crashed = ['n4', 'n9', 'n13']
    const sim = new Simulation({
      seed: 6,
      network: DEFAULT_NETWORK,
      faults: crashed.map((node) => ({ at: 5_000, kind: 'crash' as const, node })),
    })
    const members = Array.from({ length: 20 }, (_, i) => `n${i}`)
    members.forEach((m, i) => sim.addNode(m, () => new KademliaNode({ bootstrap: ['n0'], probeAfterMs: 2_000 }), { bootAt: i * 50 }))
    sim.run({ untilMs: 4_900 })
    const heldBefore = members.filter((m) => !crashed.includes(m)).filter((m) => sim.actor<KademliaNode>(m)!.table.contacts().some((c) => crashed.includes(c.address)))
    expect(heldBefore.length).toBeGreaterThan(10) // they were known before the crash
    sim.run({ untilMs: 40_000 })
    for (const m of members.filter((x) => !crashed.includes(x))) {
      expect(sim.actor<KademliaNode>(m)!.table.contacts().filter((c) => crashed.includes(c.address)).map((c) => c.address), m).toEqual([])
    }
  })
})
