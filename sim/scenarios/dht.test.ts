import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { dht } from './dht.ts'

describe('dht scenario', () => {
  it('finds nearly every node, in no more hops than log2(N), and replays byte for byte', () => {
    const options = { seed: 11, nodes: 300, untilMs: dht.defaults.untilMs }
    const summary = runScenario(dht, options)
    expect(summary.violations).toEqual([])
    expect(summary.lookups).toBe(300)
    expect(summary.lookupSuccess).toBeGreaterThanOrEqual(0.98)
    expect(summary.hopsMean as number).toBeLessThanOrEqual(Math.ceil(Math.log2(300)))
    expect(summary.messagesPerLookup as number).toBeGreaterThan(0)
    expect(runScenario(dht, options).traceHash).toBe(summary.traceHash)
  })
})
