import { describe, expect, it } from 'vitest'
import type { Address, Context, TimerTag } from '../core/actor.ts'
import { ManualContext } from '../core/manual-context.ts'
import { identityStack } from '../actors/identity/identity-stack.ts'
import { MemoryKeyStore, ROOT_KEY } from '../actors/identity/key-store.ts'
import { KAD_PROTOCOL } from '../actors/peer/announcement.ts'
import { KademliaNode } from '../actors/peer/kademlia.ts'
import { idHex, nodeIdOf } from '../actors/peer/node-id.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'
import { NO_RPC } from '../actors/peer/rpc.ts'

const announce = (address: Address) => ({ addresses: [address], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } })

/**
 * The ghost: an identity whose announced address has nothing behind it. Its node is not simulated; it
 * signs on a context of its own, outside the flooder, so the flooder holds one identity stack (its own).
 */
const ghost = identityStack({ keys: new MemoryKeyStore(new Uint8Array(32).fill(77)) })
ghost.start(new ManualContext('ghost'))

/**
 * Floods its contacts with PEX samples every 100 ms: a tampered announcement, and a genuinely signed
 * announcement of the ghost.
 */
class PexFlooder extends KademliaNode {
  override start(ctx: Context): void {
    super.start(ctx)
    ctx.setTimer(2_000, 'flood')
  }

  override timer(tag: TimerTag, ctx: Context): void {
    if (tag !== 'flood') return super.timer(tag, ctx)
    const ghostly = ghost.seal(KAD_PROTOCOL, { type: 'announce', ...announce('nowhere') }, { withCertificate: true })
    const genuine = this.identity.seal(KAD_PROTOCOL, { type: 'announce', ...announce('forged'), tier: 9 }, { withCertificate: true })
    const tampered = { ...genuine, root: new MemoryKeyStore(new Uint8Array(32).fill(78)).publicKey(ROOT_KEY) }
    for (const c of this.table.contacts()) ctx.send(c.address, { type: 'pex', rpc: NO_RPC, key: this.key, sample: [ghostly, tampered] })
    ctx.setTimer(100, 'flood')
  }
}

describe('PEX', () => {
  it('nodes learn peers from checked samples; fakes never enter a table and a flooder is rate-limited', () => {
    let rateLimited = 0
    const sim = new Simulation({ seed: 9, network: DEFAULT_NETWORK, onTrace: (e) => void (e.kind === 'user' && e.type === 'pex-rate-limited' && rateLimited++) })
    const members = Array.from({ length: 12 }, (_, i) => `n${i}`)
    members.forEach((m, i) => {
      const make = m === 'n11' ? PexFlooder : KademliaNode
      // Each node on a LAN of its own: announcements reach others only through n0 and PEX.
      sim.addNode(m, () => new make({ bootstrap: ['n0'], announce: announce(m), pexEveryMs: 1_000 }), { bootAt: i * 50, lan: m })
    })
    sim.run({ untilMs: 15_000 })
    const ghostId = idHex(nodeIdOf(new MemoryKeyStore(new Uint8Array(32).fill(77)).publicKey(ROOT_KEY)))
    const fakeRoot = idHex(nodeIdOf(new MemoryKeyStore(new Uint8Array(32).fill(78)).publicKey(ROOT_KEY)))
    for (const m of members.slice(1, 11)) {
      const node = sim.actor<KademliaNode>(m)!
      expect(node.announced.size, m).toBeGreaterThanOrEqual(8) // learnt well beyond n0's own announcement
      expect(node.table.contacts().some((c) => idHex(c.id) === ghostId || c.address === 'nowhere'), m).toBe(false)
      expect(node.announced.has(fakeRoot), m).toBe(false)
    }
    expect(rateLimited).toBeGreaterThan(50)
  })
})
