import { describe, expect, it } from 'vitest'
import { runScenario } from '../scenario.ts'
import { eclipse, eclipseUndefended } from './eclipse.ts'

describe('eclipse scenario', () => {
  it('diversity limits keep the Sybils to a few contacts and fewer captured buckets than the plain paper', () => {
    const options = { seed: 3, nodes: 120, untilMs: 20_000 }
    const defended = runScenario(eclipse, options)
    const undefended = runScenario(eclipseUndefended, options)
    expect(defended.violations).toEqual([])
    expect(defended.sybilContacts as number).toBeLessThanOrEqual(4) // twice maxPerGroup, table-wide
    expect(undefended.sybilContacts as number).toBeGreaterThan(10)
    expect(defended.capturedBuckets as number).toBeLessThan(undefended.capturedBuckets as number)
    expect(defended.totalBuckets as number).toBeGreaterThan(0)
    expect([...defended.expectations, ...undefended.expectations].filter((e) => !e.held)).toEqual([])
  })
})
