import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Misbehaviour } from '../core/transport.ts'
import { ReportAggregator } from './report-aggregator.ts'

const event = (source: string): Misbehaviour => ({ identity: undefined, remoteAddress: source, reason: 'rate-limited', detail: 'over the rate' })
const counted = (detail: string) => [...detail.matchAll(/(\d+) (?:more from|reports from other)/g)].reduce((sum, m) => sum + Number(m[1]), 0)

describe('ReportAggregator', () => {
  it('reports the first event of a source at once and carries the count of the rest on its next report', () => {
    let now = 0
    const out: Misbehaviour[] = []
    const reports = new ReportAggregator((e) => out.push(e), () => now, { intervalMs: 1_000 })
    for (let i = 0; i < 500; i++) reports.report('10.0.0.1', event('10.0.0.1'))
    expect(out).toHaveLength(1)
    now = 1_000
    reports.report('10.0.0.1', event('10.0.0.1'))
    expect(out).toHaveLength(2)
    expect(out[1]!.detail).toContain('499 more from 10.0.0.1')
  })

  it('whatever the flood: within the global budget, never overcounting, and (while its window is remembered) one report per source per interval', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.tuple(fc.nat(9), fc.nat(700)), { maxLength: 400 }), (maxSources, events) => {
        let now = 0
        const out: { at: number; event: Misbehaviour }[] = []
        const reports = new ReportAggregator((e) => out.push({ at: now, event: e }), () => now, { intervalMs: 1_000, maxSources, reportsPerSecond: 2, burst: 3 })
        for (const [source, dt] of events) {
          now += dt
          reports.report(`s${source}`, event(`s${source}`))
        }
        expect(out.length).toBeLessThanOrEqual(3 + (2 * now) / 1_000)
        expect(out.length + out.reduce((sum, o) => sum + counted(o.event.detail), 0)).toBeLessThanOrEqual(events.length)
        if (events.length > 0) expect(out.length).toBeGreaterThanOrEqual(1)
        if (maxSources < 10) return // an evicted source may be reported once more: the budget above still holds
        const last = new Map<string, number>()
        for (const { at, event: e } of out) {
          const before = last.get(e.remoteAddress)
          if (before !== undefined) expect(at - before).toBeGreaterThanOrEqual(1_000)
          last.set(e.remoteAddress, at)
        }
      }),
    )
  })
})
