import type { TrustGraph } from './graph.ts'

/**
 * The undirected social graph SybilRank walks (sybil.ts): an edge {i, j} where i trusts j and j trusts
 * i (both c_ij and c_ji positive), unweighted, in the same sparse row form (rows sorted, each edge in
 * both rows). Mutual, because an attack edge must then cost an honest node's own positive feedback,
 * which a Sybil cannot forge however many identities it makes; unweighted, as in SybilRank, so that a
 * Sybil's lavish feedback buys nothing either.
 */
export interface SocialGraph {
  readonly nodes: number
  readonly offsets: Uint32Array
  readonly targets: Uint32Array
}

/** The degree of node i: its number of mutual neighbours. */
export const degreeOf = (graph: SocialGraph, i: number): number => (graph.offsets[i + 1] as number) - (graph.offsets[i] as number)

export function socialGraphOf(trust: TrustGraph): SocialGraph {
  const { nodes } = trust
  // Two passes over the mutual pairs {i < j}: count the degrees, then fill the rows in order.
  const offsets = new Uint32Array(nodes + 1)
  forEachMutualPair(trust, (i, j) => {
    offsets[i + 1] = (offsets[i + 1] as number) + 1
    offsets[j + 1] = (offsets[j + 1] as number) + 1
  })
  for (let i = 1; i <= nodes; i++) offsets[i] = (offsets[i] as number) + (offsets[i - 1] as number)
  const targets = new Uint32Array(offsets[nodes] as number)
  const cursor = offsets.slice(0, nodes)
  // Pairs come ordered by i then j, so row i receives its smaller neighbours (as the j of a pair with a
  // smaller i) before its larger ones: every row comes out sorted.
  forEachMutualPair(trust, (i, j) => {
    append(targets, cursor, i, j)
    append(targets, cursor, j, i)
  })
  return { nodes, offsets, targets }
}

/** Writes `x` at row `row`'s cursor and advances it. */
function append(targets: Uint32Array, cursor: Uint32Array, row: number, x: number): void {
  const slot = cursor[row] as number
  targets[slot] = x
  cursor[row] = slot + 1
}

/** Calls `visit(i, j)` for every i < j that trust each other, in order of i, then j. */
function forEachMutualPair(trust: TrustGraph, visit: (i: number, j: number) => void): void {
  const { nodes, offsets, targets } = trust
  for (let i = 0; i < nodes; i++) {
    for (let k = offsets[i] as number; k < (offsets[i + 1] as number); k++) {
      const j = targets[k] as number
      if (j > i && rowHas(targets, offsets[j] as number, offsets[j + 1] as number, i)) visit(i, j)
    }
  }
}

/** Binary search of a sorted row. */
function rowHas(targets: Uint32Array, start: number, end: number, x: number): boolean {
  let lo = start
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const v = targets[mid] as number
    if (v === x) return true
    if (v < x) lo = mid + 1
    else hi = mid
  }
  return false
}
