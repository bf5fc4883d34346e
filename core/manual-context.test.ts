import { describe, expect, it } from 'vitest'
import { contextCompliance } from './context-compliance.suite.ts'
import { HASH_CHAIN } from './compute-hash-chain.ts'
import { job } from './compute.ts'
import { ManualContext } from './manual-context.ts'

const UNKNOWN = 'nobody'

contextCompliance('ManualContext', () => ({
  seeded: true,
  virtual: true,
  unknownAddress: UNKNOWN,
  async run(actor, ms) {
    const ctx = new ManualContext('probe', 1, (address) => address !== UNKNOWN)
    actor.start?.(ctx)
    ctx.drive(actor, ms)
    return { records: ctx.traces }
  },
}))

describe('ManualContext', () => {
  it('records compute requests, due after their cost, and lets the test complete them in any order', () => {
    const ctx = new ManualContext()
    ctx.advance(5)
    ctx.compute(job(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 10 }), 'first')
    ctx.compute(job(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 0 }), 'second')
    expect([...ctx.computations.values()].map((c) => [c.tag, c.at])).toEqual([
      ['first', 5.005],
      ['second', 5],
    ])
    const second = ctx.complete(2)
    expect(second).toEqual({ tag: 'second', outcome: { ok: true, value: new Uint8Array(32) } })
    expect(ctx.computations.size).toBe(1)
    expect(() => ctx.complete(2)).toThrow(RangeError)
  })

  it('records a send to self like any send, and by default reaches every address', () => {
    const ctx = new ManualContext('me')
    ctx.send('me', { n: 1 })
    ctx.send('anyone', { n: 2 })
    expect(ctx.sent).toEqual([
      { to: 'me', message: { n: 1 } },
      { to: 'anyone', message: { n: 2 } },
    ])
    expect(ctx.traces).toEqual([])
  })
})
