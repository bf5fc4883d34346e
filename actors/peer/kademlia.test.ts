import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { sign } from '../../core/sign.ts'
import { KademliaNode, type KademliaMessage } from './kademlia.ts'
import { asId, idsEqual, nodeIdOf, sharedPrefixBits, type NodeId } from './node-id.ts'
import { signRecord } from './record.ts'

/** An RPC id from a small number (tests only). */
const rpcId = (n: number) => new Uint8Array(8).fill(n)

/** Identity keys whose ids fall in bucket 0 of `self` (the first bit differs), the `count` first found. */
function peersInBucket0(self: NodeId, count: number): { key: Uint8Array; id: NodeId }[] {
  const found: { key: Uint8Array; id: NodeId }[] = []
  for (let seed = 1; found.length < count; seed++) {
    const key = ed25519FromSeed(new Uint8Array(32).fill(seed)).publicKey
    const id = nodeIdOf(key)
    if (sharedPrefixBits(self, id) === 0) found.push({ key, id })
  }
  return found
}

describe('KademliaNode', () => {
  it('answers find_node with the closest contacts it knows, packed, and derives ids from keys', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    const peers = peersInBucket0(node.id, 4)
    peers.slice(0, 3).forEach((p, i) => node.receive({ type: 'ping', rpc: rpcId(i), key: p.key }, `p${i}`, ctx))
    expect(node.table.has(peers[1]!.id)).toBe(true)
    node.receive({ type: 'find_node', rpc: rpcId(9), key: peers[3]!.key, target: peers[1]!.id }, 'p3', ctx)
    const reply = ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'nodes' }>
    expect(reply.type).toBe('nodes')
    expect(reply.addresses[0]).toBe('p1') // the target itself is the closest
    expect(reply.ids.length).toBe(reply.addresses.length * 32)
    expect(reply.addresses).not.toContain('p3') // never the asker
  })

  it('probes the silent oldest contact of a full bucket, and replaces it when it does not answer', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], k: 2, probeAfterMs: 1_000, rpcTimeoutMs: 500 })
    node.start(ctx)
    const [old, mid, late] = peersInBucket0(node.id, 3)
    node.receive({ type: 'ping', rpc: rpcId(1), key: old!.key }, 'old', ctx)
    node.receive({ type: 'ping', rpc: rpcId(2), key: mid!.key }, 'mid', ctx)
    ctx.advance(2_000)
    const sentBefore = ctx.sent.length
    node.receive({ type: 'ping', rpc: rpcId(3), key: late!.key }, 'new', ctx)
    const probe = ctx.sent.slice(sentBefore).find((s) => (s.message as KademliaMessage).type === 'ping')
    expect(probe?.to).toBe('old')
    ctx.advance(600)
    const sweep = [...ctx.timers.values()].find((t) => t.tag === 'kademlia:sweep')!
    node.timer(sweep.tag, ctx)
    expect(node.table.has(old!.id)).toBe(false)
    expect(node.table.has(late!.id)).toBe(true)
    expect(node.table.has(mid!.id)).toBe(true)
  })

  it('ignores an answer from a contact whose key does not hash to the id it was passed on with', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    const [honest, liar] = peersInBucket0(node.id, 2)
    node.receive({ type: 'ping', rpc: rpcId(1), key: honest!.key }, 'honest', ctx)
    let report: { closest: readonly { address: string }[] } | undefined
    node.lookup(node.id, (r) => (report = r))
    const query = ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'find_node' }>
    // Someone else answers at the honest contact's address, with its own key.
    node.receive({ type: 'nodes', rpc: query.rpc, key: liar!.key, ids: new Uint8Array(0), addresses: [] }, 'honest', ctx)
    expect(ctx.traces.at(-1)).toMatchObject({ type: 'id-mismatch', from: 'honest' })
    expect(report).toBeUndefined()
  })

  it('refuses RPCs from a blacklisted identity, and records it published', () => {
    const convicted = ed25519FromSeed(new Uint8Array(32).fill(99))
    const isBlocked = (id: NodeId) => idsEqual(id, nodeIdOf(convicted.publicKey))
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], isBlocked })
    node.start(ctx)
    node.receive({ type: 'ping', rpc: rpcId(1), key: convicted.publicKey }, 'bad', ctx)
    expect(ctx.sent).toEqual([])
    expect(node.table.size).toBe(0)
    const [honest] = peersInBucket0(node.id, 1)
    const record = signRecord(convicted.publicKey, (m) => sign(convicted.secretKey, m), { name: new Uint8Array([1]), value: new Uint8Array([2]), seq: 1, expiresAt: 60_000 })
    node.receive({ type: 'store', rpc: rpcId(2), key: honest!.key, record }, 'relay', ctx)
    expect(node.records.size).toBe(0)
    expect(ctx.traces.map((t) => [t.type, t.reason])).toEqual([['blocked', undefined], ['store-refused', 'publisher is blacklisted']])
  })

  it('refreshes a bucket no lookup went through lately, by looking up a random id in it', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], refreshIdleMs: 10_000 })
    node.start(ctx)
    peersInBucket0(node.id, 3).forEach((p, i) => node.receive({ type: 'ping', rpc: rpcId(i), key: p.key }, `p${i}`, ctx))
    ctx.advance(10_000)
    const before = ctx.sent.length
    node.timer([...ctx.timers.values()].find((t) => t.tag === 'kademlia:refresh')!.tag, ctx)
    const queries = ctx.sent.slice(before).map((s) => s.message as KademliaMessage).filter((m) => m.type === 'find_node')
    expect(queries.length).toBeGreaterThan(0)
    for (const q of queries) if (q.type === 'find_node') expect(sharedPrefixBits(node.id, q.target)).toBe(0)
  })

  it('passes contacts on under the address they announced, not the one we reach them at', () => {
    const { ctx, node, peer, announcement } = announcedPeer()
    const linkAddress = toHex(peer.key) // as a real runtime names a linked peer: by its identity
    node.receive(announcement, linkAddress, ctx)
    expect(node.table.has(peer.id)).toBe(true)
    const [asker] = peersInBucket0(node.id, 1)
    const ask = (rpc: number) => {
      node.receive({ type: 'find_node', rpc: rpcId(rpc), key: asker!.key, target: peer.id }, 'asker', ctx)
      return (ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'nodes' }>).addresses
    }
    // The link proved the key, not the URL: it is handed out only once the peer answered a ping there.
    expect(ask(1)).not.toContain(PEER_URL)
    const ping = ctx.sent.find((s) => s.to === PEER_URL && (s.message as { type: string }).type === 'ping')!.message as Extract<KademliaMessage, { type: 'ping' }>
    node.receive({ type: 'pong', rpc: ping.rpc, key: peer.key }, linkAddress, ctx)
    expect(ask(2)).toContain(PEER_URL)
    expect(ask(3)).not.toContain(linkAddress)
  })

  it('takes an announcement from anyone but the node itself (a UDP source, a replayer) as a claim to check by ping', () => {
    const { ctx, node, peer, announcement } = announcedPeer()
    node.receive(announcement, 'udp://10.0.0.9:7400', ctx)
    expect(node.table.has(peer.id)).toBe(false)
    const sent = ctx.sent.map((s) => ({ to: s.to, type: (s.message as { type: string }).type }))
    expect(sent).toContainEqual({ to: PEER_URL, type: 'ping' })
    expect(sent.some((s) => s.to.startsWith('udp://'))).toBe(false) // nothing goes back to a datagram's source
    const ping = ctx.sent.find((s) => (s.message as { type: string }).type === 'ping')!.message as Extract<KademliaMessage, { type: 'ping' }>
    node.receive({ type: 'pong', rpc: ping.rpc, key: peer.key }, toHex(peer.key), ctx)
    expect(node.table.has(peer.id)).toBe(true)
  })

  it('confirms a STORE only when it keeps the record: not an older version, not a forgery', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    const publisher = ed25519FromSeed(new Uint8Array(32).fill(42))
    const version = (seq: number) => signRecord(publisher.publicKey, (m) => sign(publisher.secretKey, m), { name: new Uint8Array([1]), value: new Uint8Array([seq]), seq, expiresAt: 60_000 })
    const [peer] = peersInBucket0(node.id, 1)
    const store = (record: ReturnType<typeof version>, rpc: number) => node.receive({ type: 'store', rpc: rpcId(rpc), key: peer!.key, record }, 'peer', ctx)
    store(version(2), 1)
    store(version(1), 2)
    store({ ...version(3), value: new Uint8Array([9]) }, 3)
    store(version(2), 4) // the same version again: kept, so confirmed
    expect(ctx.sent.map((s) => (s.message as { rpc: Uint8Array }).rpc[0])).toEqual([1, 4])
    expect(node.records.get(version(2).key, 0)?.seq).toBe(2)
  })

  it('takes an RPC only from a link that proved its key, never from a LAN datagram', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    const [honest, other] = peersInBucket0(node.id, 2)
    node.receive({ type: 'ping', rpc: rpcId(1), key: honest!.key }, toHex(other!.key), ctx) // a link proving another key
    node.receive({ type: 'ping', rpc: rpcId(2), key: honest!.key }, 'udp://10.0.0.9:7400', ctx)
    expect(ctx.sent).toEqual([])
    expect(node.table.size).toBe(0)
    expect(ctx.traces.filter((t) => t.type === 'key-mismatch').length).toBe(2)
    node.receive({ type: 'ping', rpc: rpcId(3), key: honest!.key }, toHex(honest!.key), ctx)
    expect(ctx.sent.map((s) => (s.message as { type: string }).type)).toEqual(['pong'])
    expect(node.table.has(honest!.id)).toBe(true)
  })

  it('ignores its own announcement echoed back by the LAN', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], announce: announcementOf('wss://10.0.0.1:7001') })
    node.start(ctx)
    const own = ctx.broadcasts[0] as Parameters<KademliaNode['receive']>[0]
    const before = ctx.sent.length
    node.receive(own, 'udp://10.0.0.1:7400', ctx)
    expect(ctx.sent.length).toBe(before)
    expect(node.announced.size).toBe(0)
  })

  it('is the component kad (kad/1): calls from other components go through the context its start got, never another', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    expect([node.name, node.protocol]).toEqual(['kad', 'kad/1'])
    expect(() => node.probe('wss://a', asId(new Uint8Array(32)))).toThrow('KademliaNode.start has not run')
    node.start(ctx)
    const [a] = peersInBucket0(node.id, 1)
    node.lookup(a!.id, () => {}, [{ id: a!.id, address: 'a' }])
    expect(ctx.sent.map((s) => [s.to, (s.message as { type: string }).type])).toEqual([['a', 'find_node']])
    expect(() => node.receive({ type: 'ping', rpc: rpcId(1), key: a!.key }, 'a', new ManualContext('me'))).toThrow('one context per incarnation')
    expect(node.table.size).toBe(0)
  })

  it('introduces itself with its announcement to every node it first sends a request to, once', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], announce: announcementOf('wss://10.0.0.1:7001') })
    node.start(ctx)
    const [a, b] = peersInBucket0(node.id, 2)
    node.probe('wss://a', a!.id)
    node.probe('wss://a', a!.id)
    node.probe('wss://b', b!.id)
    const sent = ctx.sent.map((s) => `${s.to} ${(s.message as { type: string }).type}`)
    expect(sent).toEqual(['wss://a signed', 'wss://a ping', 'wss://a ping', 'wss://b signed', 'wss://b ping'])
  })
})

const PEER_URL = 'wss://10.0.0.7:7001'

function announcementOf(address: string) {
  return { addresses: [address], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } }
}

/** A node, and the signed announcement of a peer that listens at PEER_URL. */
function announcedPeer() {
  const ctx = new ManualContext('me')
  const node = new KademliaNode({ bootstrap: [] })
  node.start(ctx)
  const peerCtx = new ManualContext('peer', 2)
  const peer = new KademliaNode({ bootstrap: ['me'], announce: announcementOf(PEER_URL) })
  peer.start(peerCtx)
  const announcement = peerCtx.sent.find((s) => (s.message as { type: string }).type === 'signed')!.message as Parameters<KademliaNode['receive']>[0]
  return { ctx, node, peer, announcement }
}
