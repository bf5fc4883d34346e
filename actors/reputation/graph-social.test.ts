import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTrustGraph } from './graph.ts'
import { arbitraryFeedback } from './graph.fixtures.ts'
import { degreeOf, socialGraphOf, type SocialGraph } from './graph-social.ts'

const neighbours = (g: SocialGraph, i: number): number[] => Array.from(g.targets.subarray(g.offsets[i], g.offsets[i + 1]))

describe('socialGraphOf', () => {
  it('keeps only the pairs that trust each other, unweighted', () => {
    // 0 ⇄ 1 (weights differ), 1 → 2 only, 2 ⇄ 3, and 3 → 0 against 0 → 3 netted to nothing.
    const trust = buildTrustGraph(4, { from: [0, 1, 1, 2, 2, 3, 3, 0, 0], to: [1, 0, 2, 3, 3, 2, 0, 3, 3], weight: [5, 1, 1, 1, 1, 1, 1, 1, -1] })
    const g = socialGraphOf(trust)
    expect([0, 1, 2, 3].map((i) => neighbours(g, i))).toEqual([[1], [0], [3], [2]])
    expect(degreeOf(g, 1)).toBe(1)
  })

  it('property: symmetric, sorted rows, and an edge exactly where trust runs both ways', () => {
    fc.assert(
      fc.property(arbitraryFeedback, (f) => {
        const trust = buildTrustGraph(f.nodes, f)
        const trusts = (i: number, j: number) => Array.from(trust.targets.subarray(trust.offsets[i], trust.offsets[i + 1])).includes(j)
        const g = socialGraphOf(trust)
        for (let i = 0; i < f.nodes; i++) {
          const expected = Array.from({ length: f.nodes }, (_, j) => j).filter((j) => j !== i && trusts(i, j) && trusts(j, i))
          expect(neighbours(g, i)).toEqual(expected)
        }
      }),
    )
  })
})
