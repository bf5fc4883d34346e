import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Actor, Context } from '../core/actor.ts'
import { HASH_CHAIN, HASH_CHAIN_MS_PER_ROUND } from '../core/compute-hash-chain.ts'
import { job, type ComputeOutcome } from '../core/compute.ts'
import type { TraceFields } from '../core/actor.ts'
import { Composite } from '../core/composite.ts'
import { asComponent, contextCompliance } from '../core/context-compliance.suite.ts'
import { DEFAULT_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'
import type { TraceEvent } from './trace.ts'

/** The simulator's trace, as the suite reads records: user events as given, unknown-address drops as send-dropped. */
function asRecord(event: TraceEvent): TraceFields | undefined {
  if (event.kind === 'user') {
    const { t: _t, kind: _kind, node: _node, ...fields } = event
    return fields
  }
  if (event.kind === 'drop' && event.reason === 'unknown-address') return { event: 'send-dropped', reason: 'unknown-address' }
  return undefined
}

/** Runs the suite's actor alone, or as the one component of a composite (the scoped context must behave alike). */
const simulated = (component: boolean) => () => ({
  seeded: true,
  virtual: true,
  unknownAddress: 'nobody',
  async run(actor: Actor<any>, ms: number) {
    const records: TraceFields[] = []
    // The default network loses, duplicates and reorders: none of it may touch what a node sends itself.
    const sim = new Simulation({ seed: 1, network: DEFAULT_NETWORK, onTrace: (event) => void records.push(...[asRecord(event)].filter((r) => r !== undefined)) })
    sim.addNode('probe', () => (component ? new Composite([asComponent(actor)]) : actor))
    const result = sim.run({ untilMs: ms })
    expect(result.violations).toEqual([])
    return { records }
  },
})

contextCompliance('Simulation', simulated(false))
contextCompliance('Simulation, a component of a Composite', simulated(true))

const Empty = Schema.Struct({})

/** Asks for a hash chain at boot, recording the outcomes it gets. */
class Prover implements Actor {
  readonly inbox = Empty
  readonly outcomes: { at: number; outcome: ComputeOutcome }[] = []
  start(ctx: Context): void {
    ctx.compute(job(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 200_000 }), 'chain') // 100 virtual ms
  }
  receive(): void {}
  computed(_tag: unknown, outcome: ComputeOutcome, ctx: Context): void {
    this.outcomes.push({ at: ctx.now(), outcome })
  }
}

describe('Simulation compute', () => {
  it('costs modelled virtual time, is part of the trace, and a crash loses the computation under way', () => {
    const run = (crashAt?: number) => {
      const provers: Prover[] = []
      const events: TraceEvent[] = []
      const faults = crashAt === undefined ? [] : [{ at: crashAt, kind: 'crash' as const, node: 'p' }, { at: crashAt + 20, kind: 'restart' as const, node: 'p' }]
      const sim = new Simulation({ seed: 3, faults, onTrace: (e) => void ((e.kind === 'compute' || e.kind === 'computed') && events.push(e)) })
      sim.addNode('p', () => {
        const prover = new Prover()
        provers.push(prover)
        return prover
      })
      return { result: sim.run(), provers, events }
    }
    const cost = 200_000 * HASH_CHAIN_MS_PER_ROUND
    const plain = run()
    expect(plain.provers[0]!.outcomes.map((o) => [o.at, o.outcome.ok])).toEqual([[cost, true]])
    expect(plain.events.map((e) => [e.kind, e.t])).toEqual([
      ['compute', 0],
      ['computed', cost],
    ])
    expect(run().result.traceHash).toBe(plain.result.traceHash)

    // Crashed at 40 ms, restarted at 60: the first incarnation's result never arrives; the new one asks again.
    const crashed = run(40)
    expect(crashed.provers.map((p) => p.outcomes.map((o) => o.at))).toEqual([[], [60 + cost]])
    expect(crashed.result.traceHash).not.toBe(plain.result.traceHash)
  })
})
