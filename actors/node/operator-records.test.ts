import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ManualContext } from '../../core/manual-context.ts'
import type { IdentityStack } from '../identity/identity-stack.ts'
import type { KademliaNode } from '../peer/kademlia.ts'
import type { DhtRecord } from '../peer/record.ts'
import { DEFAULT_RETRY_MS, DEFAULT_SEARCH_REPORT_MS, OperatorRecords, type Search } from './operator-records.ts'

const search: Search = { publisher: new Uint8Array(32).fill(9), name: 'greeting' }

/** OperatorRecords searching through a DHT whose lookups the test answers (`answer`), under a ManualContext. */
function searching() {
  const ctx = new ManualContext()
  const waiting: ((record: DhtRecord | undefined) => void)[] = []
  const kad = { get: (_key: unknown, done: (record: DhtRecord | undefined) => void) => void waiting.push(done) } as unknown as KademliaNode
  const records = new OperatorRecords({ find: [search] }, { kad, identity: {} as IdentityStack })
  records.start(ctx)
  const reports = () => ctx.traces.filter((t) => t.type === 'record-searching')
  // Moves the clock by `ms`, firing the timers that fall due, after answering the lookups under way.
  const run = (ms: number, found?: DhtRecord) => {
    for (const until = ctx.now() + ms; ctx.now() < until; ) {
      for (const done of waiting.splice(0)) done(found)
      ctx.advance(Math.min(DEFAULT_RETRY_MS, until - ctx.now()))
      for (const [id, timer] of [...ctx.timers]) {
        if (timer.at > ctx.now()) continue
        ctx.timers.delete(id)
        records.timer(timer.tag)
      }
    }
  }
  return { records, reports, run }
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
