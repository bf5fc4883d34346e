/**
 * How well a trust signal holds a Sybil region down, given which nodes are Sybils (`sybil[i]` is 1 for
 * a Sybil): the measures of docs/trust.md's Sybil result and of the `sybil` scenario's `sybilTrustShare`.
 */

/** The Sybils' share of all trust, 0 … 1 (the issue's target: below 0.05 at 10× Sybils, ≤ 1% attack edges). */
export function sybilTrustShare(trust: ArrayLike<number>, sybil: ArrayLike<number>): number {
  let all = 0
  let sybils = 0
  for (let i = 0; i < trust.length; i++) {
    all += trust[i] as number
    if (sybil[i] === 1) sybils += trust[i] as number
  }
  return all > 0 ? sybils / all : 0
}

/**
 * The area under the ROC curve of a ranking: the chance that a random honest node ranks above a random
 * Sybil, ties counting half (SybilRank's own measure). 1 puts every Sybil below every honest node; 0.5
 * is a coin. Computed from the ranks (Mann–Whitney U) in O(n log n). NaN without both kinds of node.
 */
export function rankingAuc(rank: ArrayLike<number>, sybil: ArrayLike<number>): number {
  const order = Array.from({ length: rank.length }, (_, i) => i).sort((a, b) => (rank[a] as number) - (rank[b] as number))
  let honest = 0
  let honestRankSum = 0
  for (let k = 0; k < order.length; ) {
    // A run of ties shares the mean of its positions (1-based).
    let end = k
    while (end < order.length && rank[order[end] as number] === rank[order[k] as number]) end++
    const meanPosition = (k + 1 + end) / 2
    for (let q = k; q < end; q++) {
      if (sybil[order[q] as number] !== 1) {
        honest++
        honestRankSum += meanPosition
      }
    }
    k = end
  }
  const sybils = rank.length - honest
  if (honest === 0 || sybils === 0) return Number.NaN
  return (honestRankSum - (honest * (honest + 1)) / 2) / (honest * sybils)
}
