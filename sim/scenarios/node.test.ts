import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { node } from './node.ts'

describe('node scenario', () => {
  it('nodes meet by LAN and bootstrap, fill their tables, and a published record is found, under loss and reordering', () => {
    for (const seed of [1, 2, 3]) {
      const summary = runScenario(node, { seed, nodes: 30, untilMs: 30_000 })
      expect(summary.violations).toEqual([])
      expect(summary.recordFound).toBe(true)
      expect(summary.tableMin).toBeGreaterThanOrEqual(20)
      expect(summary.expectations.filter((e) => !e.held)).toEqual([])
    }
  })

  it('a node that crashes and restarts keeps its identity and is back in the tables; the run replays exactly', () => {
    const run = () =>
      runScenario(node, {
        seed: 7,
        nodes: 12,
        untilMs: 40_000,
        faults: [
          { at: 8_000, kind: 'crash', node: 'n5' },
          { at: 15_000, kind: 'restart', node: 'n5' },
        ],
      })
    const summary = run()
    expect(summary.violations).toEqual([])
    expect(summary.tableMin).toBe(11) // every node knows all eleven others, n5 included
    expect(summary.expectations.filter((e) => !e.held)).toEqual([])
    expect(run().traceHash).toBe(summary.traceHash)
  })
})
