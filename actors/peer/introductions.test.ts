import { describe, expect, it, vi } from 'vitest'
import type { Address } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { ManualContext } from '../../core/manual-context.ts'
import type { SignedEnvelope } from '../identity/envelope.ts'
import { identityStack } from '../identity/identity-stack.ts'
import { MemoryKeyStore } from '../identity/key-store.ts'
import { KAD_PROTOCOL } from './announcement.ts'
import { KademliaNode, type KademliaMessage, type KademliaOptions } from './kademlia.ts'
import { idHex, nodeIdOf } from './node-id.ts'
import { NO_RPC } from './rpc.ts'

/** A peer that signs its own announcements (its identity from seed `n`). */
function peer(n: number) {
  const ctx = new ManualContext(`peer${n}`, n)
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n)
  const identity = identityStack({ keys: new MemoryKeyStore(seed) })
  identity.start(ctx)
  const announce = (...addresses: string[]): SignedEnvelope =>
    identity.seal(KAD_PROTOCOL, { type: 'announce', addresses, tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } }, { withCertificate: true })
  return { key: identity.root, hex: idHex(nodeIdOf(identity.root)), announce, identity }
}

function node(options: Partial<KademliaOptions> = {}, ctx = new ManualContext('me')) {
  const n = new KademliaNode({ bootstrap: [], ...options })
  n.start(ctx)
  return { ctx, node: n }
}

const WSS_ONLY = (address: Address) => /^wss:\/\/[^/@]+:\d+$/.test(address)
const DATAGRAM = 'udp://10.0.0.9:7400'
const pings = (ctx: ManualContext, from = 0) => ctx.sent.slice(from).filter((s) => (s.message as KademliaMessage).type === 'ping')

/** Answers the last ping sent to `to`, as `answerer` over the link the runtime opened (its identity). */
function answerPing(n: KademliaNode, ctx: ManualContext, to: Address, answerer: Uint8Array): void {
  const ping = pings(ctx).filter((s) => s.to === to).at(-1)!
  n.receive({ type: 'pong', rpc: (ping.message as KademliaMessage).rpc, key: answerer }, toHex(answerer), ctx)
}

describe('announcements: no dialling on command', () => {
  it('ignores an announcement with any address the policy refuses: not remembered, probed, relayed or answered', () => {
    const { ctx, node: n } = node({ acceptAddress: WSS_ONLY, announce: { addresses: ['wss://10.0.0.1:7001'], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } } })
    const sentBefore = ctx.sent.length
    n.receive(peer(1).announce('ws+unix:///var/run/docker.sock:/containers/json'), DATAGRAM, ctx)
    n.receive(peer(2).announce('ws://127.0.0.1:9000/internal-admin'), DATAGRAM, ctx)
    n.receive(peer(3).announce('wss://10.0.0.3:7001', 'http://10.0.0.3/api/v1/delete'), DATAGRAM, ctx)
    expect(ctx.sent.length).toBe(sentBefore)
    expect(n.announced.size).toBe(0)
    expect(n.introducer.candidateCount).toBe(0)
    expect(ctx.traces.filter((t) => t.type === 'announcement-refused').length).toBe(3)
  })

  it('does not dial a contact passed on in a `nodes` reply at an address the policy refuses', () => {
    const { ctx, node: n } = node({ bootstrap: ['wss://boot.example:7001'], acceptAddress: WSS_ONLY })
    const ask = ctx.sent.find((s) => (s.message as KademliaMessage).type === 'find_node')!
    const boot = peer(7).key
    const addresses = ['http://10.0.0.5/api/v1/delete', 'wss://10.0.0.6:7001']
    const ids = new Uint8Array(64)
    ids.set(nodeIdOf(peer(8).key), 0)
    ids.set(nodeIdOf(peer(9).key), 32)
    n.receive({ type: 'nodes', rpc: (ask.message as KademliaMessage).rpc, key: boot, ids, addresses }, toHex(boot), ctx)
    expect(ctx.sent.some((s) => s.to.startsWith('http://'))).toBe(false)
    expect(ctx.sent.some((s) => s.to === 'wss://10.0.0.6:7001')).toBe(true)
  })

  it('probes peers announced by datagrams within one budget for the node, however many identities and source ports', () => {
    const { ctx, node: n } = node({ probeBurst: 16, probesPerSecond: 2 })
    for (let i = 0; i < 2_000; i++) {
      if (i % 100 === 0) ctx.advance(1_000)
      n.receive(peer(1_000 + i).announce(`wss://10.1.${i >> 8}.${i & 255}:7001`), `udp://10.9.9.9:${40_000 + (i % 64)}`, ctx)
    }
    expect(pings(ctx).length).toBeLessThanOrEqual(16 + 2 * 20)
    expect(n.introducer.candidateCount).toBeLessThanOrEqual(16 + 2 * 20)
    // Nothing of an unconfirmed identity reaches the disk, and what it holds in memory is bounded.
    expect(ctx.storage.keys('identity/peer/')).toEqual([])
    expect(ctx.storage.keys('identity/seq/')).toEqual([])
    expect(n.introducer.envelopes.provisionalCount).toBeLessThanOrEqual(2_000)
    expect(n.announced.size).toBe(0)
  })
})

describe('a datagram flood does not starve the peers that connect', () => {
  it('a peer announcing itself over its own link is probed even when datagrams spent the probe budget', () => {
    const { ctx, node: n } = node()
    for (let i = 0; i < 200; i++) n.receive(peer(3_000 + i).announce(`wss://10.2.${i >> 8}.${i & 255}:7001`), `udp://10.8.${i}.1:7400`, ctx)
    expect(ctx.traces.some((t) => t.type === 'probe-budget-spent')).toBe(true)
    const honest = peer(4)
    const before = ctx.sent.length
    n.receive(honest.announce('wss://10.0.0.4:7001'), toHex(honest.key), ctx)
    expect(pings(ctx, before).map((s) => s.to)).toEqual(['wss://10.0.0.4:7001'])
    answerPing(n, ctx, 'wss://10.0.0.4:7001', honest.key)
    expect(n.announced.has(honest.hex)).toBe(true)
  })
})

describe('an identity counts once it answered its ping', () => {
  it('remembers a datagram-announced peer, and writes its certificate, only when it answers at its address', () => {
    const { ctx, node: n } = node()
    const p = peer(1)
    n.receive(p.announce('wss://10.0.0.7:7001'), DATAGRAM, ctx)
    expect(pings(ctx).map((s) => s.to)).toEqual(['wss://10.0.0.7:7001'])
    expect(n.announced.size).toBe(0)
    expect(ctx.storage.keys('identity/peer/')).toEqual([])
    answerPing(n, ctx, 'wss://10.0.0.7:7001', p.key)
    expect(n.announced.peek(p.hex)?.addresses).toEqual(['wss://10.0.0.7:7001'])
    expect(ctx.storage.durableGet(`identity/peer/${toHex(p.key)}`)).toBeDefined()
    expect(n.introducer.envelopes.isConfirmed(p.key)).toBe(true)
  })

  it('refuses a genuinely signed message of another protocol shaped like an announcement', () => {
    const { ctx, node: n } = node()
    const p = peer(1)
    const body = { type: 'announce', addresses: ['peer1'], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } }
    n.receive(p.identity.seal('bft/1', body, { withCertificate: true }), 'peer1', ctx) // from its own address: would be taken at once
    expect(ctx.traces.at(-1)).toMatchObject({ type: 'envelope-rejected', reason: 'wrong-protocol' })
    expect(n.announced.size).toBe(0)
    expect(n.introducer.envelopes.isConfirmed(p.key)).toBe(false)
    n.receive(p.announce('peer1'), 'peer1', ctx)
    expect(n.announced.has(p.hex)).toBe(true)
  })

  it('drops a copy of an announcement it holds or is checking, without refusing it as a replay (a join under two addresses)', () => {
    const { ctx, node: n } = node()
    const p = peer(1)
    const envelope = p.announce('wss://10.0.0.7:7001')
    // A newcomer introduces itself to its bootstrap URL, then to the link's identity: one peer, two copies.
    n.receive(envelope, toHex(p.key), ctx)
    expect(n.introducer.candidateCount).toBe(1)
    n.receive(envelope, toHex(p.key), ctx)
    answerPing(n, ctx, 'wss://10.0.0.7:7001', p.key)
    expect(n.announced.has(p.hex)).toBe(true)
    n.receive(envelope, toHex(p.key), ctx)
    expect(ctx.traces.filter((t) => t.type === 'envelope-rejected')).toEqual([])
    expect(n.introducer.duplicates).toBe(2)
    // A second copy of an announcement older than the one held is no such copy: still refused as a
    // replay, naming the identity in full (what --block takes).
    const older = p.announce('wss://10.0.0.7:7001')
    const newer = p.announce('wss://10.0.0.7:7001')
    n.receive(newer, toHex(p.key), ctx)
    n.receive(older, toHex(p.key), ctx)
    n.receive(older, toHex(p.key), ctx)
    const rejected = ctx.traces.filter((t) => t.type === 'envelope-rejected')
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toMatchObject({ reason: 'replay', protocol: KAD_PROTOCOL, root: toHex(p.key), seq: older.seq })
  })

  it('refuses a captured announcement after the receiver crashes and restarts', () => {
    const ctx = new ManualContext('me')
    const { node: first } = node({}, ctx)
    const p = peer(1)
    first.receive(p.announce('peer1'), 'peer1', ctx) // from the peer itself: confirmed at once
    const envelope = p.announce('peer1')
    first.receive(envelope, 'peer1', ctx) // accepted, and sends nothing
    expect(first.announced.has(p.hex)).toBe(true)
    ctx.storage.crash(0)
    const { node: again } = node({}, ctx)
    again.receive(envelope, 'peer1', ctx)
    expect(ctx.traces.at(-1)).toMatchObject({ type: 'envelope-rejected', reason: 'replay' })
    expect(again.announced.size).toBe(0)
    again.receive(p.announce('peer1'), 'peer1', ctx) // a fresh one is taken
    expect(again.announced.has(p.hex)).toBe(true)
  })
})

describe("a peer's own announcement over its link proves its key, not its addresses", () => {
  it('is observed under its link, but remembered, shared, relayed and confirmed only once it answers at its address', () => {
    const { ctx, node: n } = node({ tierOf: () => 5, announce: { addresses: ['wss://10.0.0.1:7001'], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } } })
    for (let i = 0; i < 4; i++) n.receive({ type: 'ping', rpc: NO_RPC, key: peer(200 + i).key }, toHex(peer(200 + i).key), ctx)
    const attacker = peer(1)
    const link = toHex(attacker.key)
    const before = ctx.sent.length
    n.receive(attacker.announce('wss://victim.example:443'), link, ctx)
    expect(n.table.has(nodeIdOf(attacker.key))).toBe(true)
    expect(n.announced.has(attacker.hex)).toBe(false)
    expect(n.introducer.candidateCount).toBe(1)
    expect(ctx.sent.slice(before).map((s) => (s.message as KademliaMessage).type)).not.toContain('relay')
    expect(pings(ctx, before).map((s) => s.to)).toEqual(['wss://victim.example:443']) // one budgeted probe
    expect([...ctx.storage.keys('identity/peer/'), ...ctx.storage.keys('identity/seq/')]).toEqual([])
    n.timer('introductions:pex', ctx)
    const sample = ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'pex' }>
    expect(sample.type === 'pex' ? sample.sample : []).toEqual([])
    // An honest peer answers at the address it announced: now it counts.
    const honest = peer(2)
    const mark = ctx.sent.length
    n.receive(honest.announce('wss://10.0.0.2:7001'), toHex(honest.key), ctx)
    expect(n.announced.has(honest.hex)).toBe(false)
    answerPing(n, ctx, 'wss://10.0.0.2:7001', honest.key)
    expect(n.announced.peek(honest.hex)?.addresses).toEqual(['wss://10.0.0.2:7001'])
    expect(n.introducer.envelopes.isConfirmed(honest.key)).toBe(true)
    // Relayed to its neighbourhood: the four contacts and the attacker's link, not the newcomer itself.
    expect(ctx.sent.slice(mark).filter((s) => (s.message as KademliaMessage).type === 'relay').map((s) => s.to)).toHaveLength(5)
    expect(n.announced.has(attacker.hex)).toBe(false)
  })

  it('200 fresh identities opening links and announcing themselves confirm nothing: no write, no sync', () => {
    const { ctx, node: n } = node()
    const sync = vi.spyOn(ctx.storage, 'sync')
    for (let i = 0; i < 200; i++) {
      const p = peer(1_000 + i)
      n.receive(p.announce(`wss://10.2.${i >> 8}.${i & 255}:7001`), toHex(p.key), ctx)
    }
    expect(sync).not.toHaveBeenCalled()
    expect([...ctx.storage.keys('identity/peer/'), ...ctx.storage.keys('identity/seq/')]).toEqual([])
    expect(n.announced.size).toBe(0)
  })
})

describe('PEX and relays pass on only what was checked', () => {
  /** A node with one contact (`c`), which sends it PEX samples. */
  function withContact() {
    const { ctx, node: n } = node({ announce: { addresses: ['me'], tier: 1, capabilities: [], resources: { cpuCores: 1, memoryMiB: 1, gpus: 0 } } })
    const c = peer(50)
    n.receive({ type: 'ping', rpc: NO_RPC, key: c.key }, 'c', ctx)
    const pex = (...sample: SignedEnvelope[]) => {
      ctx.advance(60_000)
      n.receive({ type: 'pex', rpc: NO_RPC, key: c.key, sample }, 'c', ctx)
    }
    const shared = () => {
      const before = ctx.sent.length
      n.timer('introductions:pex', ctx)
      const sample = ctx.sent.slice(before).find((s) => (s.message as KademliaMessage).type === 'pex')
      return sample === undefined ? [] : (sample.message as Extract<KademliaMessage, { type: 'pex' }>).sample.map((e) => toHex(e.root))
    }
    return { ctx, n, pex, shared }
  }

  it('shares an announcement received by PEX only once its peer answered the ping', () => {
    const { ctx, n, pex, shared } = withContact()
    const p = peer(1)
    pex(p.announce('wss://10.0.0.7:7001'))
    expect(n.announced.has(p.hex)).toBe(false)
    expect(shared()).not.toContain(toHex(p.key))
    answerPing(n, ctx, 'wss://10.0.0.7:7001', p.key)
    expect(shared()).toContain(toHex(p.key))
  })

  it('keeps the newest checked announcement of an identity: a newer one replaces the first once checked; an older one never', () => {
    const { ctx, n, pex } = withContact()
    const p = peer(1)
    const old = p.announce('wss://10.0.0.7:7001')
    pex(old)
    answerPing(n, ctx, 'wss://10.0.0.7:7001', p.key)
    pex(p.announce('wss://10.0.0.8:7001'))
    expect(n.announced.peek(p.hex)?.addresses).toEqual(['wss://10.0.0.7:7001']) // not before it answers there
    answerPing(n, ctx, 'wss://10.0.0.8:7001', p.key)
    expect(n.announced.peek(p.hex)?.addresses).toEqual(['wss://10.0.0.8:7001'])
    const before = ctx.sent.length
    pex(old)
    expect(pings(ctx, before)).toEqual([])
    expect(n.announced.peek(p.hex)?.addresses).toEqual(['wss://10.0.0.8:7001'])
  })

  it('a high-tier node relays first sightings within its relay budget', () => {
    const { ctx, node: n } = node({ tierOf: () => 5, relayBurst: 3, relaysPerSecond: 0 })
    for (let i = 0; i < 10; i++) n.receive({ type: 'ping', rpc: NO_RPC, key: peer(200 + i).key }, `c${i}`, ctx)
    for (let i = 0; i < 4; i++) n.receive(peer(300 + i).announce(`newcomer${i}`), `newcomer${i}`, ctx)
    expect(ctx.sent.filter((s) => (s.message as KademliaMessage).type === 'relay').length).toBe(3)
    expect(ctx.traces.some((t) => t.type === 'relay-budget-spent')).toBe(true)
  })
})
