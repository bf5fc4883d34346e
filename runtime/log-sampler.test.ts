import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LogSampler, type LogRecord } from './log-sampler.ts'

const sampling = { perInterval: 5, intervalMs: 1_000 }

describe('LogSampler', () => {
  it('writes a flood of one kind as perInterval records and one summary per interval', () => {
    let now = 0
    const out: LogRecord[] = []
    const sampler = new LogSampler((r) => out.push(r), () => now, sampling)
    for (let i = 0; i < 19_000; i++) sampler.log({ event: 'rejected', reason: 'malformed', from: 'x' })
    sampler.log({ event: 'link-up', peer: 'p' }) // another kind is not crowded out
    expect(out.length).toBe(6)
    now = 1_000
    sampler.flush()
    expect(out.at(-1)).toEqual({ event: 'suppressed', intervalMs: 1_000, counts: { 'rejected:malformed': 18_995 } })
    sampler.log({ event: 'rejected', reason: 'malformed', from: 'x' })
    expect(out.length).toBe(8) // a fresh interval writes again
    sampler.flush(true)
    expect(out.length).toBe(8) // nothing suppressed: no summary
  })

  it('keys kinds by event and type or reason', () => {
    const out: LogRecord[] = []
    const sampler = new LogSampler((r) => out.push(r), () => 0, { perInterval: 1, intervalMs: 1_000 })
    for (const r of [{ event: 'trace', type: 'a' }, { event: 'trace', type: 'b' }, { event: 'drop', reason: 'no-link' }, { event: 'drop', reason: 'closed' }, { event: 'drop' }]) {
      sampler.log(r)
      sampler.log(r)
    }
    expect(out.length).toBe(5)
  })

  it('never writes more than perInterval of a kind in an interval, and accounts for every record', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('rejected', 'drop', 'misbehaviour', 'dial-failed'), fc.nat(400)), { maxLength: 500 }), (inputs) => {
        let now = 0
        const out: { record: LogRecord; at: number }[] = []
        const sampler = new LogSampler((record) => out.push({ record, at: now }), () => now, sampling)
        for (const [event, advance] of inputs) {
          now += advance
          sampler.log({ event })
        }
        sampler.flush(true)
        const written = out.filter((o) => o.record.event !== 'suppressed')
        const suppressed = out.filter((o) => o.record.event === 'suppressed').reduce((sum, o) => sum + Object.values(o.record.counts as Record<string, number>).reduce((a, b) => a + b, 0), 0)
        expect(written.length + suppressed).toBe(inputs.length)
        // Intervals last at least intervalMs, so any span of intervalMs meets at most two of them:
        // no kind is written more than 2 × perInterval times in it.
        const most = 2 * sampling.perInterval
        for (const kind of ['rejected', 'drop', 'misbehaviour', 'dial-failed']) {
          const times = written.filter((o) => o.record.event === kind).map((o) => o.at)
          for (let i = 0; i + most < times.length; i++) expect(times[i + most]! - times[i]!).toBeGreaterThanOrEqual(sampling.intervalMs)
        }
      }),
    )
  })
})
