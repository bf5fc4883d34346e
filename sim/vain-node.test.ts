import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { MemoryKeyStore, ROOT_KEY } from '../actors/identity/key-store.ts'
import { DEFAULT_MAX_PER_GROUP, DEFAULT_MAX_PER_GROUP_IN_TABLE, VainNode, type VainNodeOptions } from '../actors/node/vain-node.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'
import type { TraceEvent } from './trace.ts'
import type { Context, TimerTag } from '../core/actor.ts'
import type { Component } from '../core/component.ts'

const text = (s: string) => new TextEncoder().encode(s)
const keys = (i: number) => new MemoryKeyStore(new Uint8Array(32).fill(i + 1))

/** `n` nodes: the first three on one LAN with no bootstrap, the rest joining through n0. */
function network(seed: number, n: number, extra: (i: number) => Partial<VainNodeOptions>, all = false) {
  const events: TraceEvent[] = []
  const sim = new Simulation({ seed, network: DEFAULT_NETWORK, onTrace: (e) => (all ? events.push(e) : e.kind === 'user' && events.push(e)) })
  for (let i = 0; i < n; i++) {
    const name = `n${i}`
    const onLan = i < 3
    sim.addNode(
      name,
      () => new VainNode({ identity: { keys: keys(i) }, listen: name, bootstrap: onLan ? [] : ['n0'], statusEveryMs: 1_000, ...extra(i) }),
      { bootAt: i * 50, lan: onLan ? 'office' : `home${i}` },
    )
  }
  return { sim, events }
}

describe('VainNode', () => {
  it('finds its peers by LAN and bootstrap, and publishes a record that another node finds', () => {
    const publisher = keys(2).publicKey(ROOT_KEY)
    const { sim, events } = network(3, 12, (i) =>
      i === 2 ? { publish: [{ name: 'greeting', value: text('hello from n2') }] } : i === 11 ? { find: [{ publisher, name: 'greeting' }] } : {},
    )
    sim.run({ untilMs: 15_000 })
    const found = events.filter((e) => e.type === 'record-found')
    expect(found.map((e) => [e.node, e.value])).toEqual([['n11', 'hello from n2']])
    const published = events.find((e) => e.type === 'record-published')!
    expect(published.node).toBe('n2')
    expect(published.holders).toBeGreaterThan(0)
    // Every node's last report lists all eleven others.
    for (let i = 0; i < 12; i++) {
      const last = events.filter((e) => e.type === 'peers' && e.node === `n${i}`).at(-1)
      expect(last?.count, `n${i}`).toBe(11)
    }
  })

  it('republishes its records at half their lifetime, each time with a higher version', () => {
    const { sim, events } = network(4, 8, (i) => (i === 5 ? { publish: [{ name: 'model', value: text('v1') }], recordTtlMs: 20_000 } : {}))
    sim.run({ untilMs: 60_000 })
    const published = events.filter((e) => e.type === 'record-published')
    expect(published.length).toBeGreaterThanOrEqual(5) // ~every 10 s from the first success
    const node5 = sim.actor<VainNode>('n5')!
    const holders = Array.from({ length: 8 }, (_, i) => sim.actor<VainNode>(`n${i}`)!.peer.records).filter((r) => r.size > 0)
    expect(holders.length).toBeGreaterThan(0)
    const key = published.at(-1)!.key as string
    const seqs = holders.map((r) => r.get(Buffer.from(key, 'hex'), sim.now)?.seq ?? -1)
    expect(Math.max(...seqs)).toBeGreaterThan(50_000) // a version from the last republish, not the first
    expect(node5.peer.table.size).toBe(7)
  })

  it('raises the version of its records even when it restarts with its clock set back, so holders take the new copy', () => {
    const events: TraceEvent[] = []
    const faults = [
      { at: 30_000, kind: 'skew', node: 'n5', offsetMs: -33_000 },
      { at: 31_000, kind: 'crash', node: 'n5' },
      { at: 32_000, kind: 'restart', node: 'n5' },
    ] as const
    const sim = new Simulation({ seed: 9, network: DEFAULT_NETWORK, onTrace: (e) => e.kind === 'user' && events.push(e), faults: [...faults] })
    for (let i = 0; i < 8; i++) {
      const publish = i === 5 ? [{ name: 'model', value: text('v1') }] : []
      sim.addNode(`n${i}`, () => new VainNode({ identity: { keys: keys(i) }, listen: `n${i}`, bootstrap: i === 0 ? [] : ['n0'], publish, recordTtlMs: 60_000 }), { bootAt: i * 50 })
    }
    sim.run({ untilMs: 40_000 })
    const versions = events.filter((e) => e.type === 'record-published').map((e) => e.seq as number)
    expect(versions.length).toBe(2) // before the crash, and after the restart (on a clock 33 s behind)
    expect(versions[1]).toBeGreaterThan(versions[0]!)
    const key = Buffer.from(events.find((e) => e.type === 'record-published')!.key as string, 'hex')
    const held = Array.from({ length: 8 }, (_, i) => sim.actor<VainNode>(`n${i}`)!.peer.records.get(key, sim.now)?.seq).filter((v) => v !== undefined)
    expect(held.length).toBeGreaterThan(0)
    expect(held.every((v) => v === versions[1])).toBe(true)
  })

  it('refuses a blacklisted identity everywhere', () => {
    const convicted = keys(6).publicKey(ROOT_KEY)
    const { sim } = network(5, 10, (i) => (i === 6 ? {} : { blocked: [convicted] }))
    sim.run({ untilMs: 15_000 })
    const id = sim.actor<VainNode>('n6')!.peer.id
    for (let i = 0; i < 10; i++) if (i !== 6) expect(sim.actor<VainNode>(`n${i}`)!.peer.table.has(id), `n${i}`).toBe(false)
    expect(sim.actor<VainNode>('n1')!.peer.table.size).toBe(8)
  })

  it('relays newcomers when its own tier is 3 or more, and believes relays only from identities it trusts at that tier', () => {
    const relayer = keys(0).publicKey(ROOT_KEY)
    const run = (trust: boolean) => {
      const { sim, events } = network(6, 10, (i) => (i === 0 ? { tier: 3 } : trust ? { trusted: [{ identity: relayer, tier: 3 }] } : {}))
      sim.run({ untilMs: 10_000 })
      return events.filter((e) => e.type === 'relay-untrusted').length
    }
    expect(run(false)).toBeGreaterThan(0) // n0 relays, as its tier lets it; nobody believes it
    expect(run(true)).toBe(0)
  })

  it('keeps a sample of its contacts on disk and rejoins through them when restarted without a bootstrap address', () => {
    const events: TraceEvent[] = []
    const faults = [
      { at: 10_000, kind: 'crash', node: 'n5' },
      { at: 11_000, kind: 'restart', node: 'n5' },
    ] as const
    const sim = new Simulation({ seed: 11, network: DEFAULT_NETWORK, onTrace: (e) => e.kind === 'user' && events.push(e), faults: [...faults] })
    let boots = 0
    for (let i = 0; i < 10; i++) {
      sim.addNode(
        `n${i}`,
        () => {
          // n5 joins through n0 the first time only: restarted, it has no bootstrap address at all.
          const bootstrap = i === 0 || (i === 5 && boots++ > 0) ? [] : ['n0']
          return new VainNode({ identity: { keys: keys(i) }, listen: `n${i}`, bootstrap, statusEveryMs: 1_000 })
        },
        { bootAt: i * 50, lan: `home${i}` },
      )
    }
    sim.run({ untilMs: 14_000 })
    expect(boots).toBe(2)
    expect(events.filter((e) => e.type === 'rejoining' && e.node === 'n5').map((e) => e.peers)).toEqual([9])
    expect(sim.actor<VainNode>('n5')!.peer.table.size).toBe(9)
  })

  it('takes at most DEFAULT_MAX_PER_GROUP contacts of one network group in a bucket', () => {
    // Every node but n0 is in one network group: n0 may hold at most 2 of them per bucket, 10 in all.
    const { sim } = network(12, 16, (i) => ({ groupOf: (a: string) => (a === 'n0' ? 'n0' : 'one-operator') }))
    sim.run({ untilMs: 10_000 })
    const table = sim.actor<VainNode>('n0')!.peer.table
    for (const index of table.occupiedBuckets()) expect(table.bucketContacts(index).length).toBeLessThanOrEqual(DEFAULT_MAX_PER_GROUP)
    expect(table.size).toBeGreaterThan(0)
    expect(table.size).toBeLessThanOrEqual(DEFAULT_MAX_PER_GROUP_IN_TABLE)
    // Without a group, each node is its own: n0 knows all fifteen.
    const open = network(12, 16, () => ({}))
    open.sim.run({ untilMs: 10_000 })
    expect(open.sim.actor<VainNode>('n0')!.peer.table.size).toBe(15)
  })

  it('a third subsystem leaves the trace of the others unchanged: their messages, timers, draws and events', () => {
    // Components that do what a subsystem does without the network: they draw, write, sync, arm
    // timers under the same tags the others use, and trace.
    // The witness, present in both runs, traces what it draws.
    class Subsystem implements Component {
      constructor(readonly name: string) {}
      start(ctx: Context): void {
        ctx.setTimer(ctx.random.int(1_000), 'tasks')
      }
      timer(_tag: TimerTag, ctx: Context): void {
        const last = ctx.storage.get('status')?.[0]
        ctx.storage.put('status', ctx.random.bytes(16))
        ctx.storage.sync()
        ctx.trace({ type: 'peers', count: ctx.random.int(1_000_000), last })
        ctx.setTimer(300 + ctx.random.int(1_000), 'status')
      }
    }
    const publisher = keys(2).publicKey(ROOT_KEY)
    const run = (third: boolean) => {
      const { sim, events } = network(
        5,
        10,
        (i) => ({
          ...(i === 2 && { publish: [{ name: 'greeting', value: text('hi') }] }),
          ...(i === 9 && { find: [{ publisher, name: 'greeting' }] }),
          components: third ? [new Subsystem('witness'), new Subsystem('bystander')] : [new Subsystem('witness')],
        }),
        true,
      )
      sim.run({ untilMs: 12_000 })
      // Timer ids are the simulator's own counter, which the third component's timers advance.
      return events
        .filter((e) => e.component !== 'bystander' && !(e.kind === 'timer' && String(e.tag).startsWith('bystander:')))
        .map((e) => (e.kind === 'timer' ? { ...e, id: undefined } : e))
    }
    const without = run(false)
    expect(without.some((e) => e.type === 'record-found')).toBe(true)
    expect(without.filter((e) => e.component === 'witness').length).toBeGreaterThan(50)
    expect(without.length).toBeGreaterThan(500)
    expect(run(true)).toEqual(without)
  })

  it('moves a blob between two nodes: put on one, fetched by another from it, intact', () => {
    const { sim } = network(6, 4, () => ({}))
    sim.run({ untilMs: 3_000 })
    const weights = new Uint8Array(600_000).map((_, i) => (i * 31) & 0xff) // three chunks
    const holder = sim.actor<VainNode>('n1')!
    const hash = holder.blobs.blobs().put(weights)
    const outcomes: unknown[] = []
    sim.actor<VainNode>('n3')!.blobs.fetch(hash, 'n1', (result) => outcomes.push(result))
    sim.run({ untilMs: 6_000 })
    expect(outcomes).toHaveLength(1)
    expect(Result.isSuccess(outcomes[0] as Result.Result<Uint8Array, unknown>)).toBe(true)
    expect(sim.actor<VainNode>('n3')!.blobs.blobs().get(hash)).toEqual(weights)
  })
})
