import type { Random } from '../../core/random.ts'
import { checkNodeCount, DEFAULT_TRUST_GRAPH_LIMITS, type TrustGraphLimits } from './graph.ts'
import { TrustError } from './trust-error.ts'

/**
 * Seeded feedback graphs for the Sybil tests, the `sybil` scenario and `vain bench trust`: the same
 * Random (core/random.ts) gives the same edges, in the same order, on every machine.
 */
export interface GeneratedEdges {
  readonly nodes: number
  readonly from: Uint32Array
  readonly to: Uint32Array
  readonly weight: Float64Array
}

/**
 * A feedback edge's weight in randomGraph: a count of satisfactory interactions, 1 … this, so rows are
 * not all uniform and normalisation does real work.
 */
export const DEFAULT_RANDOM_GRAPH_MAX_WEIGHT = 5

/** `edges` directed edges between uniformly random distinct nodes, weights 1 … maxWeight. */
export function randomGraph(random: Random, nodes: number, edges: number, maxWeight = DEFAULT_RANDOM_GRAPH_MAX_WEIGHT, limits: TrustGraphLimits = DEFAULT_TRUST_GRAPH_LIMITS): GeneratedEdges {
  checkNodeCount(nodes, limits)
  if (nodes < 2) throw new TrustError('bad-parameter', `a random graph needs two nodes, got ${nodes}`)
  checkCount('edges', edges)
  if (edges > limits.maxEdges) throw new TrustError('too-many-edges', `${edges} edges is past the limit of ${limits.maxEdges}`)
  if (!Number.isSafeInteger(maxWeight) || maxWeight < 1) throw new TrustError('bad-parameter', `maxWeight is a positive integer, got ${maxWeight}`)
  const out = writer(nodes, edges)
  for (let e = 0; e < edges; e++) {
    const i = random.int(nodes)
    const j = (i + 1 + random.int(nodes - 1)) % nodes
    out.add(i, j, random.intBetween(1, maxWeight))
  }
  return out.done()
}

/**
 * An honest region and a Sybil region, joined by attack edges (docs/trust.md, *Sybils*). Honest nodes
 * are 0 … honest − 1, Sybils honest … honest + sybils − 1. Each node of a region links to `links` random
 * nodes of its region (a random graph of mean degree 2 × links: fast-mixing, as SybilRank assumes of
 * the honest region; for the Sybils, as dense as they like), and every link is an interaction both
 * sides rate 1. An attack edge joins a random honest node and a random Sybil: the honest node rates
 * the Sybil 1 (the Sybil fooled it); the Sybil rates back only if `reciprocate`. The honest end is
any honest node, or one of `attackTargets`. Not rating back keeps
 * the Sybils' EigenTrust in their region (the attack's best against EigenTrust), but leaves no mutual
 * edge for SybilRank's walk to cross.
 */
export interface SybilAttackSpec {
  readonly honest: number
  readonly sybils: number
  readonly honestLinks: number
  readonly sybilLinks: number
  readonly attackEdges: number
  readonly reciprocate: boolean
  /** The honest nodes the attack edges land on (default: any); the seeds, for the attack aimed at them. */
  readonly attackTargets?: readonly number[]
}

export interface SybilAttack extends GeneratedEdges {
  /** 1 for a Sybil. */
  readonly sybil: Uint8Array
  /** Undirected honest–honest links made (some may coincide). */
  readonly honestLinks: number
}

export function sybilAttack(random: Random, spec: SybilAttackSpec, limits: TrustGraphLimits = DEFAULT_TRUST_GRAPH_LIMITS): SybilAttack {
  const { honest, sybils, honestLinks, sybilLinks, attackEdges, reciprocate, attackTargets } = spec
  const nodes = honest + sybils
  checkNodeCount(nodes, limits)
  if (honest < 2 || sybils < 2) throw new TrustError('bad-parameter', `each region needs two nodes, got ${honest} honest and ${sybils} Sybils`)
  for (const [name, value] of [['honestLinks', honestLinks], ['sybilLinks', sybilLinks], ['attackEdges', attackEdges]] as const) checkCount(name, value)
  if (attackTargets !== undefined && (attackTargets.length === 0 || attackTargets.some((t) => !Number.isInteger(t) || t < 0 || t >= honest))) {
    throw new TrustError('bad-parameter', `attack targets are honest nodes (0 … ${honest - 1}), at least one`)
  }
  const edges = 2 * (honest * honestLinks + sybils * sybilLinks) + attackEdges * (reciprocate ? 2 : 1)
  if (edges > limits.maxEdges) throw new TrustError('too-many-edges', `the attack makes ${edges} edges, past the limit of ${limits.maxEdges}`)
  const out = writer(nodes, edges)
  const region = (first: number, size: number, links: number) => {
    for (let i = first; i < first + size; i++) {
      for (let l = 0; l < links; l++) {
        const j = first + ((i - first + 1 + random.int(size - 1)) % size)
        out.add(i, j, 1)
        out.add(j, i, 1)
      }
    }
  }
  region(0, honest, honestLinks)
  region(honest, sybils, sybilLinks)
  for (let a = 0; a < attackEdges; a++) {
    const h = attackTargets === undefined ? random.int(honest) : random.pick(attackTargets)
    const s = honest + random.int(sybils)
    out.add(h, s, 1)
    if (reciprocate) out.add(s, h, 1)
  }
  const sybil = new Uint8Array(nodes).fill(1, honest)
  return { ...out.done(), sybil, honestLinks: honest * honestLinks }
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new TrustError('bad-parameter', `${name} is a non-negative integer, got ${value}`)
}

/** Fills preallocated edge arrays. */
function writer(nodes: number, capacity: number) {
  const from = new Uint32Array(capacity)
  const to = new Uint32Array(capacity)
  const weight = new Float64Array(capacity)
  let n = 0
  return {
    add(i: number, j: number, w: number) {
      from[n] = i
      to[n] = j
      weight[n] = w
      n++
    },
    done: (): GeneratedEdges => ({ nodes, from, to, weight }),
  }
}
