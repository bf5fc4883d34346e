import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fakeTimersRun, typedHeapRun } from './sim-throughput-peers.ts'
import { simThroughput } from './sim-throughput.ts'

describe('sim-throughput peers', () => {
  it('deliver a ping and a pong per node and round, whatever the size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 6 }), (nodes, rounds) => {
        expect(typedHeapRun(nodes, rounds).deliveries).toBe(2 * nodes * rounds)
        expect(fakeTimersRun(nodes, rounds).deliveries).toBe(2 * nodes * rounds)
      }),
      { numRuns: 40 },
    )
  })

  it('run beside the simulator in the benchmark, every row agreeing on the deliveries', async () => {
    const lines: string[] = []
    const report = await simThroughput.run({ quick: true, log: (line) => lines.push(line) })
    expect(report.results.map((r) => [r.nodes, r.mode])).toEqual([
      [1_000, 'frozen'],
      [1_000, 'bytes'],
      [10_000, 'frozen'],
      [10_000, 'bytes'],
    ])
    for (const row of report.results) {
      expect(row.deliveries % (2 * row.nodes)).toBe(0)
      for (const rate of [row.deliveriesPerSec, row.typedHeapPerSec, row.fakeTimersPerSec]) expect(rate).toBeGreaterThan(0)
    }
    expect(report.table).toMatch(/typed heap\/s.*fake-timers\/s/)
    expect(lines).toHaveLength(report.results.length)
  })
})
