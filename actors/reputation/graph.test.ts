import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTrustGraph, edgeCount, type TrustGraph } from './graph.ts'
import { arbitraryFeedback, trustErrorReason } from './graph.fixtures.ts'

/** Row i as [target, c_ij] pairs. */
const row = (g: TrustGraph, i: number): [number, number][] =>
  Array.from(g.targets.subarray(g.offsets[i], g.offsets[i + 1]), (j, k) => [j, g.weights[(g.offsets[i] as number) + k] as number])

describe('buildTrustGraph', () => {
  it('sums duplicate feedback, clips the net at 0, drops self-edges and normalises each row', () => {
    // 0 → 1: 2 + 1 = 3; 0 → 2: 1; 0 → 0: dropped; 1 → 0: 1 − 4 < 0, clipped; 1 → 2: 2 − 2 = 0, gone; 2 → 1: 1.
    const g = buildTrustGraph(3, { from: [0, 0, 0, 0, 1, 1, 1, 1, 2], to: [1, 2, 1, 0, 0, 0, 2, 2, 1], weight: [2, 1, 1, 9, 1, -4, 2, -2, 1] })
    expect(row(g, 0)).toEqual([
      [1, 0.75],
      [2, 0.25],
    ])
    expect(row(g, 1)).toEqual([])
    expect(row(g, 2)).toEqual([[1, 1]])
    expect(edgeCount(g)).toBe(3)
  })

  it('weighs every edge 1 without weights, and builds an empty graph', () => {
    expect(row(buildTrustGraph(3, { from: [2, 2], to: [0, 1] }), 2)).toEqual([
      [0, 0.5],
      [1, 0.5],
    ])
    expect(edgeCount(buildTrustGraph(0, { from: [], to: [] }))).toBe(0)
  })

  it('refuses bad input with a typed reason', () => {
    const reason = trustErrorReason
    const limits = { maxNodes: 4, maxEdges: 2 }
    expect(reason(() => buildTrustGraph(5, { from: [], to: [] }, limits))).toBe('too-many-nodes')
    expect(reason(() => buildTrustGraph(4, { from: [0, 1, 2], to: [1, 2, 3] }, limits))).toBe('too-many-edges')
    expect(reason(() => buildTrustGraph(4, { from: [0, 1], to: [1, 2] }, limits))).toBe('ok')
    expect(reason(() => buildTrustGraph(3, { from: [0], to: [3] }))).toBe('bad-node')
    expect(reason(() => buildTrustGraph(3, { from: [0.5], to: [1] }))).toBe('bad-node')
    expect(reason(() => buildTrustGraph(3, { from: [0, 1], to: [1] }))).toBe('bad-node')
    expect(reason(() => buildTrustGraph(-1, { from: [], to: [] }))).toBe('bad-node')
    expect(reason(() => buildTrustGraph(3, { from: [0], to: [1], weight: [Number.NaN] }))).toBe('bad-weight')
    expect(reason(() => buildTrustGraph(3, { from: [0], to: [1], weight: [Number.POSITIVE_INFINITY] }))).toBe('bad-weight')
  })

  it('property: rows are sorted, positive and stochastic (or empty), and match the summed, clipped feedback', () => {
    fc.assert(
      fc.property(arbitraryFeedback, (f) => {
        const g = buildTrustGraph(f.nodes, f)
        const net = new Map<string, number>()
        f.from.forEach((i, e) => {
          if (i !== f.to[e]) net.set(`${i},${f.to[e]}`, (net.get(`${i},${f.to[e]}`) ?? 0) + (f.weight[e] as number))
        })
        for (let i = 0; i < f.nodes; i++) {
          const expected = [...net].filter(([k, s]) => k.startsWith(`${i},`) && s > 0).map(([k, s]) => [Number(k.split(',')[1]), s] as const)
          expected.sort((a, b) => a[0] - b[0])
          const sum = expected.reduce((acc, [, s]) => acc + s, 0)
          const r = row(g, i)
          expect(r.map(([j]) => j)).toEqual(expected.map(([j]) => j))
          r.forEach(([, c], k) => expect(c).toBeCloseTo((expected[k] as readonly [number, number])[1] / sum, 12))
          if (r.length > 0) expect(r.reduce((acc, [, c]) => acc + c, 0)).toBeCloseTo(1, 12)
        }
      }),
    )
  })

  it('property: the order of the edges does not change a bit of the graph (integer weights sum exactly)', () => {
    fc.assert(
      fc.property(
        arbitraryFeedback.chain((f) => fc.shuffledSubarray(f.from.map((_, e) => e), { minLength: f.from.length }).map((order) => [f, order] as const)),
        ([f, order]) => {
          const a = buildTrustGraph(f.nodes, f)
          const b = buildTrustGraph(f.nodes, { from: order.map((e) => f.from[e] as number), to: order.map((e) => f.to[e] as number), weight: order.map((e) => f.weight[e] as number) })
          expect(b).toEqual(a)
        },
      ),
    )
  })
})
