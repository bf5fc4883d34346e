import { describe, expect, it } from 'vitest'
import type { Address, Context } from '../core/actor.ts'
import { KAD_PROTOCOL } from '../actors/peer/announcement.ts'
import { KademliaNode, type KademliaInbox } from '../actors/peer/kademlia.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'

const announce = (address: Address) => ({ addresses: [address], tier: 1, capabilities: ['train'], resources: { cpuCores: 8, memoryMiB: 16_384, gpus: 0 } })

/** A node that, besides its own announcement, broadcasts a forged one (a valid envelope, tampered). */
class Forger extends KademliaNode {
  override start(ctx: Context): void {
    super.start(ctx)
    const genuine = this.identity.seal(KAD_PROTOCOL, { type: 'announce', ...announce('forged'), tier: 10 }, { withCertificate: true })
    const body = Uint8Array.from(genuine.body)
    body[body.length - 1]! ^= 1
    ctx.broadcast({ ...genuine, body, seq: genuine.seq + 1 } satisfies KademliaInbox)
  }
}

describe('LAN discovery by signed announcements', () => {
  it('nodes with no bootstrap find each other on their LAN, and a tampered announcement is refused', () => {
    const sim = new Simulation({ seed: 5, network: DEFAULT_NETWORK })
    const members = Array.from({ length: 16 }, (_, i) => `n${i}`)
    members.forEach((m, i) => {
      const make = i === 7 ? Forger : KademliaNode
      sim.addNode(m, () => new make({ bootstrap: [], announce: announce(m), announceEveryMs: 1_000 }), { bootAt: i * 100, lan: 'office' })
    })
    sim.addNode('outsider', () => new KademliaNode({ bootstrap: [], announce: announce('outsider') }), { lan: 'elsewhere' })
    sim.run({ untilMs: 5_000 })
    for (const m of members) {
      const node = sim.actor<KademliaNode>(m)!
      expect(node.table.size, m).toBe(15)
      expect([...node.announced.values()].every((a) => a.tier === 1), m).toBe(true) // never the forged tier-10 claim
    }
    expect(sim.actor<KademliaNode>('outsider')!.table.size).toBe(0)
  })
})
