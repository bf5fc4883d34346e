import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { churn } from './churn.ts'

describe('churn scenario', () => {
  it('keeps records retrievable while 20% of the nodes are replaced', () => {
    for (const seed of [1, 2]) {
      const summary = runScenario(churn, { seed, nodes: 120, untilMs: churn.defaults.untilMs })
      expect(summary.violations).toEqual([])
      expect(summary.replaced).toBe(24)
      expect(summary.reads).toBe((summary.records as number) * 4)
      expect(summary.recordSuccess as number).toBeGreaterThanOrEqual(0.99)
      expect(summary.expectations.filter((e) => !e.held)).toEqual([])
    }
  })
})
