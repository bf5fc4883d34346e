import { toHex } from '../../core/bytes.ts'
import type { Committee } from './committee.ts'

/** The tally key of a nil vote (a hash's key is its hex, never this). */
export const NIL = 'nil'

/** What adding a vote did: counted, a repeat of the member's vote, or a second, different vote (equivocation). */
export type Added = 'counted' | 'repeat' | 'conflict'

/**
 * The votes of one kind in one round: at most one per member (its first; a different second one is
 * equivocation, reported and not counted), the weight behind each value, and the weight that voted at
 * all. Bounded by the committee: one slot per member, one weight per distinct value.
 */
export class RoundTally {
  /** Each member's value key, or undefined when it has not voted. */
  private readonly votes: (string | undefined)[]
  /** The signature of each counted vote, for certificates. */
  readonly signatures: (Uint8Array | undefined)[]
  private readonly weightOf = new Map<string, number>()
  /** The weight of every member that voted, whatever for. */
  any = 0

  constructor(private readonly committee: Committee) {
    this.votes = new Array<string | undefined>(committee.size)
    this.signatures = new Array<Uint8Array | undefined>(committee.size)
  }

  add(member: number, hash: Uint8Array | null, signature: Uint8Array): Added {
    const key = hash === null ? NIL : toHex(hash)
    const earlier = this.votes[member]
    if (earlier !== undefined) return earlier === key ? 'repeat' : 'conflict'
    const weight = this.committee.weights[member] as number
    this.votes[member] = key
    this.signatures[member] = signature
    this.weightOf.set(key, (this.weightOf.get(key) ?? 0) + weight)
    this.any += weight
    return 'counted'
  }

  /** The weight behind `key` (a hash's hex, or NIL). */
  weight(key: string): number {
    return this.weightOf.get(key) ?? 0
  }

  /** The value with a quorum behind it, if one has. */
  quorumValue(): string | undefined {
    for (const [key, weight] of this.weightOf) if (this.committee.isQuorum(weight)) return key
    return undefined
  }

  /** The members that voted at all. */
  voters(): number[] {
    const out: number[] = []
    this.votes.forEach((v, s) => {
      if (v !== undefined) out.push(s)
    })
    return out
  }

  /** The members that voted for `key`, with their signatures (a certificate). */
  signers(key: string): { s: number; sig: Uint8Array }[] {
    const out: { s: number; sig: Uint8Array }[] = []
    this.votes.forEach((v, s) => {
      if (v === key) out.push({ s, sig: this.signatures[s] as Uint8Array })
    })
    return out
  }
}
