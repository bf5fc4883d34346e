import { compareDistance, idPrefixKey, idsEqual, type NodeId } from './node-id.ts'
import type { Contact } from './routing-table.ts'

type State = 'new' | 'waiting' | 'answered' | 'failed'

const MAX_ATTEMPTS = 3

interface Candidate {
  readonly contact: Contact
  /** RPC rounds it took to learn of this contact (0: from our own table). */
  readonly hop: number
  state: State
  attempts: number
}

/**
 * One iterative Kademlia node lookup (§2.3): keep the candidates sorted by distance to the target,
 * query the α closest not yet queried, merge what they return, and stop when the k closest that have
 * not failed have all answered. Plain code, no messages: the actor sends what `next` returns and feeds
 * back `answered` and `failed`.
 */
export class Lookup {
  private readonly candidates: Candidate[] = []
  /** Ids seen so far, by their 48-bit prefix (confirmed against the full id on a match). */
  private readonly known = new Map<number, NodeId[]>()
  private waiting = 0
  /** RPCs sent for this lookup. */
  rpcs = 0
  /** The round at which the target itself was learnt, if it was. */
  targetHop: number | undefined
  private targetAnswered = false

  constructor(
    readonly target: NodeId,
    seeds: readonly Contact[],
    private readonly k: number,
    private readonly alpha: number,
    /** Stop as soon as the target itself answers (finding one node), rather than once the k closest have (placing data). */
    private readonly untilTargetAnswers = false,
  ) {
    for (const contact of seeds) this.add(contact, 0)
  }

  /** Contacts to query now (marked as waiting), keeping at most α queries in flight. */
  next(): Contact[] {
    const out: Contact[] = []
    let considered = 0
    for (const candidate of this.candidates) {
      if (this.waiting >= this.alpha || considered >= this.k) break
      if (candidate.state === 'failed') continue
      considered++
      if (candidate.state !== 'new') continue
      candidate.state = 'waiting'
      candidate.attempts++
      this.waiting++
      this.rpcs++
      out.push(candidate.contact)
    }
    return out
  }

  answered(from: NodeId, contacts: readonly Contact[]): void {
    const candidate = this.settle(from, 'answered')
    if (candidate === undefined) return
    if (idsEqual(from, this.target)) this.targetAnswered = true
    for (const contact of contacts) this.add(contact, candidate.hop + 1)
  }

  /** A query timed out: the candidate is asked again, up to three times in all (a lost datagram is not a dead node), then dropped. */
  failed(from: NodeId): 'retry' | 'gave-up' {
    const candidate = this.settle(from, 'failed')
    if (candidate === undefined || candidate.attempts >= MAX_ATTEMPTS) return 'gave-up'
    candidate.state = 'new'
    return 'retry'
  }

  /** Done when the target answered (if asked to stop there), or nothing is in flight and the k closest live candidates have all answered. */
  get done(): boolean {
    if (this.untilTargetAnswers && this.targetAnswered) return true
    if (this.waiting > 0) return false
    let considered = 0
    for (const candidate of this.candidates) {
      if (candidate.state === 'failed') continue
      if (candidate.state === 'new') return false
      if (++considered >= this.k) break
    }
    return true
  }

  /** The k closest contacts that answered. */
  result(): Contact[] {
    return this.candidates.filter((c) => c.state === 'answered').slice(0, this.k).map((c) => c.contact)
  }

  private add(contact: Contact, hop: number): void {
    const key = idPrefixKey(contact.id)
    const same = this.known.get(key)
    if (same?.some((id) => idsEqual(id, contact.id))) return
    if (same === undefined) this.known.set(key, [contact.id])
    else same.push(contact.id)
    if (this.targetHop === undefined && idsEqual(contact.id, this.target)) this.targetHop = hop
    let lo = 0
    let hi = this.candidates.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareDistance(this.target, this.candidates[mid]!.contact.id, contact.id) < 0) lo = mid + 1
      else hi = mid
    }
    this.candidates.splice(lo, 0, { contact, hop, state: 'new', attempts: 0 })
  }

  private settle(from: NodeId, state: 'answered' | 'failed'): Candidate | undefined {
    const candidate = this.candidates.find((c) => c.state === 'waiting' && idsEqual(c.contact.id, from))
    if (candidate === undefined) return undefined
    candidate.state = state
    this.waiting--
    return candidate
  }
}
