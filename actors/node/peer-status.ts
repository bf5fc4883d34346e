import { Result, Schema } from 'effect'
import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import type { Component } from '../../core/component.ts'
import { exactBytes } from '../../core/schemas.ts'
import type { KademliaNode } from '../peer/kademlia.ts'
import { ID_BYTES, idHex, idsEqual } from '../peer/node-id.ts'
import type { Contact } from '../peer/routing-table.ts'

export interface PeerStatusInit {
  /** Where peers reach this node (its `wss://` URL in a real node, its name in simulation): announced, and never dialled from the saved contacts. */
  readonly listen: Address
  /** How often a change in the routing table is reported by a `peers` trace event (default DEFAULT_STATUS_EVERY_MS). */
  readonly statusEveryMs?: number
}

/** A `peers` report at most every 5 s: often enough to watch a join, rare enough for a log. */
export const DEFAULT_STATUS_EVERY_MS = 5_000
/**
 * Contacts kept on disk to dial again at boot, so that a node restarted without --bootstrap is not
 * isolated. 32, taken across the buckets, is more than the α = 3 queries a join starts with, so a
 * good part of them may have gone and the node still finds its way back; it stays within the
 * runtime's concurrent dials (DEFAULT_DIAL_LIMITS.maxConcurrent = 32) and a few KiB on disk.
 */
export const DEFAULT_SAVED_PEERS = 32
const MAX_REPORTED_PEERS = 64
const MAX_URL_CHARS = 256
const STATUS = 'status'
const PEERS_KEY = 'peers'

/** The saved sample: node ids and the URLs their nodes announced. */
const SavedPeers = Schema.Array(Schema.Tuple([exactBytes(ID_BYTES), Schema.String.check(Schema.isMaxLength(MAX_URL_CHARS))])).check(
  Schema.isMaxLength(DEFAULT_SAVED_PEERS),
)

/**
 * What a node knows of its peers, reported and kept: a `peers` trace event when the routing table
 * changed, a sample of contacts saved on disk every tick, and, at boot, a rejoin through the saved
 * sample (Kademlia's join: the node looks itself up through them).
 */
export class PeerStatus implements Component {
  readonly name = 'status'
  private reported = ''
  private saved = ''
  private ctx!: Context

  constructor(
    private readonly init: PeerStatusInit,
    private readonly deps: { readonly kad: KademliaNode },
  ) {}

  start(ctx: Context): void {
    this.ctx = ctx
    this.reported = ''
    this.saved = ''
    this.rejoin()
    ctx.setTimer(this.everyMs, STATUS)
  }

  timer(tag: TimerTag): void {
    if (tag === STATUS) this.report()
  }

  private get everyMs(): number {
    return this.init.statusEveryMs ?? DEFAULT_STATUS_EVERY_MS
  }

  // Reports the routing table's contacts (node ids) when they changed since the last report, and
  // keeps a sample of them on disk for the next boot.
  private report(): void {
    const ids = this.deps.kad.table.contacts().map((c) => idHex(c.id)).sort()
    const summary = ids.join(',')
    if (summary !== this.reported) {
      this.reported = summary
      this.ctx.trace({ type: 'peers', count: ids.length, peers: ids.slice(0, MAX_REPORTED_PEERS) })
    }
    // Every tick, not only when the table changed: a contact's announced URL is known only once its
    // ping was answered, which may come a tick after the contact entered the table. (It writes only
    // when the sample changed.)
    this.save()
    this.ctx.setTimer(this.everyMs, STATUS)
  }

  // Up to DEFAULT_SAVED_PEERS contacts, taken across the buckets (the first of each bucket, then the
  // second, …) so the sample spans the id space, each with the URL its node announced. Synced now: the
  // trace that follows tells an operator the node knows them, and a kill -9 must not make it forget.
  private save(): void {
    const { table, announced } = this.deps.kad
    const buckets = table.occupiedBuckets().map((index) => table.bucketContacts(index))
    const sample: [Uint8Array, string][] = []
    for (let depth = 0; sample.length < DEFAULT_SAVED_PEERS && buckets.some((b) => b.length > depth); depth++) {
      for (const bucket of buckets) {
        const contact = bucket[depth]
        const url = contact === undefined ? undefined : announced.peek(idHex(contact.id))?.addresses[0]
        if (url !== undefined && url.length <= MAX_URL_CHARS && sample.length < DEFAULT_SAVED_PEERS) sample.push([contact!.id, url])
      }
    }
    const summary = sample.map(([id, url]) => `${idHex(id)}@${url}`).join(',')
    if (summary === this.saved) return
    this.saved = summary
    this.ctx.storage.put(PEERS_KEY, encode(sample))
    this.ctx.storage.sync()
  }

  // At boot, the saved contacts are looked up from: the node looks itself up through them (Kademlia's
  // join), each must answer with the id it was saved with, and those that do fill the table again.
  private rejoin(): void {
    const bytes = this.ctx.storage.get(PEERS_KEY)
    if (bytes === undefined) return
    const saved = decodeFrame(bytes, SavedPeers)
    if (Result.isFailure(saved)) return void this.ctx.trace({ type: 'saved-peers-unreadable', reason: saved.failure.message })
    const kad = this.deps.kad
    const seeds: Contact[] = saved.success.filter(([id, url]) => url !== this.init.listen && !idsEqual(id, kad.id)).map(([id, url]) => ({ id, address: url }))
    if (seeds.length === 0) return
    this.ctx.trace({ type: 'rejoining', peers: seeds.length })
    kad.lookup(kad.id, () => {}, seeds)
  }
}
