import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { faultScheduleArbitrary } from './check.ts'
import { runScenario } from './scenario.ts'
import { gossip } from './scenarios/gossip.ts'
import { scenarios } from './scenarios/index.ts'

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

describe('scenario expectations', () => {
  it('gossip holds its coverage on a healthy network, and not when the rumour source is partitioned off', () => {
    const healthy = runScenario(gossip, { seed: 1, nodes: 300, untilMs: 60_000 })
    expect(healthy.expectations).toEqual([{ name: 'coverage ≥ 99%', held: true, detail: '100% (300 of 300 nodes informed)' }])
    const cutOff = runScenario(gossip, { seed: 1, nodes: 300, untilMs: 60_000, faults: [{ at: 0, kind: 'partition', groups: [['n0']] }] })
    expect(cutOff.violations).toEqual([]) // no invariant is broken: nobody heard a wrong value
    expect(cutOff.expectations).toEqual([{ name: 'coverage ≥ 99%', held: false, detail: '0.333% (1 of 300 nodes informed)' }])
    expect(cutOff.faults).toEqual([{ at: 0, kind: 'partition', groups: [['n0']] }])
  })

  it('every scenario declares what it expects and a unit for each figure its summary adds', () => {
    const common: string[][] = []
    for (const scenario of scenarios.values()) {
      const summary = runScenario(scenario, { seed: 1, nodes: Math.max(scenario.minNodes, 6), untilMs: 3_000 })
      expect(scenario.expectations.length, scenario.name).toBeGreaterThan(0)
      expect(summary.expectations.map((e) => e.name)).toEqual(scenario.expectations.map((e) => e.name))
      const figures = Object.keys(scenario.units)
      for (const figure of figures) expect(summary, `${scenario.name}.${figure}`).toHaveProperty(figure)
      common.push(Object.keys(summary).filter((key) => !figures.includes(key)))
    }
    // What is left once each scenario's figures are taken out is the same for all: the common fields.
    for (const keys of common) expect(keys).toEqual(common[0])
    expect(common[0]).toEqual(expect.arrayContaining(['scenario', 'seed', 'nodes', 'events', 'virtualTimeMs', 'traceHash', 'violations', 'network', 'faults', 'expectations']))
  })
})
