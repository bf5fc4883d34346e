import fc from 'fast-check'
import { expect } from 'vitest'
import { TrustError } from './trust-error.ts'

/** Arbitrary feedback graphs for the trust properties: a node count and signed integer-weighted edges. */
export interface ArbitraryFeedback {
  readonly nodes: number
  readonly from: number[]
  readonly to: number[]
  readonly weight: number[]
}

/** Up to 30 nodes and 120 edges, weights −3 … 5 (so some pairs net out at or below 0), self-edges included. */
export const arbitraryFeedback: fc.Arbitrary<ArbitraryFeedback> = fc.integer({ min: 1, max: 30 }).chain((nodes) =>
  fc.array(fc.tuple(fc.nat(nodes - 1), fc.nat(nodes - 1), fc.integer({ min: -3, max: 5 })), { maxLength: 120 }).map((edges) => ({
    nodes,
    from: edges.map((e) => e[0]),
    to: edges.map((e) => e[1]),
    weight: edges.map((e) => e[2]),
  })),
)

/** The feedback with node i renamed perm[i]. */
export function relabel(g: ArbitraryFeedback, perm: readonly number[]): ArbitraryFeedback {
  return { nodes: g.nodes, from: g.from.map((i) => perm[i] as number), to: g.to.map((j) => perm[j] as number), weight: g.weight }
}

/** A permutation of 0 … n − 1 drawn from a fast-check seed list. */
export const arbitraryPermutation = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }).map((keys) => keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i))

/** The reason `f` throws its TrustError with, or `'ok'` when it returns. */
export function trustErrorReason(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(TrustError)
    return (e as TrustError).reason
  }
  return 'ok'
}
