import { Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context } from '../core/actor.ts'
import { checkScenario } from './check.ts'
import { parseEnvironment } from './environment.ts'
import { DISK_FAULT_KINDS, FAULT_KINDS, type FaultSchedule } from './faults.ts'
import { RELIABLE_NETWORK } from './network.ts'
import { runScenario, runSettings, type Scenario } from './scenario.ts'
import { Simulation } from './simulation.ts'
import { inMix, swarmArbitrary, type SwarmDraw } from './swarm.ts'

const draw = (seed: number): SwarmDraw => fc.sample(swarmArbitrary(FAULT_KINDS, 8), { seed, numRuns: 1 })[0]!

describe('swarm draws', () => {
  it('differ across seeds and are the same from one seed', () => {
    const draws = [1, 2, 3, 4, 5].map((seed) => JSON.stringify(draw(seed)))
    expect(new Set(draws).size).toBe(5)
    expect(JSON.stringify(draw(3))).toBe(draws[2])
  })

  it('are environments the --env parser takes back unchanged, and fault mixes of the eligible kinds (property)', () => {
    const eligible = FAULT_KINDS.filter((k) => !DISK_FAULT_KINDS.includes(k))
    fc.assert(
      fc.property(swarmArbitrary(eligible, 8), (swarm) => {
        expect(parseEnvironment(JSON.stringify(swarm.environment))).toEqual(swarm.environment)
        for (const kind of swarm.faultKinds) expect(eligible).toContain(kind)
      }),
    )
  })

  it('leave the kinds outside the drawn mix out of a schedule', () => {
    const faults: FaultSchedule = [
      { at: 1, kind: 'crash', node: 'a' },
      { at: 2, kind: 'heal' },
      { at: 3, kind: 'bad-sector', node: 'a' },
    ]
    expect(inMix(faults, { environment: {}, faultKinds: ['heal', 'bad-sector'], maxFaults: 8 }).map((f) => f.kind)).toEqual(['heal', 'bad-sector'])
  })
})

// A property that holds on a good network and fails on a lossy one: a client's pings are echoed, and
// at least 80% must come back (each needs two legs, so loss above ~10% breaks it).
const PINGS = 50
const Ping = Schema.Struct({ n: Schema.Number })
type Ping = typeof Ping.Type

class Client implements Actor<Ping> {
  readonly inbox = Ping
  readonly answered = new Set<number>()
  start(ctx: Context): void {
    for (let n = 0; n < PINGS; n++) ctx.send('server', { n })
  }
  receive(message: Ping): void {
    this.answered.add(message.n)
  }
}

const echo: Actor<Ping> = { inbox: Ping, receive: (m: Ping, from: Address, ctx: Context) => ctx.send(from, m) }

const pings: Scenario = {
  name: 'pings',
  description: 'a client pings a server; 80% must be answered',
  defaults: { nodes: 2, untilMs: 5_000 },
  minNodes: 2,
  bytesPerNode: 1024,
  faultTargets: () => ['server'],
  build(options) {
    const sim = new Simulation({
      ...runSettings(options),
      network: RELIABLE_NETWORK,
      invariants: [
        {
          name: 'most pings answered',
          when: 'end',
          check: (view) => {
            const answered = view.actor<Client>('client')?.answered.size ?? 0
            return answered >= 0.8 * PINGS ? undefined : `${answered} of ${PINGS} pings answered`
          },
        },
      ],
    })
    sim.addNode('client', () => new Client())
    sim.addNode('server', () => echo)
    return { sim, summarize: () => ({}) }
  },
  expectations: [],
  units: {},
}

describe('checkScenario with swarm testing', () => {
  const options = { scenario: pings, nodes: 2, untilMs: 5_000, runs: 50, checkSeed: 11, swarm: true, maxFaults: 0 }

  it('finds the lossy environment that breaks the property, shrinks it to a minimal one, and the replay reproduces it', () => {
    const report = checkScenario(options)
    expect(report.ok).toBe(false)
    if (report.ok) return
    const first = report.firstFailure.swarm!.environment
    const minimal = report.minimal.swarm!.environment
    // Shrunk towards a perfect network: what does not matter goes to 0 (duplication and reordering
    // draw from the links' random streams, so they shrink only where the failure survives the new draws).
    expect(minimal.loss!).toBeLessThanOrEqual(first.loss!)
    expect(minimal.loss!).toBeGreaterThan(0.03)
    expect(minimal).toMatchObject({ reorderDelayMs: 0, syncCostMs: 0 })
    expect(report.minimal.faults).toEqual([])
    expect(report.replay).toContain(`--env '${JSON.stringify(minimal)}'`)
    const again = runScenario(pings, { seed: report.minimal.seed, nodes: 2, untilMs: 5_000, faults: [], environment: minimal })
    expect(again.traceHash).toBe(report.summary.traceHash)
    expect(again.violations.map((v) => v.invariant)).toEqual(['most pings answered'])
    expect(report.summary.environment).toEqual(minimal)
  })

  it('without swarm, the same property holds on the scenario network', () => {
    expect(checkScenario({ ...options, swarm: false })).toEqual({ ok: true, runs: 50 })
  })

  it('searches the same environments from one search seed', () => {
    const [a, b] = [checkScenario(options), checkScenario(options)]
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
  })
})
