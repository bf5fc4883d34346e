import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ManualContext } from '../../core/manual-context.ts'
import type { IdentityStack } from '../identity/identity-stack.ts'
import type { KademliaNode } from '../peer/kademlia.ts'
import type { DhtRecord } from '../peer/record.ts'
import { DEFAULT_RETRY_MS, DEFAULT_SEARCH_REPORT_MS, OperatorRecords, type Publication, type Search } from './operator-records.ts'

const search: Search = { publisher: new Uint8Array(32).fill(9), name: 'greeting' }

/** Fires the timers of `ctx` that fall due as the clock moves by `ms`, a retry at a time, after `settle`. */
function runTimers(ctx: ManualContext, records: OperatorRecords, ms: number, settle: () => void): void {
  for (const until = ctx.now() + ms; ctx.now() < until; ) {
    settle()
    ctx.advance(Math.min(DEFAULT_RETRY_MS, until - ctx.now()))
    for (const [id, timer] of [...ctx.timers]) {
      if (timer.at > ctx.now()) continue
      ctx.timers.delete(id)
      records.timer(timer.tag)
    }
  }
}

/** OperatorRecords searching through a DHT whose lookups the test answers (`answer`), under a ManualContext. */
function searching() {
  const ctx = new ManualContext()
  const waiting: ((record: DhtRecord | undefined) => void)[] = []
  const kad = { get: (_key: unknown, done: (record: DhtRecord | undefined) => void) => void waiting.push(done) } as unknown as KademliaNode
  const records = new OperatorRecords({ find: [search] }, { kad, identity: {} as IdentityStack })
  records.start(ctx)
  const reports = () => ctx.traces.filter((t) => t.type === 'record-searching')
  // Moves the clock by `ms`, firing the timers that fall due, after answering the lookups under way.
  const run = (ms: number, found?: DhtRecord) => runTimers(ctx, records, ms, () => waiting.splice(0).forEach((done) => done(found)))
  return { records, reports, run }
}

const publication: Publication = { name: 'greeting', value: new TextEncoder().encode('hello') }

/** OperatorRecords publishing through a DHT whose stores the test answers with a number of holders. */
function publishing() {
  const ctx = new ManualContext()
  const waiting: ((holders: number) => void)[] = []
  const kad = { publish: (_record: DhtRecord, done: (holders: number) => void) => void waiting.push(done) } as unknown as KademliaNode
  const identity = { root: new Uint8Array(32).fill(7), signWithRoot: () => new Uint8Array(64) } as unknown as IdentityStack
  const records = new OperatorRecords({ publish: [publication] }, { kad, identity })
  records.start(ctx)
  const traces = (type: string) => ctx.traces.filter((t) => t.type === type)
  const run = (ms: number, holders: number) => runTimers(ctx, records, ms, () => waiting.splice(0).forEach((done) => done(holders)))
  return { traces, run }
}

describe('OperatorRecords: a pending --find', () => {
  it('says it is searching when it starts, then every DEFAULT_SEARCH_REPORT_MS, not at every retry', () => {
    const { reports, run } = searching()
    expect(reports()).toEqual([{ type: 'record-searching', publisher: toHex(search.publisher), name: 'greeting', forMs: 0, lookups: 0 }])
    run(4 * DEFAULT_SEARCH_REPORT_MS)
    const retries = (4 * DEFAULT_SEARCH_REPORT_MS) / DEFAULT_RETRY_MS
    expect(reports()).toHaveLength(5)
    expect(reports().map((r) => r.forMs)).toEqual([0, 1, 2, 3, 4].map((i) => i * DEFAULT_SEARCH_REPORT_MS))
    // One lookup per retry, each answered (not found) before the next.
    expect(reports().at(-1)!.lookups).toBe(retries)
  })

  it('stops saying so once the record is found', () => {
    const { records, reports, run } = searching()
    run(DEFAULT_SEARCH_REPORT_MS)
    const before = reports().length
    run(DEFAULT_RETRY_MS * 2, { value: new TextEncoder().encode('hello'), seq: 1 } as DhtRecord)
    expect(records.found.size).toBe(1)
    run(3 * DEFAULT_SEARCH_REPORT_MS)
    expect(reports()).toHaveLength(before)
  })
})

describe('OperatorRecords: a publication no holder takes (a node alone)', () => {
  it('says so when it first fails, then every DEFAULT_SEARCH_REPORT_MS with how long and how many attempts, not at every retry', () => {
    const { traces, run } = publishing()
    // The first attempt is at the first retry, and each is answered at the next step of the clock.
    run(4 * DEFAULT_SEARCH_REPORT_MS + 2 * DEFAULT_RETRY_MS, 0)
    const reports = traces('record-unplaced')
    expect(reports).toHaveLength(5)
    expect(reports.map((r) => r.forMs)).toEqual([0, 1, 2, 3, 4].map((i) => i * DEFAULT_SEARCH_REPORT_MS))
    // One attempt per retry: the first at the first retry, each failing before the next.
    expect(reports.map((r) => r.attempts)).toEqual([0, 1, 2, 3, 4].map((i) => 1 + (i * DEFAULT_SEARCH_REPORT_MS) / DEFAULT_RETRY_MS))
    expect(reports[0]).toMatchObject({ name: 'greeting', holders: 0, seq: expect.any(Number) })
    expect(traces('record-published')).toEqual([])
  })

  it('reports the placement under seq, the record field, and stops reporting it unplaced', () => {
    const { traces, run } = publishing()
    run(3 * DEFAULT_RETRY_MS, 0)
    run(DEFAULT_RETRY_MS, 2)
    const [published] = traces('record-published')
    expect(published).toMatchObject({ name: 'greeting', holders: 2, seq: expect.any(Number) })
    expect(published).not.toHaveProperty('version')
    expect(traces('record-unplaced')).toHaveLength(1)
  })
})
