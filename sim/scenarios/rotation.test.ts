import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { rotation } from './rotation.ts'

describe('rotation scenario (three years of virtual time)', () => {
  const run = (seed: number) => runScenario(rotation, { seed, nodes: 6, untilMs: rotation.defaults.untilMs })

  it('rotates every 90 days, refuses the stolen key after its grace window, and replays byte for byte', () => {
    const summary = run(3)
    expect(summary.violations).toEqual([])
    expect(summary.epochs).toEqual([12, 12, 12, 12, 12, 12]) // 3 × 365 days / 90
    const stolen = summary.stolen as Record<string, number>
    expect(stolen.acceptedAfterGrace).toBe(0)
    expect(stolen.acceptedInGrace).toBeGreaterThan(0)
    expect(stolen.rejected).toBeGreaterThan(0)
    expect((summary.rejected as Record<string, number>).misdirected).toBeGreaterThan(0)
    expect(run(3).traceHash).toBe(summary.traceHash)
    expect(summary.expectations.filter((e) => !e.held)).toEqual([])
  })

  it('keeps identities and accepts honest envelopes across crashes and restarts', () => {
    const DAY = 24 * 3600_000
    const summary = runScenario(rotation, {
      seed: 4,
      nodes: 4,
      untilMs: 400 * DAY,
      faults: [
        { at: 100 * DAY, kind: 'crash', node: 'n1' },
        { at: 101 * DAY, kind: 'restart', node: 'n1' },
        { at: 200 * DAY, kind: 'crash', node: 'n0', torn: true },
        { at: 230 * DAY, kind: 'restart', node: 'n0' },
      ],
    })
    expect(summary.violations).toEqual([])
    expect(summary.epochs).toEqual([4, 4, 4, 4])
    expect(summary.expectations.filter((e) => !e.held)).toEqual([])
  })
})
