import type { SocialGraph } from './graph-social.ts'
import { checkSeeds } from './trust.ts'
import { TrustError } from './trust-error.ts'

/**
 * SybilRank (Cao, Sirivianos, Yang and Pregueiro, NSDI 2012), the Sybil signal of docs/trust.md: one
 * unit of trust starts evenly on the seeds and spreads along the social graph's edges, each node
 * handing its trust out evenly to its neighbours,
 *
 *     T_{k+1}(v) = Σ_{u ∈ N(v)} T_k(u) / deg(u),
 *
 * for only O(log n) steps. That is about the time a walk takes to mix over a fast-mixing honest region,
 * but too short to cross the few attack edges into a Sybil region in bulk. Nodes are then ranked by
 * degree-normalised trust T(v) / deg(v): run to convergence, that ratio is the same on every node of a
 * connected graph (the walk's stationary trust is proportional to degree), so stopping early is the
 * whole signal. A node with no neighbours keeps what it holds, and its rank is its trust.
 */
export interface SybilRankOptions {
  /** Default: ⌈log2 n⌉, the paper's choice. */
  readonly iterations?: number
}

export interface SybilRankResult {
  /** T(v): non-negative, summing to 1. */
  readonly trust: Float64Array
  /** T(v) / deg(v): the ranking; low ranks are likely Sybils. */
  readonly rank: Float64Array
  readonly iterations: number
}

/**
 * The most steps a caller may ask for: log2 of the largest graph (DEFAULT_MAX_TRUST_NODES) is 20, and
 * a few hundred steps already smear trust over any region a real attack builds; the cap bounds the work.
 */
export const DEFAULT_SYBILRANK_MAX_ITERATIONS = 1_000

/** ⌈log2 n⌉ steps, at least one. */
export const sybilRankIterations = (nodes: number): number => Math.max(1, Math.ceil(Math.log2(Math.max(nodes, 2))))

export function sybilRank(graph: SocialGraph, seeds: readonly number[], options: SybilRankOptions = {}): SybilRankResult {
  const { nodes, offsets, targets } = graph
  const iterations = options.iterations ?? sybilRankIterations(nodes)
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > DEFAULT_SYBILRANK_MAX_ITERATIONS) {
    throw new TrustError('bad-parameter', `iterations is an integer in 1 … ${DEFAULT_SYBILRANK_MAX_ITERATIONS}, got ${iterations}`)
  }
  const seedShare = 1 / checkSeeds(seeds, nodes)
  let t = new Float64Array(nodes)
  let next = new Float64Array(nodes)
  for (const s of seeds) t[s] = seedShare
  for (let step = 0; step < iterations; step++) {
    next.fill(0)
    for (let u = 0; u < nodes; u++) {
      const tu = t[u] as number
      if (tu === 0) continue
      const start = offsets[u] as number
      const end = offsets[u + 1] as number
      if (start === end) {
        next[u] = (next[u] as number) + tu
        continue
      }
      const share = tu / (end - start)
      for (let k = start; k < end; k++) {
        const v = targets[k] as number
        next[v] = (next[v] as number) + share
      }
    }
    ;[t, next] = [next, t]
  }
  const rank = new Float64Array(nodes)
  for (let v = 0; v < nodes; v++) rank[v] = (t[v] as number) / Math.max(1, (offsets[v + 1] as number) - (offsets[v] as number))
  return { trust: t, rank, iterations }
}
