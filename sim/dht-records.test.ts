import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Context, TimerTag } from '../core/actor.ts'
import { ed25519FromSeed } from '../core/keys.ts'
import { sign } from '../core/sign.ts'
import { KademliaNode } from '../actors/peer/kademlia.ts'
import { compareDistance } from '../actors/peer/node-id.ts'
import { signRecord, type DhtRecord } from '../actors/peer/record.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'

const publisher = ed25519FromSeed(new Uint8Array(32).fill(7))
const text = (s: string) => new TextEncoder().encode(s)
const record = (value: string, expiresAt = 3_600_000) =>
  signRecord(publisher.publicKey, (m) => sign(publisher.secretKey, m), { name: text('model/v1'), value: text(value), seq: 1, expiresAt })

/** Publishes a record at `publishAt`, reads it back at `getAt`. */
class Worker extends KademliaNode {
  got: DhtRecord | null | undefined
  constructor(
    private readonly plan: { publish?: DhtRecord; publishAt?: number; getAt?: number; key?: Uint8Array },
    republishMs = 5_000,
  ) {
    super({ bootstrap: ['n0'], republishMs })
  }
  override start(ctx: Context): void {
    super.start(ctx)
    if (this.plan.publishAt !== undefined) ctx.setTimer(this.plan.publishAt - ctx.now(), 'publish')
    if (this.plan.getAt !== undefined) ctx.setTimer(this.plan.getAt - ctx.now(), 'get')
  }
  override timer(tag: TimerTag, ctx: Context): void {
    if (tag === 'publish') return this.publish(this.plan.publish!)
    if (tag === 'get') return this.get(this.plan.key!, (r) => (this.got = r ?? null))
    super.timer(tag, ctx)
  }
}

function network(seed: number, n: number, plans: Record<string, ConstructorParameters<typeof Worker>[0]>, faults = []) {
  const sim = new Simulation({ seed, network: DEFAULT_NETWORK, faults })
  for (let i = 0; i < n; i++) sim.addNode(`n${i}`, () => new Worker(plans[`n${i}`] ?? {}), { bootAt: i * 20 })
  return sim
}

describe('DHT records', () => {
  it('a published record is found by another node, and holders keep it on the k closest', () => {
    const r = record('weights-hash-abc')
    const sim = network(1, 60, { n10: { publish: r, publishAt: 3_000 }, n50: { getAt: 6_000, key: r.key } })
    sim.run({ untilMs: 10_000 })
    const got = sim.actor<Worker>('n50')!.got
    expect(got && new TextDecoder().decode(got.value)).toBe('weights-hash-abc')
    const holders = Array.from({ length: 60 }, (_, i) => sim.actor<Worker>(`n${i}`)!).filter((w) => w.records.get(r.key, 10_000) !== undefined)
    expect(holders.length).toBeGreaterThanOrEqual(15) // k = 20 asked, under 1% loss
  })

  it('holders refuse a forged or expired record, so nobody finds one', () => {
    const forged = { ...record('evil'), value: text('tampered') }
    const expired = record('old', 1_000)
    const sim = network(2, 40, {
      n5: { publish: forged, publishAt: 3_000 },
      n6: { publish: expired, publishAt: 3_000 },
      n30: { getAt: 6_000, key: forged.key },
    })
    sim.run({ untilMs: 9_000 })
    expect(sim.actor<Worker>('n30')!.got).toBeNull()
    for (let i = 0; i < 40; i++) expect(sim.actor<Worker>(`n${i}`)!.records.size).toBe(0)
  })

  it('a record survives the failure of fewer than k of its holders, by republishing (property)', () => {
    const r = record('survivor')
    const plans = { n10: { publish: r, publishAt: 3_000 }, n45: { getAt: 25_000, key: r.key } }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (seed, survivors, pick) => {
        const probe = network(seed, 60, plans)
        probe.run({ untilMs: 4_500 })
        const holders = Array.from({ length: 60 }, (_, i) => `n${i}`).filter((m) => m !== 'n45' && probe.actor<Worker>(m)!.records.get(r.key, 4_500) !== undefined)
        // All holders but `survivors` of them, chosen by `pick`, fail for good.
        const kept = new Set(Array.from({ length: survivors }, (_, i) => holders[(pick + i * 7) % holders.length]))
        const doomed = holders.filter((h) => !kept.has(h))
        const sim = network(seed, 60, plans, doomed.map((node, i) => ({ at: 6_000 + i * 100, kind: 'crash', node })) as never)
        sim.run({ untilMs: 60_000 })
        const got = sim.actor<Worker>('n45')!.got
        expect(got && new TextDecoder().decode(got.value)).toBe('survivor')
      }),
      { numRuns: Number(process.env.RECORD_RUNS ?? 3) },
    )
  })

  it('records follow the ids as nodes join: a holder hands a record to a newcomer among its k closest (§2.5)', () => {
    const r = record('handed on')
    const sim = new Simulation({ seed: 8, network: DEFAULT_NETWORK })
    // Ten nodes hold the network when the record is published; fifty join later. No republishing
    // happens in the run (1 h), so only the hand-off can move the record to them.
    for (let i = 0; i < 60; i++) {
      sim.addNode(`n${i}`, () => new Worker(i === 3 ? { publish: r, publishAt: 2_000 } : {}, 3_600_000), { bootAt: i < 10 ? i * 20 : 5_000 + i * 50 })
    }
    sim.run({ untilMs: 20_000 })
    const nodes = Array.from({ length: 60 }, (_, i) => sim.actor<Worker>(`n${i}`)!)
    const closest = [...nodes].sort((a, b) => compareDistance(r.key, a.id, b.id)).slice(0, 20)
    const holding = closest.filter((w) => w.records.get(r.key, 20_000) !== undefined).length
    expect(closest.filter((w) => nodes.indexOf(w) < 10).length).toBeLessThan(8) // most of the k closest came later
    expect(holding).toBeGreaterThanOrEqual(18)
  })

  it('a holder that restarts still serves the records it held', () => {
    const r = record('kept on disk')
    const plans = { n10: { publish: r, publishAt: 3_000 } }
    const probe = network(4, 30, plans)
    probe.run({ untilMs: 6_000 })
    const holder = Array.from({ length: 30 }, (_, i) => `n${i}`).find((m) => m !== 'n10' && probe.actor<Worker>(m)!.records.get(r.key, 6_000) !== undefined)!
    // The holder restarts after its republish round synced the record (every 5 s here).
    const sim = network(4, 30, plans, [{ at: 12_000, kind: 'crash', node: holder }, { at: 13_000, kind: 'restart', node: holder }] as never)
    sim.run({ untilMs: 14_000 })
    expect(sim.actor<Worker>(holder)!.records.get(r.key, 14_000)).toBeDefined()
  })
})
