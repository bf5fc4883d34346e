import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Address } from '../../core/actor.ts'
import type { LieContext } from '../../core/byzantine.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { Random } from '../../core/random.ts'
import { sign } from '../../core/sign.ts'
import { KademliaNode, type KademliaMessage } from './kademlia.ts'
import { unpackContacts } from './kademlia-rpc.ts'
import { compareDistance, idsEqual, nodeIdOf, type NodeId } from './node-id.ts'
import { signRecord } from './record.ts'

/** The key pair of test identity `n`. */
function keysOf(n: number) {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n + 1)
  return ed25519FromSeed(seed)
}

/** Accomplices `x0`, `x1`, … with keys of their own; the honest asker `asker`; peers `h0`, `h1`, … */
const ACCOMPLICES = Array.from({ length: 30 }, (_, i) => ({ address: `x${i}`, key: keysOf(100 + i).publicKey }))
const ASKER = { address: 'asker', key: keysOf(1).publicKey }
const HONEST = Array.from({ length: 5 }, (_, i) => ({ address: `h${i}`, key: keysOf(200 + i).publicKey }))

const rpcId = (n: number) => new Uint8Array(8).fill(n)
const idOfTarget = (n: number) => nodeIdOf(keysOf(10_000 + n).publicKey)

/**
 * A context that asks the node's lie hook about every message it sends, as the simulator's `collude`
 * behaviour does (sim/adversaries/adversary.ts), and records what went out.
 */
class LyingContext extends ManualContext {
  liar: KademliaNode | undefined
  lies: LieContext = { random: Random.fromSeed(1), accomplices: [], shared: 0, overheard: () => [] }

  override send(to: Address, message: unknown): void {
    super.send(to, this.liar?.lie(message, to, this.lies) ?? message)
  }
}

/** A started node that knows the honest peers and has the accomplices' keys bound, as a runtime binds them. */
function liarNode(accomplices: readonly { address: Address; key: Uint8Array }[], k?: number): { node: KademliaNode; ctx: LyingContext } {
  const ctx = new LyingContext('me')
  const node = new KademliaNode({ bootstrap: [], ...(k !== undefined && { k }) })
  node.start(ctx)
  for (const peer of [...accomplices, ASKER, ...HONEST]) ctx.keys.set(peer.address, peer.key)
  HONEST.forEach((h, i) => node.receive({ type: 'ping', rpc: rpcId(i), key: h.key }, h.address, ctx))
  ctx.liar = node
  ctx.lies = { ...ctx.lies, accomplices: accomplices.map((a) => a.address) }
  return { node, ctx }
}

const lastNodes = (ctx: ManualContext) => ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'nodes' }>

describe('KademliaNode lie hook', () => {
  it('answers a FIND_NODE with the adversary identities nearest the target, itself included, and no honest contact', () => {
    const accomplices = ACCOMPLICES.slice(0, 5)
    const { node, ctx } = liarNode(accomplices)
    const target = idOfTarget(1)
    node.receive({ type: 'find_node', rpc: rpcId(50), key: ASKER.key, target }, ASKER.address, ctx)
    const reply = lastNodes(ctx)
    expect(reply.type).toBe('nodes')
    expect(reply.rpc).toEqual(rpcId(50))
    expect(reply.key).toEqual(node.key)
    const contacts = unpackContacts(reply, 'asker')
    const expected = [{ id: node.id, address: 'me' }, ...accomplices.map((a) => ({ id: nodeIdOf(a.key), address: a.address }))].sort((a, b) => compareDistance(target, a.id, b.id))
    expect(contacts.map((c) => c.address)).toEqual(expected.map((c) => c.address))
    contacts.forEach((c, i) => expect(idsEqual(c.id, expected[i]!.id)).toBe(true))
  })

  it('withholds a record it holds: a FIND_VALUE gets the adversary identities, not the value', () => {
    const { node, ctx } = liarNode(ACCOMPLICES.slice(0, 3))
    const publisher = keysOf(7)
    const record = signRecord(publisher.publicKey, (m) => sign(publisher.secretKey, m), { name: new Uint8Array([1]), value: new Uint8Array(10), seq: 1, expiresAt: 3_600_000 })
    ctx.liar = undefined // the store's acknowledgement is not what this test is about
    node.receive({ type: 'store', rpc: rpcId(60), key: HONEST[0]!.key, record }, HONEST[0]!.address, ctx)
    expect(node.records.size).toBe(1)
    ctx.liar = node
    node.receive({ type: 'find_value', rpc: rpcId(61), key: ASKER.key, target: record.key }, ASKER.address, ctx)
    const reply = lastNodes(ctx)
    expect(reply.type).toBe('nodes')
    expect(reply.addresses).toHaveLength(4)
    expect(reply.addresses.every((a) => a === 'me' || a.startsWith('x'))).toBe(true)
    expect(node.records.size).toBe(1) // lying changed nothing the node holds
  })

  it('leaves every other message alone: a pong, an old reply, anything sent outside an answer', () => {
    const { node, ctx } = liarNode(ACCOMPLICES.slice(0, 3))
    node.receive({ type: 'ping', rpc: rpcId(70), key: ASKER.key }, ASKER.address, ctx)
    expect((ctx.sent.at(-1)!.message as KademliaMessage).type).toBe('pong')
    node.receive({ type: 'find_node', rpc: rpcId(71), key: ASKER.key, target: idOfTarget(2) }, ASKER.address, ctx)
    const lied = lastNodes(ctx)
    // Replayed after its question was answered, or with another RPC id: no lie about it.
    expect(node.lie(lied, ASKER.address, ctx.lies)).toBeUndefined()
    expect(node.lie({ ...lied, rpc: rpcId(72) }, ASKER.address, ctx.lies)).toBeUndefined()
    expect(node.lie({ type: 'ping', rpc: rpcId(73), key: node.key }, ASKER.address, ctx.lies)).toBeUndefined()
  })

  it('leaves out accomplices whose keys are not bound yet (not booted: their ids are unknown)', () => {
    const { node, ctx } = liarNode(ACCOMPLICES.slice(0, 4))
    ctx.keys.delete('x2')
    node.receive({ type: 'find_node', rpc: rpcId(80), key: ASKER.key, target: idOfTarget(3) }, ASKER.address, ctx)
    expect([...lastNodes(ctx).addresses].sort()).toEqual(['me', 'x0', 'x1', 'x3'])
  })

  it('a lone liar (no accomplices) names only itself', () => {
    const { node, ctx } = liarNode([])
    node.receive({ type: 'find_node', rpc: rpcId(90), key: ASKER.key, target: idOfTarget(4) }, ASKER.address, ctx)
    expect(lastNodes(ctx).addresses).toEqual(['me'])
  })

  it('the honest node, asked nothing, answers the truth: the hook is the only way to a lie', () => {
    const { node, ctx } = liarNode(ACCOMPLICES.slice(0, 3))
    ctx.liar = undefined
    node.receive({ type: 'find_node', rpc: rpcId(95), key: ASKER.key, target: idOfTarget(5) }, ASKER.address, ctx)
    expect([...lastNodes(ctx).addresses].sort()).toEqual(HONEST.map((h) => h.address).sort())
  })

  it('property: the lie is the min(k, n + 1) adversary identities nearest the target, in distance order, never the asker', () => {
    fc.assert(
      fc.property(fc.subarray(ACCOMPLICES), fc.integer({ min: 1, max: 20 }), fc.nat(1_000), fc.boolean(), (accomplices, k, t, askerIsListed) => {
        const { node, ctx } = liarNode(accomplices, k)
        // An accomplice named in the lie context as the asker is never sent its own address.
        const asker = askerIsListed && accomplices.length > 0 ? accomplices[0]! : ASKER
        const target: NodeId = idOfTarget(t)
        node.receive({ type: 'find_node', rpc: rpcId(1), key: asker.key, target }, asker.address, ctx)
        const contacts = unpackContacts(lastNodes(ctx), 'nobody')
        const adversary = [{ id: node.id, address: 'me' }, ...accomplices.filter((a) => a !== asker).map((a) => ({ id: nodeIdOf(a.key), address: a.address }))]
        const nearest = adversary.sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, k)
        expect(contacts.map((c) => c.address)).toEqual(nearest.map((c) => c.address))
      }),
      { numRuns: 60 },
    )
  })
})
