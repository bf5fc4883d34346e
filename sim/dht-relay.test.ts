import { describe, expect, it } from 'vitest'
import type { Address, Context, TimerTag } from '../core/actor.ts'
import { ManualContext } from '../core/manual-context.ts'
import { identityStack } from '../actors/identity/identity-stack.ts'
import { MemoryKeyStore, ROOT_KEY } from '../actors/identity/key-store.ts'
import { KAD_PROTOCOL } from '../actors/peer/announcement.ts'
import { KademliaNode } from '../actors/peer/kademlia.ts'
import { idHex, idsEqual, nodeIdOf } from '../actors/peer/node-id.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'
import { NO_RPC } from '../actors/peer/rpc.ts'

const announce = (address: Address) => ({ addresses: [address], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } })
const keysOf = (byte: number) => new MemoryKeyStore(new Uint8Array(32).fill(byte))
const idOf = (byte: number) => nodeIdOf(keysOf(byte).publicKey(ROOT_KEY))
const HIGH = 1 // n0's key: tier 5 in everyone's configuration
const GHOST = 2

/** A ghost: its node is not simulated; it signs on a context of its own, outside the relay's. */
const ghost = identityStack({ keys: keysOf(GHOST) })
ghost.start(new ManualContext('ghost'))

/** A low-tier node that relays a (genuinely signed) announcement of the ghost to its contacts. */
class LowTierRelay extends KademliaNode {
  override start(ctx: Context): void {
    super.start(ctx)
    ctx.setTimer(2_000, 'relay')
  }
  override timer(tag: TimerTag, ctx: Context): void {
    if (tag !== 'relay') return super.timer(tag, ctx)
    const announcement = ghost.seal(KAD_PROTOCOL, { type: 'announce', ...announce('ghost') }, { withCertificate: true })
    for (const c of this.table.contacts()) ctx.send(c.address, { type: 'relay', rpc: NO_RPC, key: this.key, announcement })
  }
}

describe('hierarchical announcements', () => {
  it('a high-tier node relays a newcomer to its neighbourhood; a low-tier relay is not believed', () => {
    let untrusted = 0
    const sim = new Simulation({ seed: 4, network: DEFAULT_NETWORK, onTrace: (e) => void (e.kind === 'user' && e.type === 'relay-untrusted' && untrusted++) })
    const tierOf = (id: Uint8Array) => (idsEqual(id, idOf(HIGH)) ? 5 : 0)
    const members = Array.from({ length: 10 }, (_, i) => `n${i}`)
    members.forEach((m, i) => {
      const make = m === 'n5' ? LowTierRelay : KademliaNode
      const keys = m === 'n0' ? keysOf(HIGH) : undefined
      const options = { bootstrap: ['n0'], announce: announce(m), pexEveryMs: 0, tierOf, ...(keys && { keys }) }
      sim.addNode(m, () => new make(options), { bootAt: i * 50, lan: m })
    })
    sim.addNode('newcomer', () => new KademliaNode({ bootstrap: ['n0'], announce: announce('newcomer'), pexEveryMs: 0, tierOf }), { bootAt: 3_000, lan: 'newcomer' })
    sim.run({ untilMs: 4_000 })
    const newcomer = idHex(sim.actor<KademliaNode>('newcomer')!.id)
    const told = members.slice(1).filter((m) => sim.actor<KademliaNode>(m)!.announced.has(newcomer))
    expect(told.length).toBeGreaterThanOrEqual(7) // n0 relayed it; nothing else carries announcements here
    for (const m of members) expect(sim.actor<KademliaNode>(m)!.announced.has(idHex(idOf(GHOST))), m).toBe(false)
    expect(untrusted).toBeGreaterThan(0)
  })
})
