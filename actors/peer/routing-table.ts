import type { Address } from '../../core/actor.ts'
import { ID_BITS, compareDistance, idsEqual, sharedPrefixBits, type NodeId } from './node-id.ts'

/** A peer as a routing table knows it. */
export interface Contact {
  readonly id: NodeId
  readonly address: Address
}

export interface RoutingOptions {
  /** Bucket size: Kademlia's k (20). */
  readonly k: number
  /** At most this many contacts of one network group per bucket (eclipse resistance). */
  readonly maxPerGroup: number
  /** Candidates kept per bucket to replace contacts that fail. */
  readonly replacements: number
  /** The network group of an address (an IPv4 /24, a simulated LAN): peers in one group share a fate. */
  readonly groupOf: (address: Address) => string
}

/** What observing a contact did. */
export type Observed =
  | 'added'
  | 'refreshed' // already known: moved to the bucket's most-recently-seen end
  | 'full' // the bucket is full: kept as a replacement candidate; the caller may probe `oldest`
  | 'diversity' // its group already has maxPerGroup contacts in that bucket: refused
  | 'self'

interface Bucket {
  contacts: Contact[] // least recently seen first
  replacements: Contact[]
}

/**
 * Kademlia's routing table (Maymounkov & Mazières, 2002, §2.2 and §2.4): 256 k-buckets, bucket i
 * holding contacts that share exactly i leading bits with this node's id, each ordered from least to
 * most recently seen. A full bucket keeps old contacts (they are the ones likely to stay up) and
 * parks newcomers as replacements until a contact fails. Beyond the paper, a bucket takes at most
 * `maxPerGroup` contacts from one network group, so one operator's many identities cannot fill it.
 */
export class RoutingTable {
  private readonly buckets: Bucket[] = Array.from({ length: ID_BITS }, () => ({ contacts: [], replacements: [] }))
  private count = 0

  constructor(
    readonly self: NodeId,
    private readonly options: RoutingOptions,
  ) {}

  get size(): number {
    return this.count
  }

  observe(contact: Contact): Observed {
    const index = sharedPrefixBits(this.self, contact.id)
    if (index === ID_BITS) return 'self'
    const bucket = this.buckets[index]!
    const at = bucket.contacts.findIndex((c) => idsEqual(c.id, contact.id))
    if (at >= 0) {
      bucket.contacts.splice(at, 1)
      bucket.contacts.push(contact)
      return 'refreshed'
    }
    const group = this.options.groupOf(contact.address)
    if (bucket.contacts.filter((c) => this.options.groupOf(c.address) === group).length >= this.options.maxPerGroup) return 'diversity'
    if (bucket.contacts.length < this.options.k) {
      bucket.contacts.push(contact)
      this.count++
      return 'added'
    }
    const parked = bucket.replacements.findIndex((c) => idsEqual(c.id, contact.id))
    if (parked >= 0) bucket.replacements.splice(parked, 1)
    bucket.replacements.push(contact)
    if (bucket.replacements.length > this.options.replacements) bucket.replacements.shift()
    return 'full'
  }

  /** The least recently seen contact of the bucket `id` falls in (the one to probe when it is full). */
  oldest(id: NodeId): Contact | undefined {
    return this.buckets[sharedPrefixBits(this.self, id)]?.contacts[0]
  }

  /** Removes a contact that failed; the bucket's newest replacement (if its group fits) takes its place. */
  remove(id: NodeId): Contact | undefined {
    const bucket = this.buckets[sharedPrefixBits(this.self, id)]
    if (bucket === undefined) return undefined
    const at = bucket.contacts.findIndex((c) => idsEqual(c.id, id))
    if (at < 0) return undefined
    const [removed] = bucket.contacts.splice(at, 1)
    this.count--
    for (let i = bucket.replacements.length - 1; i >= 0; i--) {
      const candidate = bucket.replacements[i]!
      const group = this.options.groupOf(candidate.address)
      if (bucket.contacts.filter((c) => this.options.groupOf(c.address) === group).length < this.options.maxPerGroup) {
        bucket.replacements.splice(i, 1)
        bucket.contacts.push(candidate)
        this.count++
        break
      }
    }
    return removed
  }

  has(id: NodeId): boolean {
    const bucket = this.buckets[sharedPrefixBits(this.self, id)]
    return bucket !== undefined && bucket.contacts.some((c) => idsEqual(c.id, id))
  }

  /**
   * The `n` known contacts closest to `target` by XOR distance. Buckets are visited in distance order
   * (a contact in bucket p, where p is the prefix `target` shares with us, shares more than p bits with
   * `target`; those in buckets above p share exactly p; those in bucket j < p share exactly j), so
   * only the buckets that can contribute are sorted.
   */
  closest(target: NodeId, n: number): Contact[] {
    const p = sharedPrefixBits(this.self, target)
    const byDistance = (a: Contact, b: Contact) => compareDistance(target, a.id, b.id)
    const out: Contact[] = []
    const take = (contacts: Contact[]) => {
      for (const c of contacts.sort(byDistance)) {
        if (out.length >= n) return
        out.push(c)
      }
    }
    if (p < ID_BITS) take(this.buckets[p]!.contacts.slice())
    if (out.length < n) take(this.buckets.slice(p + 1).flatMap((b) => b.contacts))
    for (let j = Math.min(p, ID_BITS) - 1; j >= 0 && out.length < n; j--) take(this.buckets[j]!.contacts.slice())
    return out
  }

  /** Every contact, bucket by bucket. */
  contacts(): Contact[] {
    return this.buckets.flatMap((b) => b.contacts)
  }

  /** The indices of the buckets that hold at least one contact. */
  occupiedBuckets(): number[] {
    return this.buckets.flatMap((b, i) => (b.contacts.length > 0 ? [i] : []))
  }

  bucketContacts(index: number): readonly Contact[] {
    return this.buckets[index]?.contacts ?? []
  }
}
