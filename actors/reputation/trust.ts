import type { TrustGraph } from './graph.ts'
import { TrustError } from './trust-error.ts'

/**
 * EigenTrust (Kamvar, Schlosser and Garcia-Molina, WWW 2003), the global trust score of docs/trust.md:
 * the fixed point of
 *
 *     t ← (1 − a)·Cᵀt + a·p
 *
 * over the trust graph's normalised local trust C, where p spreads one unit evenly over the pre-trusted
 * seeds and a node that trusts nobody (a dangling row) trusts the seeds instead (c_ij = p_j). Found by
 * power iteration from t = p, until the L1 change of an iteration falls below `epsilon` or after
 * `maxIterations`. The vector sums to 1, the seeds always hold at least `a` of it, and the share a
 * region can hold is capped by the trust its few in-edges carry, not by how many nodes it has.
 */
export interface EigenTrustOptions {
  /** a: the weight of the seeds in every step. */
  readonly alpha?: number
  readonly epsilon?: number
  readonly maxIterations?: number
}

export interface EigenTrustResult {
  /** t_i for every node: non-negative, summing to 1. */
  readonly trust: Float64Array
  readonly iterations: number
  /** The L1 change of the last iteration. */
  readonly delta: number
  readonly converged: boolean
}

/**
 * PageRank's 0.15 (damping 0.85): each step contracts the error by 1 − a = 0.85, and a region behind
 * few in-edges holds at most about (1 − a)/a × the trust those edges carry, 5.7× here (docs/trust.md,
 * *Sybils*). A larger a resists Sybils more but flattens trust toward the seeds.
 */
export const DEFAULT_EIGENTRUST_ALPHA = 0.15
/** A millionth of all trust: far below any tier threshold; reached in about 90 iterations at a = 0.15. */
export const DEFAULT_EIGENTRUST_EPSILON = 1e-6
/** 0.85^200 ≈ 8·10⁻¹⁵: any epsilon above rounding is reached first; the cap bounds the work on bad parameters. */
export const DEFAULT_EIGENTRUST_MAX_ITERATIONS = 200

export function eigenTrust(graph: TrustGraph, seeds: readonly number[], options: EigenTrustOptions = {}): EigenTrustResult {
  const alpha = options.alpha ?? DEFAULT_EIGENTRUST_ALPHA
  const epsilon = options.epsilon ?? DEFAULT_EIGENTRUST_EPSILON
  const maxIterations = options.maxIterations ?? DEFAULT_EIGENTRUST_MAX_ITERATIONS
  if (!(alpha > 0 && alpha <= 1)) throw new TrustError('bad-parameter', `alpha (the seeds' weight) is in (0, 1], got ${alpha}`)
  if (!(epsilon >= 0)) throw new TrustError('bad-parameter', `epsilon is a non-negative L1 distance, got ${epsilon}`)
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) throw new TrustError('bad-parameter', `maxIterations is a positive integer, got ${maxIterations}`)
  const { nodes, offsets, targets, weights } = graph
  const seedShare = 1 / checkSeeds(seeds, nodes)

  let t = new Float64Array(nodes)
  let next = new Float64Array(nodes)
  for (const s of seeds) t[s] = seedShare
  let iterations = 0
  let delta = Number.POSITIVE_INFINITY
  while (iterations < maxIterations && !(delta < epsilon)) {
    next.fill(0)
    let dangling = 0
    for (let i = 0; i < nodes; i++) {
      const ti = t[i] as number
      const start = offsets[i] as number
      const end = offsets[i + 1] as number
      if (start === end) {
        dangling += ti
        continue
      }
      const scaled = (1 - alpha) * ti
      for (let k = start; k < end; k++) {
        const j = targets[k] as number
        next[j] = (next[j] as number) + scaled * (weights[k] as number)
      }
    }
    // The seeds' share of this step: the a·p term, and the dangling rows' trust (their row is p).
    const toSeeds = (alpha + (1 - alpha) * dangling) * seedShare
    for (const s of seeds) next[s] = (next[s] as number) + toSeeds
    delta = 0
    for (let i = 0; i < nodes; i++) delta += Math.abs((next[i] as number) - (t[i] as number))
    ;[t, next] = [next, t]
    iterations++
  }
  normalise(t)
  return { trust: t, iterations, delta, converged: delta < epsilon }
}

/** Checks that the seeds are distinct nodes, at least one; returns how many. */
export function checkSeeds(seeds: readonly number[], nodes: number): number {
  if (seeds.length === 0) throw new TrustError('bad-seeds', 'at least one pre-trusted seed is needed')
  const seen = new Set<number>()
  for (const s of seeds) {
    if (!Number.isInteger(s) || s < 0 || s >= nodes) throw new TrustError('bad-seeds', `seed ${s} is not a node (0 … ${nodes - 1})`)
    if (seen.has(s)) throw new TrustError('bad-seeds', `seed ${s} is listed twice`)
    seen.add(s)
  }
  return seeds.length
}

/** Rescales a non-negative vector to sum 1, absorbing the rounding of many iterations. */
function normalise(v: Float64Array): void {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += v[i] as number
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / sum
}
