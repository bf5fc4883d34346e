import { describe, expect, it } from 'vitest'
import { KademliaNode } from '../../actors/peer/kademlia.ts'
import { parseFaultSchedule } from '../faults.ts'
import { runScenario, runSettings, type Scenario } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { eclipse, eclipseUndefended } from './eclipse.ts'

/**
 * The figures of `vain sim eclipse[-undefended] --seed S` (200 nodes, 30 s) measured before the
 * scenario moved onto the adversary library (hand-written Sybils overriding answerFor and pinging the
 * victim every 500 ms): capturedBuckets, totalBuckets, sybilContacts, tableSize. The library's Sybils
 * give the same (and the same contacts in every bucket of the victim's table; docs/dht.md).
 */
const BEFORE = {
  eclipse: { 1: [2, 10, 4, 61], 2: [3, 11, 4, 59], 3: [2, 9, 4, 57] },
  'eclipse-undefended': { 1: [5, 11, 45, 102], 2: [6, 12, 46, 101], 3: [5, 11, 46, 99] },
} as const

describe('eclipse scenario', () => {
  it('diversity limits keep the Sybils to a few contacts and fewer captured buckets than the plain paper', () => {
    const options = { seed: 3, nodes: 120, untilMs: 20_000 }
    const defended = runScenario(eclipse, options)
    const undefended = runScenario(eclipseUndefended, options)
    expect(defended.violations).toEqual([])
    expect(defended.sybilContacts as number).toBeLessThanOrEqual(4) // twice maxPerGroup, table-wide
    expect(undefended.sybilContacts as number).toBeGreaterThan(10)
    expect(defended.capturedBuckets as number).toBeLessThan(undefended.capturedBuckets as number)
    expect(defended.totalBuckets as number).toBeGreaterThan(0)
    expect([...defended.expectations, ...undefended.expectations].filter((e) => !e.held)).toEqual([])
  })

  for (const scenario of [eclipse, eclipseUndefended]) {
    it(`${scenario.name} keeps the figures of its hand-written Sybils on seeds 1–3`, () => {
      const before = BEFORE[scenario.name as keyof typeof BEFORE]
      for (const seed of [1, 2, 3] as const) {
        const s = runScenario(scenario, { seed, ...scenario.defaults })
        expect([s.capturedBuckets, s.totalBuckets, s.sybilContacts, s.tableSize], `seed ${seed}`).toEqual(before[seed])
      }
    })
  }

  it("its Sybils are the library's: a sybil fault's honest Kademlia code, which colludes to lie to the victim when it asks", () => {
    const run = eclipseUndefended.build({ seed: 1, nodes: 60, untilMs: 10_000 })
    run.sim.run({ untilMs: 10_000 })
    const sybils = Array.from({ length: 50 }, (_, i) => `sybil${i}`)
    expect(sybils.every((s) => run.sim.isByzantine(s) && run.sim.actor(s)?.constructor === KademliaNode)).toBe(true)
    expect(run.sim.isByzantine('n5')).toBe(false)
    // Nothing honest has asked a Sybil anything yet: the victim's table was taken by their joins alone.
    expect(run.sim.adversaryCounts().collude).toBe(0)
    // The victim looks itself up: the Sybils it asks answer with the lie hook's Sybils, counted as lies.
    const victim = run.sim.actor<KademliaNode>('n5')!
    let done = false
    victim.lookup(victim.id, () => (done = true))
    run.sim.run({ untilMs: 15_000 })
    expect(done).toBe(true)
    expect(run.sim.adversaryCounts().collude).toBeGreaterThan(0)
  })

  /**
   * A violation's replay command is built from the run's own options, not from the violation's
   * schedule, which also holds the scenario's own workload (this sybil fault): replaying that would add
   * the workload twice, and the second sybil fault is refused ("adds node sybil0, which already exists").
   */
  it('a violation in a run whose own workload adds Sybils can be replayed from its report', () => {
    const sybilsForbidden: Scenario = {
      ...eclipse,
      build: (options) => {
        const sim = new Simulation({
          ...runSettings(options),
          faults: [...(options.faults ?? []), { at: 10, kind: 'sybil', count: 1 }],
          sybil: () => new KademliaNode({ bootstrap: ['n0'] }),
          invariants: [{ name: 'no Sybil', check: (view) => (view.addresses().length > 1 ? 'a Sybil joined' : undefined) }],
        })
        sim.addNode('n0', () => new KademliaNode({ bootstrap: [] }))
        return { sim, summarize: () => ({}) }
      },
      expectations: [],
      units: {},
    }
    const options = { seed: 1, nodes: 1, untilMs: 100 }
    const failed = runScenario(sybilsForbidden, options)
    expect(failed.violations.map((v) => v.invariant)).toEqual(['no Sybil'])
    // The schedule the replay command passes (a JSON array in single quotes, none when empty).
    const quoted = /--faults '([^']*)'/.exec(failed.violations[0]!.replay)?.[1]
    const replayed = runScenario(sybilsForbidden, { ...options, faults: quoted === undefined ? [] : parseFaultSchedule(quoted) })
    expect(replayed.violations.map((v) => v.invariant)).toEqual(['no Sybil'])
  })
})
