import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkScenario, faultScheduleArbitrary } from './check.ts'
import { parseFaultSchedule } from './faults.ts'
import { runScenario } from './scenario.ts'
import { replication, replicationUnsafe } from './scenarios/replication.ts'

describe('fault schedules', () => {
  it('are sorted, name only the given nodes, and survive a JSON round trip through the parser', () => {
    fc.assert(
      fc.property(faultScheduleArbitrary({ nodes: ['a', 'b', 'c'], horizonMs: 1000 }), (faults) => {
        expect(faults.map((f) => f.at)).toEqual([...faults.map((f) => f.at)].sort((x, y) => x - y))
        expect(parseFaultSchedule(JSON.stringify(faults))).toEqual(faults)
      }),
    )
  })

  it('refuses malformed schedules with a clear error', () => {
    expect(() => parseFaultSchedule('[{"at": -1, "kind": "crash", "node": "a"}]')).toThrow(/^fault 1 of 1 \(crash\): "at" must be/)
    expect(() => parseFaultSchedule('[{"at": 1, "kind": "explode"}]')).toThrow(/^fault 1 of 1 has an unknown kind "explode"/)
    expect(() => parseFaultSchedule('not json')).toThrow(/not valid JSON/)
  })
})

describe('checkScenario', () => {
  const options = { nodes: 3, untilMs: 10_000, runs: 60, checkSeed: 2024 }

  it('finds the planted bug, shrinks it to a smaller schedule, and the replay reproduces it', () => {
    const report = checkScenario({ scenario: replicationUnsafe, ...options })
    expect(report.ok).toBe(false)
    if (report.ok) return
    expect(report.minimal.faults.length).toBeLessThan(report.firstFailure.faults.length)
    expect(report.summary.violations[0]?.invariant).toBe('acknowledged writes are durable on a majority')
    expect(report.replay).toContain('npx vain replay replication-unsafe')
    expect(report.replay).toContain(`--seed ${report.minimal.seed}`)
    // Replaying the minimal run gives the same trace and the same violation.
    const again = runScenario(replicationUnsafe, { seed: report.minimal.seed, nodes: 3, untilMs: 10_000, faults: report.minimal.faults })
    expect(again.traceHash).toBe(report.summary.traceHash)
    expect(again.violations).toHaveLength(1)
  })

  it('passes the correct protocol under the same faults', () => {
    expect(checkScenario({ scenario: replication, ...options })).toEqual({ ok: true, runs: 60 })
  })
})
