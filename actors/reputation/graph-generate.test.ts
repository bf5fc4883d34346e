import { describe, expect, it } from 'vitest'
import { Random } from '../../core/random.ts'
import { randomGraph, sybilAttack, type SybilAttackSpec } from './graph-generate.ts'
import { TrustError } from './trust-error.ts'

const SPEC: SybilAttackSpec = { honest: 50, sybils: 500, honestLinks: 3, sybilLinks: 6, attackEdges: 7, reciprocate: true }

describe('graph generators', () => {
  it('randomGraph: the asked number of edges between distinct nodes, weights 1 … max, the same for the same seed', () => {
    const g = randomGraph(Random.fromSeed(3), 100, 1000, 4)
    expect(g.from.length).toBe(1000)
    for (let e = 0; e < 1000; e++) {
      expect(g.from[e]).not.toBe(g.to[e])
      expect(g.to[e]).toBeLessThan(100)
      expect([1, 2, 3, 4]).toContain(g.weight[e])
    }
    expect(randomGraph(Random.fromSeed(3), 100, 1000, 4)).toEqual(g)
    expect(randomGraph(Random.fromSeed(4), 100, 1000, 4)).not.toEqual(g)
  })

  it('sybilAttack: regions linked within themselves, crossed only by the attack edges, the same for the same seed', () => {
    for (const reciprocate of [true, false]) {
      const a = sybilAttack(Random.fromSeed(1), { ...SPEC, reciprocate })
      expect(a.nodes).toBe(550)
      expect(a.sybil.reduce((x, y) => x + y, 0)).toBe(500)
      let honestToSybil = 0
      let sybilToHonest = 0
      for (let e = 0; e < a.from.length; e++) {
        const [i, j] = [a.from[e] as number, a.to[e] as number]
        expect(i).not.toBe(j)
        if (a.sybil[i] === 0 && a.sybil[j] === 1) honestToSybil++
        if (a.sybil[i] === 1 && a.sybil[j] === 0) sybilToHonest++
      }
      expect(a.from.length).toBe(2 * (50 * 3 + 500 * 6) + 7 * (reciprocate ? 2 : 1))
      expect([honestToSybil, sybilToHonest]).toEqual([7, reciprocate ? 7 : 0])
      expect(sybilAttack(Random.fromSeed(1), { ...SPEC, reciprocate })).toEqual(a)
    }
  })

  it('refuses sizes it cannot make', () => {
    expect(() => randomGraph(Random.fromSeed(1), 1, 5)).toThrow(TrustError)
    expect(() => randomGraph(Random.fromSeed(1), 10, 5, 0)).toThrow(TrustError)
    expect(() => randomGraph(Random.fromSeed(1), 10, 11, 1, { maxNodes: 10, maxEdges: 10 })).toThrow(/limit/)
    expect(() => sybilAttack(Random.fromSeed(1), { ...SPEC, sybils: 1 })).toThrow(TrustError)
    expect(() => sybilAttack(Random.fromSeed(1), SPEC, { maxNodes: 1000, maxEdges: 100 })).toThrow(/limit/)
  })
})
