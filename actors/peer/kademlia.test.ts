import { describe, expect, it } from 'vitest'
import { ManualContext } from '../../core/manual-context.ts'
import { KademliaNode, type KademliaMessage } from './kademlia.ts'
import { idsEqual } from './node-id.ts'

// Ids in bucket 0 of `self` (first bit flipped), distinct by their last byte.
const farFrom = (self: Uint8Array, n: number) => Uint8Array.from(self, (b, i) => (i === 0 ? b ^ 0x80 : i === 31 ? n : b))

describe('KademliaNode', () => {
  it('answers find_node with the closest contacts it knows, packed', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    for (let i = 1; i <= 3; i++) node.receive({ type: 'ping', rpc: i, id: farFrom(node.id, i) }, `p${i}`, ctx)
    node.receive({ type: 'find_node', rpc: 9, id: farFrom(node.id, 4), target: farFrom(node.id, 2) }, 'p4', ctx)
    const reply = ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'nodes' }>
    expect(reply.type).toBe('nodes')
    expect(reply.addresses[0]).toBe('p2') // the target itself is the closest
    expect(reply.ids.length).toBe(reply.addresses.length * 32)
    expect(reply.addresses).not.toContain('p4') // never the asker
  })

  it('probes the silent oldest contact of a full bucket, and replaces it when it does not answer', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], k: 2, probeAfterMs: 1_000, rpcTimeoutMs: 500 })
    node.start(ctx)
    node.receive({ type: 'ping', rpc: 1, id: farFrom(node.id, 1) }, 'old', ctx)
    node.receive({ type: 'ping', rpc: 2, id: farFrom(node.id, 2) }, 'mid', ctx)
    ctx.advance(2_000)
    const sentBefore = ctx.sent.length
    node.receive({ type: 'ping', rpc: 3, id: farFrom(node.id, 3) }, 'new', ctx)
    const probe = ctx.sent.slice(sentBefore).find((s) => (s.message as KademliaMessage).type === 'ping')
    expect(probe?.to).toBe('old')
    ctx.advance(600)
    const sweep = [...ctx.timers.values()].find((t) => t.tag === 'kademlia:sweep')!
    node.timer(sweep.tag, ctx)
    expect(node.table.has(farFrom(node.id, 1))).toBe(false)
    expect(node.table.has(farFrom(node.id, 3))).toBe(true)
    expect(node.table.contacts().some((c) => idsEqual(c.id, farFrom(node.id, 2)))).toBe(true)
  })
})
