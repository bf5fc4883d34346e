import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Context, TimerTag } from '../core/actor.ts'
import { ed25519FromSeed } from '../core/keys.ts'
import { sign } from '../core/sign.ts'
import { MemoryKeyStore, ROOT_KEY } from '../actors/identity/key-store.ts'
import { KademliaNode } from '../actors/peer/kademlia.ts'
import { idHex, nodeIdOf } from '../actors/peer/node-id.ts'
import { signRecord } from '../actors/peer/record.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'

/** A node that, once joined, publishes a record under its own identity and announces itself. */
class Publisher extends KademliaNode {
  override start(ctx: Context): void {
    super.start(ctx)
    ctx.setTimer(3_000, 'publish')
  }
  override timer(tag: TimerTag, ctx: Context): void {
    if (tag !== 'publish') return super.timer(tag, ctx)
    const keys = ed25519FromSeed(ctx.random.bytes(32))
    this.publish(signRecord(keys.publicKey, (m) => sign(keys.secretKey, m), { name: new Uint8Array([1]), value: new Uint8Array([2]), seq: 1, expiresAt: 60_000 }))
  }
}

describe('blacklist (property)', () => {
  it('nothing from a blacklisted identity is ever accepted: no table entry, no announcement', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.uniqueArray(fc.integer({ min: 3, max: 29 }), { minLength: 1, maxLength: 5 }), (seed, convictedIndices) => {
        const members = Array.from({ length: 30 }, (_, i) => `n${i}`)
        const convicted = new Set(convictedIndices.map((i) => `n${i}`))
        // The convicted have known keys, so that everyone's blacklist can name them before anyone boots.
        const convictedKeys = new Map([...convicted].map((m, i) => [m, new MemoryKeyStore(new Uint8Array(32).fill(200 + i))]))
        const blockedIds = new Set([...convictedKeys.values()].map((keys) => idHex(nodeIdOf(keys.publicKey(ROOT_KEY)))))
        const isBlocked = (id: Uint8Array) => blockedIds.has(idHex(id))
        let refused = 0
        const sim = new Simulation({ seed, network: DEFAULT_NETWORK, onTrace: (e) => void (e.kind === 'user' && e.type === 'blocked' && refused++) })
        members.forEach((m, i) => {
          const keys = convictedKeys.get(m)
          const announce = { addresses: [m], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } }
          const options = keys === undefined ? { bootstrap: ['n0', 'n1'], announce, isBlocked } : { bootstrap: ['n0', 'n1'], announce, keys }
          sim.addNode(m, () => new Publisher(options), { bootAt: i * 30 })
        })
        sim.run({ untilMs: 10_000 })
        for (const m of members.filter((x) => !convicted.has(x))) {
          const honest = sim.actor<KademliaNode>(m)!
          for (const c of honest.table.contacts()) expect(blockedIds.has(idHex(c.id)), `${m} holds ${c.address}`).toBe(false)
          for (const id of honest.announced.keys()) expect(blockedIds.has(id)).toBe(false)
        }
        expect(refused).toBeGreaterThan(0) // the convicted did try, and were turned away
      }),
      { numRuns: 5 },
    )
  })
})
