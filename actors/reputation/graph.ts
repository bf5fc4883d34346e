import { TrustError } from './trust-error.ts'

/**
 * The trust graph (docs/trust.md): who trusts whom, and how much, in compressed sparse row form over
 * typed arrays. Node `i`'s row is `targets[offsets[i] … offsets[i + 1])`, sorted by target, and
 * `weights` holds EigenTrust's normalised local trust c_ij beside each target: a row sums to 1, or is
 * empty (a node that trusts nobody, "dangling"). Nodes are numbered 0 … nodes − 1; mapping node ids to
 * numbers is the caller's, and the results do not depend on the numbering (trust.test.ts checks it).
 */
export interface TrustGraph {
  readonly nodes: number
  /** nodes + 1 entries; offsets[nodes] is the number of edges. */
  readonly offsets: Uint32Array
  readonly targets: Uint32Array
  /** c_ij: positive, each non-empty row summing to 1. */
  readonly weights: Float64Array
}

/**
 * Feedback edges, one per index: `from` reports on `to` with `weight`, a net feedback (satisfactory
 * minus unsatisfactory interactions, or any signed score). Several edges may join the same pair: they
 * are summed first, then the sum is clipped at 0 (EigenTrust's s_ij = max(sat − unsat, 0)), so negative
 * feedback cancels positive feedback but never makes trust negative. Self-edges are dropped: a node
 * cannot raise its own score.
 */
export interface TrustEdges {
  readonly from: ArrayLike<number>
  readonly to: ArrayLike<number>
  /** Absent: every edge weighs 1. */
  readonly weight?: ArrayLike<number>
}

/** How large a graph may be built; past these, a TrustError ('too-many-nodes' / 'too-many-edges'). */
export interface TrustGraphLimits {
  readonly maxNodes: number
  readonly maxEdges: number
}

/**
 * 10× the 100,000 nodes of `vain bench trust` (which runs in well under a second): room for a network far
 * larger than any run today, while a bad count cannot ask for gigabytes of offsets.
 */
export const DEFAULT_MAX_TRUST_NODES = 1_000_000
/**
 * 10× the bench's million edges: building takes 32 bytes an input edge at its peak (the input's 16,
 * an order array's 4, the graph's 12), so this bound keeps a build near 320 MB.
 */
export const DEFAULT_MAX_TRUST_EDGES = 10_000_000
export const DEFAULT_TRUST_GRAPH_LIMITS: TrustGraphLimits = { maxNodes: DEFAULT_MAX_TRUST_NODES, maxEdges: DEFAULT_MAX_TRUST_EDGES }

/** The number of edges (positive local trusts) of a graph. */
export const edgeCount = (graph: { readonly nodes: number; readonly offsets: Uint32Array }): number => graph.offsets[graph.nodes] as number

/** Checks a node count against the limits (shared with the social graph and the generators). */
export function checkNodeCount(nodes: number, limits: TrustGraphLimits): void {
  if (!Number.isSafeInteger(nodes) || nodes < 0) throw new TrustError('bad-node', `a graph has a whole, non-negative number of nodes, got ${nodes}`)
  if (nodes > limits.maxNodes) throw new TrustError('too-many-nodes', `${nodes} nodes is past the limit of ${limits.maxNodes}`)
}

/**
 * Builds the trust graph of `nodes` nodes from feedback edges: validates every edge first (so bad
 * input builds nothing), orders the edges by source then target with two counting sorts (linear, and
 * stable, so duplicates are summed in input order and the same edges always give the same bits), sums
 * duplicates, clips at 0 and normalises each row.
 */
export function buildTrustGraph(nodes: number, edges: TrustEdges, limits: TrustGraphLimits = DEFAULT_TRUST_GRAPH_LIMITS): TrustGraph {
  checkNodeCount(nodes, limits)
  const { from, to, weight } = edges
  const m = from.length
  if (to.length !== m || (weight !== undefined && weight.length !== m)) {
    throw new TrustError('bad-node', `edge arrays differ in length: from ${m}, to ${to.length}${weight === undefined ? '' : `, weight ${weight.length}`}`)
  }
  if (m > limits.maxEdges) throw new TrustError('too-many-edges', `${m} edges is past the limit of ${limits.maxEdges}`)
  const weightOf = weight === undefined ? () => 1 : (e: number) => weight[e] as number

  // Validate, and count each target's non-self edges (the first counting sort's histogram).
  const byTarget = new Uint32Array(nodes + 1)
  let kept = 0
  for (let e = 0; e < m; e++) {
    const i = from[e] as number
    const j = to[e] as number
    if (!isNode(i, nodes) || !isNode(j, nodes)) throw new TrustError('bad-node', `edge ${e} joins ${i} to ${j}; nodes are 0 … ${nodes - 1}`)
    if (!Number.isFinite(weightOf(e))) throw new TrustError('bad-weight', `edge ${e} (${i} → ${j}) has weight ${weightOf(e)}; a weight is a finite number`)
    if (i !== j) {
      byTarget[j + 1] = (byTarget[j + 1] as number) + 1
      kept++
    }
  }
  // Sort by target, then stably by source: rows come out sorted by target, duplicates adjacent.
  const byTargetOrder = new Uint32Array(kept)
  prefixSum(byTarget)
  for (let e = 0; e < m; e++) {
    const j = to[e] as number
    if (from[e] === j) continue
    const slot = byTarget[j] as number
    byTargetOrder[slot] = e
    byTarget[j] = slot + 1
  }
  const offsets = new Uint32Array(nodes + 1)
  for (let k = 0; k < kept; k++) {
    const i = from[byTargetOrder[k] as number] as number
    offsets[i + 1] = (offsets[i + 1] as number) + 1
  }
  prefixSum(offsets)
  const order = new Uint32Array(kept)
  const cursor = offsets.slice(0, nodes)
  for (let k = 0; k < kept; k++) {
    const e = byTargetOrder[k] as number
    const i = from[e] as number
    const slot = cursor[i] as number
    order[slot] = e
    cursor[i] = slot + 1
  }

  // Sum duplicates, clip at 0, normalise: rows are compacted in place, left to right.
  const targets = new Uint32Array(kept)
  const weights = new Float64Array(kept)
  let out = 0
  for (let i = 0; i < nodes; i++) {
    const start = offsets[i] as number
    const end = offsets[i + 1] as number
    offsets[i] = out
    const rowStart = out
    let rowSum = 0
    for (let k = start; k < end; ) {
      const j = to[order[k] as number] as number
      let s = 0
      for (; k < end && to[order[k] as number] === j; k++) s += weightOf(order[k] as number)
      if (s > 0) {
        targets[out] = j
        weights[out] = s
        rowSum += s
        out++
      }
    }
    for (let k = rowStart; k < out; k++) weights[k] = (weights[k] as number) / rowSum
  }
  offsets[nodes] = out
  return { nodes, offsets, targets: out === kept ? targets : targets.slice(0, out), weights: out === kept ? weights : weights.slice(0, out) }
}

function isNode(x: number, nodes: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < nodes
}

/** In place: counts[k] becomes the sum of counts[0 … k]. */
function prefixSum(counts: Uint32Array): void {
  for (let k = 1; k < counts.length; k++) counts[k] = (counts[k] as number) + (counts[k - 1] as number)
}
