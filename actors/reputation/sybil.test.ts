import { describe, expect, it } from 'vitest'
import { Random } from '../../core/random.ts'
import { buildTrustGraph } from './graph.ts'
import { sybilAttack, type SybilAttackSpec } from './graph-generate.ts'
import { socialGraphOf } from './graph-social.ts'
import { sybilRank, sybilRankIterations } from './sybil.ts'
import { rankingAuc, sybilTrustShare } from './sybil-metrics.ts'
import { eigenTrust } from './trust.ts'
import { TrustError } from './trust-error.ts'

/**
 * The Sybil property (docs/trust.md, *Sybils*): a Sybil region 10× the size of a 2,000-node
 * honest network (a random graph of mean degree 10: 10,000 honest links), linked densely within
 * itself (mean degree 20), joined to it by 100 attack edges (1% of the honest links), with 20 seeds
 * among the honest nodes.
 */
const HONEST = 2_000
const ATTACK: SybilAttackSpec = { honest: HONEST, sybils: 10 * HONEST, honestLinks: 5, sybilLinks: 10, attackEdges: 100, reciprocate: true }
const SEEDS = Random.fromSeed('trust-seeds').sample(
  Array.from({ length: HONEST }, (_, i) => i),
  20,
)
/** Sybil graphs take a second or two to build and rank on a loaded machine. */
const SLOW = 60_000

const attack = (spec: Partial<SybilAttackSpec> = {}) => {
  const a = sybilAttack(Random.fromSeed('trust-sybil'), { ...ATTACK, ...spec })
  return { ...a, graph: buildTrustGraph(a.nodes, a) }
}

/** The share of Sybils ranked below all but the lowest 5% of honest nodes. */
function sybilsBelowHonestP5(rank: Float64Array, sybil: Uint8Array): number {
  const honest = Array.from(rank.filter((_, i) => sybil[i] === 0)).sort((a, b) => a - b)
  const cut = honest[Math.floor(0.05 * honest.length)] as number
  const sybils = rank.filter((_, i) => sybil[i] === 1)
  return sybils.filter((r) => r < cut).length / sybils.length
}

describe('EigenTrust against a Sybil region', () => {
  it(
    'a region 1×, 10× or 20× the honest network, behind 1% attack edges, holds under 5% of the trust',
    () => {
      // The Sybils keep their trust in their region (no feedback back over the attack edges): the attack's best.
      for (const sybils of [HONEST, 10 * HONEST, 20 * HONEST]) {
        const a = attack({ sybils, reciprocate: false })
        expect(sybilTrustShare(eigenTrust(a.graph, SEEDS).trust, a.sybil)).toBeLessThan(0.05)
      }
      const mutual = attack()
      expect(sybilTrustShare(eigenTrust(mutual.graph, SEEDS).trust, mutual.sybil)).toBeLessThan(0.05)
    },
    SLOW,
  )

  it(
    'contrast: the same region gains a large share without seeds, or with many attack edges',
    () => {
      const a = attack()
      const everyone = Array.from({ length: a.nodes }, (_, i) => i)
      // Without seeds (p uniform over all nodes) trust follows the number of identities: ~10/11.
      expect(sybilTrustShare(eigenTrust(a.graph, everyone).trust, a.sybil)).toBeGreaterThan(0.5)
      // 3,000 attack edges (30% of the honest links).
      const many = attack({ attackEdges: 3_000 })
      expect(sybilTrustShare(eigenTrust(many.graph, SEEDS).trust, many.sybil)).toBeGreaterThan(0.3)
    },
    SLOW,
  )

  it(
    'the known weakness: the same 100 attack edges aimed at the seeds gain several times more',
    () => {
      const spread = attack({ reciprocate: false })
      const aimed = attack({ reciprocate: false, attackTargets: SEEDS })
      const spreadShare = sybilTrustShare(eigenTrust(spread.graph, SEEDS).trust, spread.sybil)
      expect(sybilTrustShare(eigenTrust(aimed.graph, SEEDS).trust, aimed.sybil)).toBeGreaterThan(3 * spreadShare)
    },
    SLOW,
  )
})

describe('SybilRank against a Sybil region', () => {
  it(
    'ranks almost every Sybil below almost every honest node, and lets them little trust',
    () => {
      const a = attack()
      const social = socialGraphOf(a.graph)
      const r = sybilRank(social, SEEDS)
      expect(r.iterations).toBe(Math.ceil(Math.log2(a.nodes)))
      expect(rankingAuc(r.rank, a.sybil)).toBeGreaterThan(0.95)
      expect(sybilsBelowHonestP5(r.rank, a.sybil)).toBeGreaterThan(0.95)
      expect(sybilTrustShare(r.trust, a.sybil)).toBeLessThan(0.15)
      // Contrast: started on every node instead of the seeds, the walk hands the Sybils most of it.
      const everyone = Array.from({ length: a.nodes }, (_, i) => i)
      expect(sybilTrustShare(sybilRank(social, everyone).trust, a.sybil)).toBeGreaterThan(0.5)
    },
    SLOW,
  )

  it(
    'contrast: with as many attack edges as honest links the Sybils take most of the walk’s trust',
    () => {
      const a = attack({ attackEdges: 10_000 })
      expect(sybilTrustShare(sybilRank(socialGraphOf(a.graph), SEEDS).trust, a.sybil)).toBeGreaterThan(0.5)
    },
    SLOW,
  )

  it('never sees a Sybil that only takes: without feedback back there is no mutual edge to walk', () => {
    const a = sybilAttack(Random.fromSeed(1), { honest: 100, sybils: 1_000, honestLinks: 3, sybilLinks: 5, attackEdges: 50, reciprocate: false })
    const r = sybilRank(socialGraphOf(buildTrustGraph(a.nodes, a)), [0, 1, 2])
    expect(sybilTrustShare(r.trust, a.sybil)).toBe(0)
  })
})

describe('sybilRank', () => {
  it('walks the hand-computed steps and ranks by degree', () => {
    // The path 0 — 1 — 2 and an isolated 3, seed 0: after one step all trust is on 1; after two,
    // 1 hands half to each end. Ranks divide by the degree (1, 2, 1; the isolated node keeps its trust).
    const social = socialGraphOf(buildTrustGraph(4, { from: [0, 1, 1, 2], to: [1, 0, 2, 1] }))
    expect(Array.from(sybilRank(social, [0], { iterations: 1 }).trust)).toEqual([0, 1, 0, 0])
    const two = sybilRank(social, [0, 3], { iterations: 2 })
    expect(Array.from(two.trust)).toEqual([0.25, 0, 0.25, 0.5])
    expect(Array.from(two.rank)).toEqual([0.25, 0, 0.25, 0.5])
    expect(Array.from(sybilRank(social, [0], { iterations: 3 }).rank)).toEqual([0, 0.5, 0, 0])
  })

  it('defaults to ⌈log2 n⌉ steps and refuses bad ones', () => {
    expect([1, 2, 1000, 1024, 1025].map(sybilRankIterations)).toEqual([1, 1, 10, 10, 11])
    const social = socialGraphOf(buildTrustGraph(3, { from: [0, 1], to: [1, 0] }))
    for (const iterations of [0, -1, 1.5, 1_001]) expect(() => sybilRank(social, [0], { iterations })).toThrow(TrustError)
    expect(() => sybilRank(social, [])).toThrow(TrustError)
  })
})

describe('Sybil metrics', () => {
  it('sybilTrustShare: the Sybils’ part of all trust', () => {
    expect(sybilTrustShare([0.5, 0.25, 0.25], [0, 1, 1])).toBe(0.5)
    expect(sybilTrustShare([2, 2], [0, 1])).toBe(0.5)
    expect(sybilTrustShare([0, 0], [0, 1])).toBe(0)
  })

  it('rankingAuc: the chance an honest node outranks a Sybil, ties half', () => {
    expect(rankingAuc([3, 4, 1, 2], [0, 0, 1, 1])).toBe(1)
    expect(rankingAuc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(0)
    expect(rankingAuc([1, 1, 1, 1], [0, 0, 1, 1])).toBe(0.5)
    // Honest 2 beats Sybil 1, ties Sybil 2, loses to Sybil 3; honest 4 beats all: (1 + ½ + 0 + 3) / 6.
    expect(rankingAuc([2, 4, 1, 2, 3], [0, 0, 1, 1, 1])).toBeCloseTo(4.5 / 6, 12)
    expect(rankingAuc([1, 2], [0, 0])).toBeNaN()
  })
})
