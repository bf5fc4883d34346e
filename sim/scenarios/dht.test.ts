import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Context, TimerTag } from '../../core/actor.ts'
import { KademliaNode } from '../../actors/peer/kademlia.ts'
import { idsEqual } from '../../actors/peer/node-id.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { Simulation } from '../simulation.ts'
import { runScenario } from '../scenario.ts'
import { dht } from './dht.ts'

describe('dht scenario', () => {
  it('finds nearly every node, in no more hops than log2(N), and replays byte for byte', () => {
    const options = { seed: 11, nodes: 300, untilMs: dht.defaults.untilMs }
    const summary = runScenario(dht, options)
    expect(summary.violations).toEqual([])
    expect(summary.lookups).toBe(300)
    expect(summary.lookupSuccess).toBeGreaterThanOrEqual(0.98)
    expect(summary.hopsMean as number).toBeLessThanOrEqual(Math.ceil(Math.log2(300)))
    expect(summary.messagesPerLookup as number).toBeGreaterThan(0)
    expect(summary.expectations.filter((e) => !e.held)).toEqual([])
    expect(runScenario(dht, options).traceHash).toBe(summary.traceHash)
  })
})

describe('Kademlia reachability (property)', () => {
  it('after the network settles, every live node finds every other by lookup', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const n = 24
        const members = Array.from({ length: n }, (_, i) => `n${i}`)
        const sim = new Simulation({ seed, network: DEFAULT_NETWORK })
        let found = 0
        /** After 5 s of settling, looks up every other node. */
        class AllPairs extends KademliaNode {
          override start(ctx: Context): void {
            super.start(ctx)
            ctx.setTimer(5_000 - ctx.now(), 'all-pairs')
          }
          override timer(tag: TimerTag, ctx: Context): void {
            if (tag !== 'all-pairs') return super.timer(tag, ctx)
            for (const m of members) {
              const target = sim.actor<AllPairs>(m)!
              if (target === this) continue
              this.lookup(target.id, (report) => {
                if (report.closest.some((c) => idsEqual(c.id, target.id))) found++
              })
            }
          }
        }
        members.forEach((m, i) => sim.addNode(m, () => new AllPairs({ bootstrap: ['n0'] }), { bootAt: i * 50 }))
        sim.run({ untilMs: 30_000 })
        expect(found).toBe(n * (n - 1))
      }),
      { numRuns: Number(process.env.DHT_RUNS ?? 3) },
    )
  })
})
