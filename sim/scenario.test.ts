import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { faultScheduleArbitrary } from './check.ts'
import { runScenario } from './scenario.ts'
import { gossip } from './scenarios/gossip.ts'

describe('scenario runs', () => {
  it('are a pure function of (seed, nodes, schedule): same inputs, same trace hash', () => {
    const nodes = 12
    fc.assert(
      fc.property(fc.nat(), faultScheduleArbitrary({ nodes: gossip.faultTargets(nodes), horizonMs: 2000 }), (seed, faults) => {
        const once = runScenario(gossip, { seed, nodes, untilMs: 5000, faults })
        const twice = runScenario(gossip, { seed, nodes, untilMs: 5000, faults })
        expect(twice.traceHash).toBe(once.traceHash)
        expect(twice).toEqual(once)
      }),
      { numRuns: 30 },
    )
  })

  it('trace the same in bytes and frozen isolation when every message is valid', () => {
    const bytes = runScenario(gossip, { seed: 4, nodes: 200, untilMs: 10_000 })
    const frozen = runScenario(gossip, { seed: 4, nodes: 200, untilMs: 10_000, isolation: 'frozen' })
    expect(frozen.traceHash).toBe(bytes.traceHash)
    expect(frozen.network.bytesDelivered).toBe(bytes.network.bytesDelivered)
  })

  it('spread the gossip to every node on a healthy network and report when', () => {
    const summary = runScenario(gossip, { seed: 1, nodes: 300, untilMs: 60_000 })
    expect(summary).toMatchObject({ informed: 300, coverage: 1, violations: [] })
    expect(summary.msTo50 as number).toBeLessThanOrEqual(summary.msToAll as number)
  })
})
