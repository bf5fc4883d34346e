import { describe, expect, it } from 'vitest'
import type { Context, TimerTag } from '../core/actor.ts'
import { bytesEqual } from '../core/bytes.ts'
import { MemoryKeyStore, ROOT_KEY } from '../actors/identity/key-store.ts'
import { KademliaNode } from '../actors/peer/kademlia.ts'
import { idsEqual, nodeIdOf } from '../actors/peer/node-id.ts'
import { signRecord } from '../actors/peer/record.ts'
import { NO_RPC } from '../actors/peer/rpc.ts'
import { RELIABLE_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'
import type { TraceEvent } from './trace.ts'

const keysOf = (i: number) => new MemoryKeyStore(new Uint8Array(32).fill(i + 1))
const HONEST = ['n0', 'n2', 'n3', 'n4']
const VICTIM = 'n1'
const IMPOSTOR = 'mallory'
const IMPERSONATE_AT_MS = 2_000
/** The victim boots after the impostor has spoken in its name: nobody has heard of it before. */
const VICTIM_BOOTS_AT_MS = 4_000
const victimKey = keysOf(1).publicKey(ROOT_KEY)

/** A node that joins under its own key, then sends every honest node a FIND_NODE, a PING and a STORE under the victim's key. */
class Impostor extends KademliaNode {
  override start(ctx: Context): void {
    super.start(ctx)
    ctx.setTimer(IMPERSONATE_AT_MS, 'impersonate')
  }

  override timer(tag: TimerTag, ctx: Context): void {
    if (tag !== 'impersonate') return super.timer(tag, ctx)
    const record = signRecord(this.key, (m) => this.identity.signWithRoot(m), { name: new Uint8Array([1]), value: new Uint8Array([2]), seq: 1, expiresAt: 60_000 })
    for (const to of HONEST) {
      ctx.send(to, { type: 'find_node', rpc: NO_RPC, key: victimKey, target: nodeIdOf(victimKey) })
      ctx.send(to, { type: 'ping', rpc: NO_RPC, key: victimKey })
      ctx.send(to, { type: 'store', rpc: NO_RPC, key: victimKey, record })
    }
  }
}


describe('the simulator binds each node to the key it holds', () => {
  it('refuses a DHT RPC sent under another node\'s key, as a real link would: never filed under the victim\'s id', () => {
    const events: TraceEvent[] = []
    const sim = new Simulation({ seed: 3, network: RELIABLE_NETWORK, onTrace: (e) => e.kind === 'user' && events.push(e) })
    HONEST.forEach((m, i) => sim.addNode(m, () => new KademliaNode({ bootstrap: ['n0'], keys: keysOf(Number(m.slice(1))) }), { bootAt: i * 50 }))
    sim.addNode(IMPOSTOR, () => new Impostor({ bootstrap: ['n0'], keys: keysOf(9) }), { bootAt: 500 })
    sim.addNode(VICTIM, () => new KademliaNode({ bootstrap: ['n0'], keys: keysOf(1) }), { bootAt: VICTIM_BOOTS_AT_MS })
    const victimId = nodeIdOf(victimKey)
    const filedUnderVictim = () =>
      [...HONEST, IMPOSTOR].flatMap((m) => sim.actor<KademliaNode>(m)!.table.contacts().filter((c) => idsEqual(c.id, victimId)).map((c) => `${m}: ${c.address}`))

    sim.run({ untilMs: VICTIM_BOOTS_AT_MS - 1 })
    expect(sim.keyOf(IMPOSTOR)).toEqual(keysOf(9).publicKey(ROOT_KEY))
    for (const m of HONEST) {
      const refused = events.filter((e) => e.node === m && e.type === 'key-mismatch' && e.from === IMPOSTOR)
      expect(refused.length, m).toBe(3) // the FIND_NODE, the PING and the STORE
      expect(sim.actor<KademliaNode>(m)!.records.size, m).toBe(0)
      // The impostor itself is known, under its own id.
      expect(sim.actor<KademliaNode>(m)!.table.contacts().some((c) => c.address === IMPOSTOR && idsEqual(c.id, nodeIdOf(keysOf(9).publicKey(ROOT_KEY)))), m).toBe(true)
    }
    expect(filedUnderVictim()).toEqual([])

    // The victim, once it boots, is known under its own name only.
    sim.run({ untilMs: 10_000 })
    const holders = filedUnderVictim()
    expect(holders.length).toBeGreaterThan(0)
    expect(holders.every((h) => h.endsWith(`: ${VICTIM}`))).toBe(true)
  })

  it('binds no key a node cannot sign with: the run stops with a key-binding violation', () => {
    const sim = new Simulation({ seed: 3, network: RELIABLE_NETWORK })
    // The identity claims the victim's key, but signs with its own.
    const liar = (node: KademliaNode) => ({ root: victimKey, signWithRoot: (m: Uint8Array) => node.identity.signWithRoot(m) })
    sim.addNode('n0', () => new KademliaNode({ bootstrap: [], keys: keysOf(0) }))
    sim.addNode(IMPOSTOR, () => new KademliaNode({ bootstrap: ['n0'], keys: keysOf(9) }), { identity: liar })
    const result = sim.run({ untilMs: 1_000 })
    expect(result.stoppedBy).toBe('violation')
    expect(result.violations.map((v) => [v.invariant, v.message])).toEqual([['key-binding', `${IMPOSTOR} cannot sign with the key its identity claims`]])
    expect(sim.keyOf(IMPOSTOR)).toBeUndefined()
    expect(bytesEqual(sim.keyOf('n0')!, keysOf(0).publicKey(ROOT_KEY))).toBe(true)
  })
})
