import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.ts'
import { Committee } from './committee.ts'
import { testCommittee } from './consensus.fixtures.ts'
import { RoundTally } from './tally.ts'

const weights = fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 })

describe('the weighted committee', () => {
  it('a quorum is more than two thirds of the weight, a blocking set more than one third', () => {
    const c = new Committee(testCommittee([1, 1, 1, 1]))
    expect([2, 3, 4].map((w) => c.isQuorum(w))).toEqual([false, true, true])
    expect([1, 2].map((w) => c.isBlocking(w))).toEqual([false, true])
    // One heavy member: 5 of 9 is no quorum alone (5·3 = 15 ≤ 18), 7 of 9 is.
    const heavy = new Committee(testCommittee([5, 1, 1, 1, 1]))
    expect([heavy.isQuorum(5), heavy.isQuorum(6), heavy.isQuorum(7)]).toEqual([false, false, true])
  })

  it('any two quorums overlap in more than a third of the weight (the safety argument, checked)', () => {
    fc.assert(
      fc.property(weights, fc.infiniteStream(fc.boolean()), fc.infiniteStream(fc.boolean()), (ws, a, b) => {
        const c = new Committee(testCommittee(ws))
        const inA = ws.map(() => a.next().value)
        const inB = ws.map(() => b.next().value)
        const weightOf = (pick: (i: number) => boolean) => ws.reduce((sum, w, i) => sum + (pick(i) ? w : 0), 0)
        if (!c.isQuorum(weightOf((i) => inA[i]!)) || !c.isQuorum(weightOf((i) => inB[i]!))) return
        expect(c.isBlocking(weightOf((i) => inA[i]! && inB[i]!))).toBe(true)
      }),
    )
  })

  it('leads in proportion to weight: over T consecutive slots each member leads its weight in slots', () => {
    fc.assert(
      fc.property(weights, fc.nat(1000), (ws, start) => {
        const c = new Committee(testCommittee(ws))
        const led = new Array<number>(ws.length).fill(0)
        for (let slot = start; slot < start + c.total; slot++) led[c.proposer(slot, 0)]!++
        expect(led).toEqual(ws)
        // A failed round hands the lead on: round r+1 of a height is round r of the next height.
        expect(c.proposer(start, 1)).toBe(c.proposer(start + 1, 0))
      }),
    )
  })

  it('refuses a committee it cannot count', () => {
    expect(() => new Committee([])).toThrow(ConfigError)
    expect(() => new Committee(testCommittee([1, 0]))).toThrow(/weight is a whole number/)
    expect(() => new Committee(testCommittee([1, 1.5]))).toThrow(/weight is a whole number/)
    const twice = testCommittee([1, 1])
    expect(() => new Committee([twice[0]!, { ...twice[1]!, address: 'n0' }])).toThrow(/listed twice/)
    expect(() => new Committee([twice[0]!, { ...twice[1]!, publicKey: twice[0]!.publicKey }])).toThrow(/shares its key/)
  })

  it('the planted half-quorum bug counts half the weight as a quorum', () => {
    const c = new Committee(testCommittee([1, 1, 1, 1]), 'half-quorum')
    expect(c.isQuorum(2)).toBe(true)
  })
})

describe('a round tally', () => {
  const c = new Committee(testCommittee([3, 1, 1, 1]))
  const x = new Uint8Array(32).fill(7)
  const y = new Uint8Array(32).fill(8)
  const sig = new Uint8Array(64)

  it('counts each member once per value, by weight, and reports a second, different vote as a conflict', () => {
    const t = new RoundTally(c)
    expect(t.add(0, x, sig)).toBe('counted')
    expect(t.add(0, x, sig)).toBe('repeat')
    // Equivocation: counted for both values (a quorum is a set of signatures), reported, bounded.
    expect(t.add(0, y, sig)).toBe('conflict')
    expect(t.add(0, new Uint8Array(32).fill(9), sig)).toBe('dropped')
    expect(t.add(1, null, sig)).toBe('counted')
    expect(t.weight('07'.repeat(32))).toBe(3)
    expect(t.weight('08'.repeat(32))).toBe(3)
    expect(t.weight('09'.repeat(32))).toBe(0)
    expect(t.any).toBe(4)
    expect(t.quorumValue()).toBeUndefined()
    t.add(2, x, sig)
    // 4 of 6 is not more than two thirds; 5 of 6 is.
    expect(t.quorumValue()).toBeUndefined()
    t.add(3, x, sig)
    expect(t.quorumValue()).toBe('07'.repeat(32))
    expect(t.signers('07'.repeat(32)).map((v) => v.s)).toEqual([0, 2, 3])
    expect(t.voters()).toEqual([0, 1, 2, 3])
  })
})
