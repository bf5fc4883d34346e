import type { Address } from '../../core/actor.ts'
import { ID_BITS, compareDistance, idsEqual, sharedPrefixBits, type NodeId } from './node-id.ts'

// A contact kept for long gets an id of its own: one decoded from a message is a view into the
// message's buffer (or into Node's shared 8 KiB pool) and would keep all of it alive.
function compact(contact: Contact): Contact {
  return { id: Uint8Array.from(contact.id), address: contact.address }
}

function indexOf(contacts: readonly Contact[], id: NodeId): number {
  for (let i = 0; i < contacts.length; i++) if (idsEqual(contacts[i]!.id, id)) return i
  return -1
}

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
  seenAt: number[] // when each contact was last heard from, in step with `contacts`
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
  private readonly buckets: Bucket[] = Array.from({ length: ID_BITS }, () => ({ contacts: [], seenAt: [], replacements: [] }))
  private count = 0
  /** One past the highest bucket that has held a contact (buckets above it are empty). */
  private top = 0

  constructor(
    readonly self: NodeId,
    private readonly options: RoutingOptions,
  ) {}

  get size(): number {
    return this.count
  }

  /** Records that `contact` was heard from at `now`. */
  observe(contact: Contact, now: number): Observed {
    const index = sharedPrefixBits(this.self, contact.id)
    if (index === ID_BITS) return 'self'
    const bucket = this.buckets[index]!
    const at = indexOf(bucket.contacts, contact.id)
    if (at >= 0) {
      const [known] = bucket.contacts.splice(at, 1)
      bucket.seenAt.splice(at, 1)
      bucket.contacts.push(known!)
      bucket.seenAt.push(now)
      return 'refreshed'
    }
    if (!this.groupFits(bucket.contacts, contact.address)) return 'diversity'
    if (bucket.contacts.length < this.options.k) {
      this.top = Math.max(this.top, index + 1)
      bucket.contacts.push(compact(contact))
      bucket.seenAt.push(now)
      this.count++
      return 'added'
    }
    const parked = indexOf(bucket.replacements, contact.id)
    if (parked >= 0) bucket.replacements.splice(parked, 1)
    bucket.replacements.push(compact(contact))
    if (bucket.replacements.length > this.options.replacements) bucket.replacements.shift()
    return 'full'
  }

  /** The least recently seen contact of the bucket `id` falls in (the one to probe when it is full), and when it was seen. */
  oldest(id: NodeId): { readonly contact: Contact; readonly seenAt: number } | undefined {
    const bucket = this.buckets[sharedPrefixBits(this.self, id)]
    const contact = bucket?.contacts[0]
    return contact === undefined ? undefined : { contact, seenAt: bucket!.seenAt[0]! }
  }

  /** Removes a contact that failed; the bucket's newest replacement (if its group fits) takes its place. */
  remove(id: NodeId, now: number): Contact | undefined {
    const bucket = this.buckets[sharedPrefixBits(this.self, id)]
    if (bucket === undefined) return undefined
    const at = indexOf(bucket.contacts, id)
    if (at < 0) return undefined
    const [removed] = bucket.contacts.splice(at, 1)
    bucket.seenAt.splice(at, 1)
    this.count--
    for (let i = bucket.replacements.length - 1; i >= 0; i--) {
      const candidate = bucket.replacements[i]!
      if (this.groupFits(bucket.contacts, candidate.address)) {
        bucket.replacements.splice(i, 1)
        bucket.contacts.push(candidate)
        bucket.seenAt.push(now)
        this.count++
        break
      }
    }
    return removed
  }

  has(id: NodeId): boolean {
    const bucket = this.buckets[sharedPrefixBits(this.self, id)]
    return bucket !== undefined && indexOf(bucket.contacts, id) >= 0
  }

  /** Whether one more contact from `address`'s group stays within maxPerGroup in `contacts`. */
  private groupFits(contacts: readonly Contact[], address: Address): boolean {
    if (this.options.maxPerGroup >= this.options.k) return true
    const group = this.options.groupOf(address)
    let same = 0
    for (const c of contacts) if (this.options.groupOf(c.address) === group) same++
    return same < this.options.maxPerGroup
  }

  /**
   * The `n` known contacts closest to `target` by XOR distance. Buckets are visited in distance order
   * (a contact in bucket p, where p is the prefix `target` shares with us, shares more than p bits with
   * `target`; those in buckets above p share exactly p; those in bucket j < p share exactly j), so
   * only the buckets that can contribute are sorted.
   */
  closest(target: NodeId, n: number): Contact[] {
    const p = sharedPrefixBits(this.self, target)
    const out: Contact[] = []
    const group: Contact[] = []
    const take = () => {
      group.sort((a, b) => compareDistance(target, a.id, b.id))
      for (let i = 0; i < group.length && out.length < n; i++) out.push(group[i]!)
      group.length = 0
    }
    if (p < ID_BITS) group.push(...this.buckets[p]!.contacts)
    take()
    for (let j = p + 1; j < this.top && out.length < n; j++) group.push(...this.buckets[j]!.contacts)
    take()
    for (let j = Math.min(p, ID_BITS) - 1; j >= 0 && out.length < n; j--) {
      group.push(...this.buckets[j]!.contacts)
      take()
    }
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
