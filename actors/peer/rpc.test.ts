import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { KademliaNode, type KademliaMessage } from './kademlia.ts'
import { ID_BYTES, nodeIdOf } from './node-id.ts'
import { RPC_BYTES } from './rpc.ts'

const keyOf = (n: number) => ed25519FromSeed(new Uint8Array(32).fill(n)).publicKey
const requests = (ctx: ManualContext, type: string) => ctx.sent.filter((s) => (s.message as KademliaMessage).type === type)

/** A `nodes` reply carrying `addresses` (with made-up ids). */
function nodes(rpc: Uint8Array, key: Uint8Array, addresses: string[]): KademliaMessage {
  const ids = new Uint8Array(addresses.length * ID_BYTES)
  addresses.forEach((_, i) => ids.set(nodeIdOf(keyOf(100 + i)), i * ID_BYTES))
  return { type: 'nodes', rpc, key, ids, addresses }
}

describe('RPC ids and who may answer', () => {
  it('a bootstrap is not hijacked by forged replies sprayed over guessed ids; the real answer is taken', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: ['wss://boot.example:7001'] })
    node.start(ctx)
    const [ask] = requests(ctx, 'find_node')
    expect(ask!.to).toBe('wss://boot.example:7001')
    const evil = Array.from({ length: 20 }, (_, i) => `wss://evil.example:${7000 + i}`)
    const attacker = keyOf(66)
    // Sequential guesses (the ids used to be 1, 2, 3, …) and random ones, over the attacker's own link.
    for (let guess = 0; guess < 2_000; guess++) {
      const rpc = new Uint8Array(RPC_BYTES)
      new DataView(rpc.buffer).setUint32(0, guess, true)
      node.receive(nodes(rpc, attacker, evil), toHex(attacker), ctx)
      node.receive(nodes(ctx.random.bytes(RPC_BYTES), attacker, evil), toHex(attacker), ctx)
    }
    expect(ctx.sent.filter((s) => s.to.startsWith('wss://evil'))).toEqual([])
    // The bootstrap node answers over the link the runtime opened to its URL: from its identity.
    const boot = keyOf(7)
    node.receive(nodes((ask!.message as KademliaMessage).rpc, boot, ['wss://honest.example:7001']), toHex(boot), ctx)
    expect(ctx.sent.some((s) => s.to === 'wss://honest.example:7001')).toBe(true)
  })

  it('an answer counts only from the address the request went to (or an identity, for a URL)', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: ['n1'] })
    node.start(ctx)
    const rpc = (requests(ctx, 'find_node')[0]!.message as KademliaMessage).rpc
    node.receive(nodes(rpc, keyOf(3), ['n9']), 'n2', ctx) // saw the id, answers from elsewhere
    expect(ctx.traces.at(-1)).toMatchObject({ type: 'rpc-wrong-sender', from: 'n2' })
    node.receive(nodes(rpc, keyOf(3), ['n9']), toHex(keyOf(3)), ctx) // an identity, but the request went to a name
    expect(ctx.sent.some((s) => s.to === 'n9')).toBe(false)
    node.receive(nodes(rpc, keyOf(1), ['n9']), 'n1', ctx)
    expect(ctx.sent.some((s) => s.to === 'n9')).toBe(true)
  })

  it('an answer must carry all 64 bits of the id: the low half alone is not enough', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: ['n1'] })
    node.start(ctx)
    const rpc = (requests(ctx, 'find_node')[0]!.message as KademliaMessage).rpc
    const halfRight = Uint8Array.from(rpc)
    halfRight[7]! ^= 1
    node.receive(nodes(halfRight, keyOf(1), ['n9']), 'n1', ctx)
    expect(ctx.sent.some((s) => s.to === 'n9')).toBe(false)
    node.receive(nodes(rpc, keyOf(1), ['n9']), 'n1', ctx)
    expect(ctx.sent.some((s) => s.to === 'n9')).toBe(true)
  })

  it('ids are 64 random bits, distinct among those in flight', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    for (let i = 0; i < 1_000; i++) node.probe(`p${i}`, nodeIdOf(keyOf(1)))
    const ids = requests(ctx, 'ping').map((s) => toHex((s.message as KademliaMessage).rpc))
    expect(new Set(ids).size).toBe(1_000)
    expect(ids.every((id) => id.length === 2 * RPC_BYTES)).toBe(true)
  })

  it('RPCs in flight stay within maxPendingRpcs: past it the oldest is taken as lost at once', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], maxPendingRpcs: 8 })
    node.start(ctx)
    let lost = 0
    for (let i = 0; i < 100; i++) {
      node.probe(`p${i}`, nodeIdOf(keyOf(1)), (answered) => void (answered || lost++))
      expect(node.pendingRpcs).toBeLessThanOrEqual(8)
    }
    expect(lost).toBe(92)
  })
})
