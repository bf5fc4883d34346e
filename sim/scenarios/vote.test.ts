import { describe, expect, it } from 'vitest'
import { checkScenario } from '../check.ts'
import type { FaultSchedule } from '../faults.ts'
import { runScenario } from '../scenario.ts'
import { maxFaulty, quorum, vote, voteForgetful, voteUnsafe } from './vote.ts'

const run = { seed: 1, nodes: 4, untilMs: 10_000 }
const AGREEMENT = 'honest voters agree'

describe('the vote scenarios', () => {
  it('need 2f + 1 of 3f + 1 votes, and any two quorums share f + 1 voters at every size', () => {
    expect([4, 7, 10].map((n) => [maxFaulty(n), quorum(n)])).toEqual([
      [1, 3],
      [2, 5],
      [3, 7],
    ])
    for (let n = 1; n <= 40; n++) expect(2 * quorum(n) - n).toBeGreaterThanOrEqual(maxFaulty(n) + 1)
  })

  it('decide every round without faults, flawed or not', () => {
    for (const scenario of [vote, voteUnsafe, voteForgetful]) {
      const summary = runScenario(scenario, run)
      expect(summary.violations).toEqual([])
      expect(summary).toMatchObject({ decidedRounds: 20, rounds: 20 })
    }
  })

  // v1 is twinned and its copy v1' goes deaf (a one-way partition cuts what the others send to it):
  // in round 1, which v1 leads, v1 proposes everyone it heard and v1' only itself, and both proposals
  // reach every voter.
  const deafTwin: FaultSchedule = [
    { at: 0, kind: 'twin', node: 'v1' },
    { at: 0, kind: 'partition', groups: [['v0', 'v1', 'v2', 'v3']], oneWay: true },
  ]

  it('a voter that votes for every proposal lets two values be decided in one round', () => {
    const summary = runScenario(voteUnsafe, { ...run, faults: deafTwin })
    expect(summary.violations.map((v) => v.invariant)).toEqual([AGREEMENT])
    const message = summary.violations[0]?.message
    expect(message).toMatch(/^round 1: /)
    for (const value of ['"v0,v1,v2,v3"', '"v1"']) expect(message).toContain(`decided ${value}`)
  })

  // v0 hears only v1' and votes its proposal, the others v1's; v2 then crashes after voting, restarts,
  // and finds itself with v1' and v0, which re-send v1''s proposal and their votes for it.
  const forgetting: FaultSchedule = [
    { at: 0, kind: 'twin', node: 'v1' },
    { at: 0, kind: 'partition', groups: [["v1'", 'v0']] },
    { at: 700, kind: 'crash', node: 'v2' },
    { at: 750, kind: 'restart', node: 'v2' },
    { at: 750, kind: 'partition', groups: [["v1'", 'v0', 'v2']] },
  ]

  it('a voter that forgets its vote when it restarts votes again, for the other value', () => {
    const summary = runScenario(voteForgetful, { ...run, faults: forgetting })
    expect(summary.violations.map((v) => v.invariant)).toEqual([AGREEMENT])
    const message = summary.violations[0]?.message
    expect(message).toMatch(/^round 1: /)
    for (const value of ['"v1,v2,v3"', '"v0,v1"']) expect(message).toContain(`decided ${value}`)
  })

  it('the correct voter keeps agreement under both schedules, and still decides the rounds the twin does not split', () => {
    for (const faults of [deafTwin, forgetting]) {
      const summary = runScenario(vote, { ...run, faults })
      expect(summary.violations).toEqual([])
      expect(summary.decidedRounds).toBeGreaterThanOrEqual(14)
    }
  })
})

describe('vain check on the vote scenarios (Twins)', () => {
  // A search seed pinned so that the test is fast; docs/simulator.md has the figures over many seeds.
  const options = { nodes: 4, untilMs: 10_000, runs: 60, checkSeed: 3 }

  it('finds the voter that votes twice and shrinks it to a twin and at most two more faults', () => {
    const report = checkScenario({ scenario: voteUnsafe, ...options })
    expect(report.ok).toBe(false)
    if (report.ok) return
    expect(report.summary.violations[0]?.invariant).toBe(AGREEMENT)
    expect(report.minimal.faults.length).toBeLessThanOrEqual(3)
    expect(report.minimal.faults.filter((f) => f.kind === 'twin')).toHaveLength(1)
    expect(report.replay).toContain('npx vain replay vote-unsafe')
  })

  it('passes the correct voter over the same runs', () => {
    expect(checkScenario({ scenario: vote, ...options })).toEqual({ ok: true, runs: 60 })
  })
})
