import { toHex } from '../../core/bytes.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import type { Committee } from './committee.ts'
import type { Signed } from './messages.ts'

/** The tally key of a nil vote (a hash's key is its hex, never this). */
export const NIL = 'nil'

/**
 * Values one member's votes are counted for in one round. An honest member signs one; a second is
 * equivocation, and it is counted too: a quorum is a set of signatures, and two quorums for different
 * values overlap in more than a third of the weight, all of it members that signed both (so Byzantine),
 * whatever this node heard first. Counting only the first would let the order of arrival hide a quorum
 * (a twin's nil vote arriving before its proof-of-lock vote stalled a height). Past two, a member's
 * further values are dropped: bounded memory, and only its own quorums lose by it.
 */
export const MAX_VALUES_PER_MEMBER = 2

/**
 * What adding a vote did: counted, a repeat of a vote counted already, a different vote (equivocation,
 * counted and reported once), or a value past MAX_VALUES_PER_MEMBER (dropped: its equivocation is known).
 */
export type Added = 'counted' | 'repeat' | 'conflict' | 'dropped'

interface Value {
  weight: number
  readonly signatures: Map<number, Uint8Array>
}

/**
 * The votes of one kind in one round: the signatures behind each value and their weight, and the weight
 * that voted at all. Bounded by the committee: at most MAX_VALUES_PER_MEMBER values per member.
 */
export class RoundTally {
  private readonly values = new Map<string, Value>()
  /** How many values each member's votes are counted for. */
  private readonly counted: Uint8Array
  /** The weight of every member that voted, whatever for, each once. */
  any = 0

  constructor(private readonly committee: Committee) {
    this.counted = new Uint8Array(committee.size)
  }

  add(member: number, hash: Uint8Array | null, signature: Uint8Array): Added {
    const key = hash === null ? NIL : toHex(hash)
    let value = this.values.get(key)
    if (value?.signatures.has(member) === true) return 'repeat'
    const earlier = this.counted[member] as number
    if (earlier >= MAX_VALUES_PER_MEMBER) return 'dropped'
    if (value === undefined) this.values.set(key, (value = { weight: 0, signatures: new Map() }))
    const weight = this.committee.weights[member] as number
    value.signatures.set(member, signature)
    value.weight += weight
    this.counted[member] = earlier + 1
    if (earlier > 0) return 'conflict'
    this.any += weight
    return 'counted'
  }

  /** Whether `member`'s vote for `key` is counted. */
  counts(member: number, key: string): boolean {
    return this.values.get(key)?.signatures.has(member) === true
  }

  /** The weight behind `key` (a hash's hex, or NIL). */
  weight(key: string): number {
    return this.values.get(key)?.weight ?? 0
  }

  /** A value with a quorum behind it, if one has. */
  quorumValue(): string | undefined {
    for (const [key, value] of this.values) if (this.committee.isQuorum(value.weight)) return key
    return undefined
  }

  /** The first value `member`'s votes are counted for, with its signature (undefined when it has not voted). */
  voteOf(member: number): { key: string; sig: Uint8Array } | undefined {
    for (const [key, value] of this.values) {
      const sig = value.signatures.get(member)
      if (sig !== undefined) return { key, sig }
    }
    return undefined
  }

  /** The members that voted at all. */
  voters(): number[] {
    const out: number[] = []
    this.counted.forEach((n, s) => {
      if (n > 0) out.push(s)
    })
    return out
  }

  /** The members that voted for `key`, with their signatures, in member order (a certificate). */
  signers(key: string): { s: number; sig: Uint8Array }[] {
    const signatures = this.values.get(key)?.signatures
    if (signatures === undefined) return []
    return [...signatures].sort(([a], [b]) => a - b).map(([s, sig]) => ({ s, sig }))
  }
}

/**
 * What a certificate (a `commit`'s precommits, a collector's `votes`) proves: signatures valid over
 * `payload`, one per member, that together weigh a quorum; nothing otherwise. A forged signature is left
 * out and a short certificate proves nothing at all. What it costs is bounded by the committee, not by
 * the certificate: a member named twice is checked once (by its first signature; an honest certificate
 * names each once), an index outside the committee not at all, and checking stops as soon as the valid
 * signatures weigh a quorum (what is returned is then exactly a quorum, in certificate order) or the
 * ones left could no longer make one. At most n verifications, at most f + 1 wasted on forgeries
 * before it gives up with equal weights.
 */
export function certified(committee: Committee, verifier: SignatureVerifier, payload: Uint8Array, votes: readonly Signed[]): Signed[] {
  const distinct = new Map<number, Signed>()
  let reachable = 0
  for (const vote of votes) {
    if (vote.s >= committee.size || distinct.has(vote.s)) continue
    distinct.set(vote.s, vote)
    reachable += committee.weights[vote.s] as number
  }
  const valid: Signed[] = []
  let weight = 0
  for (const vote of distinct.values()) {
    if (committee.isQuorum(weight) || !committee.isQuorum(reachable)) break
    const memberWeight = committee.weights[vote.s] as number
    if (verifier.verify(committee.members[vote.s]!.publicKey, payload, vote.sig)) {
      valid.push(vote)
      weight += memberWeight
    } else reachable -= memberWeight
  }
  return committee.isQuorum(weight) ? valid : []
}
