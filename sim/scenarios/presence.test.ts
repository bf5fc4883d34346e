import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { presence } from './presence.ts'

describe('presence scenario', () => {
  it('every node comes to see every other through one bootstrap node, under loss and reordering', () => {
    for (const seed of [1, 2, 3]) {
      const summary = runScenario(presence, { seed, nodes: 12, untilMs: 20_000 })
      expect(summary.violations).toEqual([])
      expect(summary.pairsSeen).toBe(12 * 11)
    }
  })

  it('a node that crashes and restarts keeps its identity and is seen again', () => {
    const summary = runScenario(presence, {
      seed: 7,
      nodes: 8,
      untilMs: 30_000,
      faults: [
        { at: 8_000, kind: 'crash', node: 'n3' },
        { at: 15_000, kind: 'restart', node: 'n3' },
      ],
    })
    expect(summary.violations).toEqual([])
    expect(summary.pairsSeen).toBe(8 * 7)
    expect(runScenario(presence, { seed: 7, nodes: 8, untilMs: 30_000, faults: [{ at: 8_000, kind: 'crash', node: 'n3' }, { at: 15_000, kind: 'restart', node: 'n3' }] }).traceHash).toBe(summary.traceHash)
  })
})
