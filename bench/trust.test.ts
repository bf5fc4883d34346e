import { describe, expect, it } from 'vitest'
import { benchNamed } from './index.ts'
import type { TrustBenchRow } from './trust.ts'

describe('vain bench trust --quick', () => {
  it(
    'runs both implementations on the same graph, to the same trust vector, and reports their ratio',
    async () => {
      const report = await benchNamed('trust').run({ quick: true, log: () => {} })
      const rows = report.results as readonly TrustBenchRow[]
      const runs = rows.filter((r) => r.kind === 'run')
      expect(runs.map((r) => r.impl)).toEqual(['sparse', 'naive'])
      for (const r of runs) expect(r).toMatchObject({ nodes: 10_000, iterations: 50 })
      // Duplicate random edges merge: a little under the 100,000 drawn.
      expect(runs[0]?.edges).toBeGreaterThan(99_000)
      expect(runs[1]?.edges).toBe(runs[0]?.edges)
      expect(runs[1]?.maxDiff).toBeLessThan(1e-12)
      // Offsets, targets, weights and two vectors: 4·10,001 + 12·edges + 16·10,000 bytes.
      expect(runs[0]?.arrayMiB).toBeCloseTo((4 * 10_001 + 12 * (runs[0]?.edges ?? 0) + 16 * 10_000) / 2 ** 20, 1)
      expect(rows.find((r) => r.kind === 'ratio')).toMatchObject({ targetSeconds: 2, targetMB: 200 })
      expect(report.table).toContain('naive / sparse')
    },
    60_000,
  )
})
