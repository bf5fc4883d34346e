import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTrustGraph } from './graph.ts'
import { arbitraryFeedback, arbitraryPermutation, relabel, trustErrorReason } from './graph.fixtures.ts'
import { DEFAULT_EIGENTRUST_ALPHA, eigenTrust } from './trust.ts'

const TIGHT = { epsilon: 1e-14, maxIterations: 10_000 }

describe('eigenTrust', () => {
  it('reaches the hand-computed fixed point', () => {
    // c: 0 → {1: ½, 2: ½}; 1 → {0: ¼, 2: ¾}; 2 → {0: 1} (its −5 for 1 is clipped). Seeds {0}, a = ½:
    //   t0 = ½(¼ t1 + t2) + ½,  t1 = ½ · ½ t0,  t2 = ½(½ t0 + ¾ t1)
    // so t1 = ¼ t0, t2 = 11/32 t0, t0 = 13/64 t0 + ½: t = (32, 8, 11) / 51.
    const g = buildTrustGraph(3, { from: [0, 0, 1, 1, 2, 2], to: [1, 2, 2, 0, 0, 1], weight: [1, 1, 3, 1, 2, -5] })
    const r = eigenTrust(g, [0], { alpha: 0.5, ...TIGHT })
    expect(r.converged).toBe(true)
    ;[32 / 51, 8 / 51, 11 / 51].forEach((x, i) => expect(r.trust[i]).toBeCloseTo(x, 12))
  })

  it('sends a dangling node’s trust to the seeds', () => {
    // 0 → 1; 1 trusts nobody, so its row is p = (1, 0): t0 = ½ t1 + ½, t1 = ½ t0, so t = (2/3, 1/3).
    const r = eigenTrust(buildTrustGraph(2, { from: [0], to: [1] }), [0], { alpha: 0.5, ...TIGHT })
    expect(r.trust[0]).toBeCloseTo(2 / 3, 12)
    expect(r.trust[1]).toBeCloseTo(1 / 3, 12)
  })

  it('stops at the iteration cap, unconverged, or when the L1 change falls below epsilon', () => {
    const g = buildTrustGraph(3, { from: [0, 1, 2], to: [1, 2, 0] })
    const capped = eigenTrust(g, [0], { maxIterations: 3, epsilon: 0 })
    expect(capped).toMatchObject({ iterations: 3, converged: false })
    const loose = eigenTrust(g, [0], { epsilon: 1e-3 })
    const tight = eigenTrust(g, [0], { epsilon: 1e-9 })
    expect(loose.converged && tight.converged).toBe(true)
    expect(loose.delta).toBeLessThan(1e-3)
    expect(tight.iterations).toBeGreaterThan(loose.iterations)
  })

  it('refuses bad seeds and parameters with a typed reason', () => {
    const g = buildTrustGraph(3, { from: [0], to: [1] })
    const reason = trustErrorReason
    expect(reason(() => eigenTrust(g, []))).toBe('bad-seeds')
    expect(reason(() => eigenTrust(g, [3]))).toBe('bad-seeds')
    expect(reason(() => eigenTrust(g, [1, 1]))).toBe('bad-seeds')
    for (const options of [{ alpha: 0 }, { alpha: 1.5 }, { alpha: Number.NaN }, { epsilon: -1 }, { maxIterations: 0 }, { maxIterations: 2.5 }]) {
      expect(reason(() => eigenTrust(g, [0], options))).toBe('bad-parameter')
    }
    expect(reason(() => eigenTrust(g, [0], { alpha: 1 }))).toBe('ok')
  })

  const withSeeds = arbitraryFeedback.chain((f) =>
    fc.tuple(fc.constant(f), fc.uniqueArray(fc.nat(f.nodes - 1), { minLength: 1, maxLength: f.nodes }), fc.double({ min: 0.05, max: 1, noNaN: true })),
  )

  it('property: trust is non-negative, sums to 1, and the seeds hold at least a of it, converged or not', () => {
    fc.assert(
      fc.property(withSeeds, fc.integer({ min: 1, max: 60 }), ([f, seeds, alpha], maxIterations) => {
        const { trust } = eigenTrust(buildTrustGraph(f.nodes, f), seeds, { alpha, maxIterations })
        expect(trust.every((x) => x >= 0)).toBe(true)
        expect(trust.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
        expect(seeds.reduce((a, s) => a + (trust[s] as number), 0)).toBeGreaterThanOrEqual(alpha - 1e-12)
      }),
    )
  })

  it('property: renumbering the nodes renumbers the trust and changes nothing else', () => {
    fc.assert(
      fc.property(
        withSeeds.chain(([f, seeds]) => fc.tuple(fc.constant(f), fc.constant(seeds), arbitraryPermutation(f.nodes))),
        ([f, seeds, perm]) => {
          const t = eigenTrust(buildTrustGraph(f.nodes, f), seeds, TIGHT).trust
          const u = eigenTrust(
            buildTrustGraph(f.nodes, relabel(f, perm)),
            seeds.map((s) => perm[s] as number),
            TIGHT,
          ).trust
          for (let i = 0; i < f.nodes; i++) expect(u[perm[i] as number]).toBeCloseTo(t[i] as number, 10)
        },
      ),
    )
  })

  it('gives the default a to the seeds', () => {
    const { trust } = eigenTrust(buildTrustGraph(4, { from: [0, 1, 2, 3], to: [1, 2, 3, 1] }), [0])
    // Nobody trusts 0: the seed holds exactly its a.
    expect(trust[0]).toBeCloseTo(DEFAULT_EIGENTRUST_ALPHA, 6)
  })
})
