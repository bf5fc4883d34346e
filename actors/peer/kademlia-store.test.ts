import { describe, expect, it } from 'vitest'
import type { Address } from '../../core/actor.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { sign } from '../../core/sign.ts'
import { KademliaNode, type KademliaMessage } from './kademlia.ts'
import { compareDistance, nodeIdOf, sharedPrefixBits, type NodeId } from './node-id.ts'
import { signRecord, type DhtRecord } from './record.ts'

function keysOf(n: number) {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n + 1)
  return ed25519FromSeed(seed)
}

/** A record of publisher `p` named `name`, 200 bytes of value. */
function record(p: number, name: number, expiresAt = 3_600_000): DhtRecord {
  const keys = keysOf(p)
  return signRecord(keys.publicKey, (m) => sign(keys.secretKey, m), { name: new Uint8Array(new Uint32Array([name]).buffer), value: new Uint8Array(200), seq: 1, expiresAt })
}

let nextRpc = 1
const rpc = () => {
  const id = new Uint8Array(8)
  new DataView(id.buffer).setUint32(0, nextRpc++)
  return id
}

const sentOfType = (ctx: ManualContext, type: string, from = 0) => ctx.sent.slice(from).filter((s) => (s.message as KademliaMessage).type === type)

describe('a holder under a STORE flood', () => {
  const limits = { maxRecords: 1_000, maxBytes: 1_000_000, perPublisher: 8, perSender: 100 }

  it('keeps memory bounded by its quotas, acknowledges only what it kept, and still stores and serves an honest record', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], recordLimits: limits })
    node.start(ctx)
    // Four attacker links, each sending 400 records of 50 publishers (the issue: 101,747 from 4 links).
    const attacker = keysOf(1_000).publicKey
    let floodAcks = 0
    for (let link = 0; link < 4; link++) {
      for (let i = 0; i < 400; i++) {
        const before = ctx.sent.length
        node.receive({ type: 'store', rpc: rpc(), key: attacker, record: record(link * 50 + (i % 50), i) }, `x${link}`, ctx)
        floodAcks += ctx.sent.length - before
      }
    }
    expect(node.records.size).toBe(4 * limits.perSender)
    expect(floodAcks).toBe(node.records.size)
    expect(node.records.bytes).toBeLessThan(4 * limits.perSender * 600)
    expect(ctx.traces.filter((t) => t.type === 'store-refused' && /sender .* quota/.test(String(t.reason))).length).toBe(1_600 - 400)
    // An honest publisher, over its own link, is still stored, confirmed and found.
    const honest = keysOf(5_000)
    const own = signRecord(honest.publicKey, (m) => sign(honest.secretKey, m), { name: new Uint8Array([1]), value: new Uint8Array([42]), seq: 1, expiresAt: 60_000 })
    node.receive({ type: 'store', rpc: rpc(), key: honest.publicKey, record: own }, 'honest', ctx)
    expect(sentOfType(ctx, 'stored').at(-1)?.to).toBe('honest')
    node.receive({ type: 'find_value', rpc: rpc(), key: honest.publicKey, target: own.key }, 'asker', ctx)
    expect((ctx.sent.at(-1)!.message as Extract<KademliaMessage, { type: 'value' }>).record.value).toEqual(new Uint8Array([42]))
  })

  it('counts a sender by its network group when given groupOf: links from one /24 share one quota', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], recordLimits: limits, groupOf: (address: Address) => address.split('.').slice(0, 3).join('.') })
    node.start(ctx)
    const attacker = keysOf(1_000).publicKey
    for (let link = 0; link < 4; link++) for (let i = 0; i < 100; i++) node.receive({ type: 'store', rpc: rpc(), key: attacker, record: record(link * 50 + (i % 50), i) }, `10.0.0.${link}`, ctx)
    expect(node.records.size).toBe(limits.perSender)
  })

  it('refuses a record whose key it is not among the k closest to (as far as it knows), unacknowledged and traced', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], k: 2 })
    node.start(ctx)
    // Two contacts whose ids differ from ours in the first bit: for a key on their side, both are closer.
    const near: { key: Uint8Array; id: NodeId }[] = []
    for (let n = 0; near.length < 2; n++) {
      const key = keysOf(10_000 + n).publicKey
      if (sharedPrefixBits(node.id, nodeIdOf(key)) === 0) near.push({ key, id: nodeIdOf(key) })
    }
    near.forEach((c, i) => node.receive({ type: 'ping', rpc: rpc(), key: c.key }, `c${i}`, ctx))
    let far: DhtRecord | undefined
    let ours: DhtRecord | undefined
    for (let name = 0; far === undefined || ours === undefined; name++) {
      const r = record(7, name)
      if (sharedPrefixBits(node.id, r.key) === 0) far ??= r
      else ours ??= r
    }
    expect(near.every((c) => compareDistance(far!.key, c.id, node.id) < 0)).toBe(true)
    const before = ctx.sent.length
    node.receive({ type: 'store', rpc: rpc(), key: near[0]!.key, record: far! }, 'c0', ctx)
    expect(ctx.sent.length).toBe(before)
    expect(ctx.traces.at(-1)).toMatchObject({ type: 'store-refused', reason: 'not among the k closest to the key' })
    node.receive({ type: 'store', rpc: rpc(), key: near[0]!.key, record: ours! }, 'c0', ctx)
    expect(sentOfType(ctx, 'stored', before).length).toBe(1)
    expect(node.records.size).toBe(1)
  })
})

describe('a holder spreads out what it sends', () => {
  it('hands off to a newcomer within its budget, however many records the newcomer is close to', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], handoffBurst: 10, handoffsPerSecond: 1 })
    node.start(ctx)
    for (let name = 0; name < 50; name++) node.records.put(record(name % 5, name), 0, 'earlier')
    node.receive({ type: 'ping', rpc: rpc(), key: keysOf(9_999).publicKey }, 'newcomer', ctx)
    expect(sentOfType(ctx, 'store').length).toBe(10)
    expect(ctx.traces.some((t) => t.type === 'handoff-budget-spent')).toBe(true)
  })

  it('republishes one slice of its records per tick, and all of them over one period', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], republishMs: 60_000, republishSlices: 6 })
    node.start(ctx)
    node.receive({ type: 'ping', rpc: rpc(), key: keysOf(9_999).publicKey }, 'contact', ctx)
    for (let name = 0; name < 120; name++) node.records.put(record(name % 10, name, 10 * 3_600_000), 0, 'earlier')
    ctx.advance(60_000)
    const perTick: number[] = []
    for (let tick = 0; tick < 6; tick++) {
      const before = ctx.sent.length
      const timer = [...ctx.timers.entries()].find(([, t]) => t.tag === 'kademlia:republish')!
      expect(timer[1].at).toBeLessThanOrEqual(ctx.now() + 10_000)
      ctx.timers.delete(timer[0])
      node.timer('kademlia:republish', ctx)
      perTick.push(sentOfType(ctx, 'find_node', before).length)
    }
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(120)
    expect(Math.max(...perTick)).toBeLessThan(60)
  })
})
