import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { replication } from '../scenarios/replication.ts'
import type { Behaviour } from './behaviours.ts'

/**
 * The honest replicas of the safe replicated store survive one Byzantine backup of each kind that
 * needs no protocol lie: its invariant (an acknowledged write is durable on a majority) holds, and every
 * write is still acknowledged, while the behaviour demonstrably acted. (The lies, `equivocate` and
 * `collude` are shown on protocols that have lies: the voter and the eclipse scenarios.)
 */
const BEHAVIOURS: readonly Behaviour[] = [
  { kind: 'silent' },
  { kind: 'delay', ms: 400 },
  { kind: 'drop-some', rate: 0.5 },
  { kind: 'duplicate', copies: 3 },
  { kind: 'replay' },
  { kind: 'garbage' },
]

describe('honest replicas survive a Byzantine backup', () => {
  for (const behaviour of BEHAVIOURS) {
    it(`${behaviour.kind}`, () => {
      for (const seed of [1, 2, 3]) {
        const summary = runScenario(replication, { seed, nodes: 3, untilMs: 10_000, faults: [{ at: 0, kind: 'byzantine', node: 'r1', behaviour }] })
        expect(summary.violations).toEqual([])
        expect(summary.expectations.every((e) => e.held)).toBe(true)
        expect(summary.adversary?.[behaviour.kind]).toBeGreaterThan(0)
      }
    })
  }

  it('and a primary that garbles half its frames loses no acknowledged write', () => {
    const summary = runScenario(replication, { seed: 1, nodes: 3, untilMs: 10_000, faults: [{ at: 0, kind: 'byzantine', node: 'r0', behaviour: { kind: 'garbage', rate: 0.5 } }] })
    expect(summary.violations).toEqual([])
    expect(summary.network.rejected).toBeGreaterThan(0)
  })
})
