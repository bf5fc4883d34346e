import { Result, Schema } from 'effect'
import type { Actor, Address, Context, TimerTag } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { Count, exactBytes } from '../../core/schemas.ts'
import { identityStack, type IdentityStack, type IdentityStackInit } from '../identity/identity-stack.ts'
import type { Resources } from '../peer/announcement.ts'
import { KademliaNode, type KademliaInbox, type KademliaOptions } from '../peer/kademlia.ts'
import { ID_BYTES, idHex, idsEqual, nodeIdOf, type NodeId } from '../peer/node-id.ts'
import { recordKey, signRecord, type DhtRecord } from '../peer/record.ts'
import type { Contact } from '../peer/routing-table.ts'

/** A record this node publishes under its own key. */
export interface Publication {
  readonly name: string
  readonly value: Uint8Array
}

/** A record this node looks for: `name` as published by the node whose root key is `publisher`. */
export interface Search {
  readonly publisher: Uint8Array
  readonly name: string
}

export interface VainNodeOptions {
  /** The node's identity stack: its keys (the sealed seed in a real node), rotation, bounds (defaults: IdentityStackInit). */
  readonly identity: IdentityStackInit
  /** Where peers reach this node (its `wss://` URL in a real node, its name in simulation). */
  readonly listen: Address
  readonly bootstrap: readonly Address[]
  /** The tier this node claims in its announcement (until reputation grants tiers). */
  readonly tier?: number
  readonly capabilities?: readonly string[]
  readonly resources?: Resources
  /** Identities (root keys) convicted of misbehaviour: nothing of theirs is accepted. */
  readonly blocked?: readonly Uint8Array[]
  /**
   * The tiers this node grants other identities (root keys), until reputation grants them: a node of
   * tier 3 or more is believed when it relays announcements. This node's own tier is `tier`.
   */
  readonly trusted?: readonly { readonly identity: Uint8Array; readonly tier: number }[]
  /** Records to publish once the node has peers, and to keep alive while it runs. */
  readonly publish?: readonly Publication[]
  /** Records to look for until found. */
  readonly find?: readonly Search[]
  /** Lifetime of the records this node publishes (default 1 h); they are republished at half of it. */
  readonly recordTtlMs?: number
  /** How often unfinished publications and searches are tried again (default 2 s). */
  readonly retryMs?: number
  /** How often a change in the routing table is reported by a `peers` trace event (default 5 s). */
  readonly statusEveryMs?: number
  /**
   * The network group of a peer's address, for the routing table's diversity limits: in a real node,
   * the runtime's `groupOf` (the IPv4 /24 or IPv6 /48 a peer's link came from). Default: every address
   * its own group (in simulation, a node's name).
   */
  readonly groupOf?: (address: Address) => string
  /**
   * Which announced addresses this node will believe and dial: in a real node, the runtime's dial
   * policy (`NodeRuntime.mayDial`: `wss://host:port` only, no loopback unless the node listens there),
   * so that an announcement naming a unix socket or an internal URL is dropped before it is remembered,
   * probed or relayed. Default: every address (in simulation, node names).
   */
  readonly acceptAddress?: (address: Address) => boolean
  /** Passed on to the peer actor (timeouts, PEX and announcement periods, blacklist, tiers, diversity limits). */
  readonly peer?: Partial<Omit<KademliaOptions, 'bootstrap' | 'identity' | 'keys' | 'announce' | 'isBlocked' | 'tierOf' | 'groupOf' | 'acceptAddress'>>
}

const TASKS = 'node:tasks'
const STATUS = 'node:status'
const MAX_REPORTED_PEERS = 64
const VERSION_KEY = 'node/record-version/'
const PEERS_KEY = 'node/peers'
const MAX_URL_CHARS = 256
/**
 * Contacts kept on disk to dial again at boot, so that a node restarted without --bootstrap is not
 * isolated. 32, taken across the buckets, is more than the α = 3 queries a join starts with, so a
 * good part of them may have gone and the node still finds its way back; it stays within the
 * runtime's concurrent dials (DEFAULT_DIAL_LIMITS.maxConcurrent = 32) and a few KiB on disk.
 */
export const DEFAULT_SAVED_PEERS = 32
/**
 * Diversity limits of the routing table (docs/dht.md): at most 2 contacts of one network group in a
 * bucket (the `eclipse` scenario's defence: Sybils from one network then hold 2 of 11 buckets, not
 * all) and 10 in the whole table, so 30 identities from one address take 2 to 10 slots, not 30, while
 * a LAN of honest nodes on one /24 still fills part of each other's tables.
 */
export const DEFAULT_MAX_PER_GROUP = 2
export const DEFAULT_MAX_PER_GROUP_IN_TABLE = 10

/** The saved sample: node ids (hex) and the URLs their nodes announced. */
const SavedPeers = Schema.Array(Schema.Tuple([exactBytes(ID_BYTES), Schema.String.check(Schema.isMaxLength(MAX_URL_CHARS))])).check(
  Schema.isMaxLength(DEFAULT_SAVED_PEERS),
)

/**
 * What `vain node` runs: the peer actor (announcements on the LAN and to the bootstrap nodes, the
 * Kademlia DHT, PEX, heartbeats), plus the records its operator asked it to publish and to find.
 * Publications are retried until a holder confirms one, then republished, with a fresh expiry and a
 * higher version, at half their lifetime. Searches are retried until found.
 * Later subsystems (reputation, consensus, learning) join the node here.
 */
export class VainNode implements Actor<KademliaInbox> {
  /** The node's one identity stack, which every subsystem is given. */
  readonly identity: IdentityStack
  readonly peer: KademliaNode
  readonly inbox: KademliaNode['inbox']
  /** When each publication is next due (0: not yet confirmed by any holder). */
  private readonly republishAt = new Map<Publication, number>()
  /** What searches found (since the last start). */
  readonly found = new Map<Search, DhtRecord>()
  /** Searches not yet answered, and those of them with a lookup under way. */
  private readonly pending = new Set<Search>()
  private readonly searching = new Set<Search>()
  private reported = ''
  private saved = ''

  constructor(private readonly options: VainNodeOptions) {
    const blocked = new Set((options.blocked ?? []).map((key) => idHex(nodeIdOf(key))))
    const tiers = new Map((options.trusted ?? []).map((t) => [idHex(nodeIdOf(t.identity)), t.tier]))
    this.identity = identityStack(options.identity)
    this.peer = new KademliaNode({
      maxPerGroup: DEFAULT_MAX_PER_GROUP,
      maxPerGroupInTable: DEFAULT_MAX_PER_GROUP_IN_TABLE,
      ...options.peer,
      ...(options.groupOf && { groupOf: options.groupOf }),
      ...(options.acceptAddress && { acceptAddress: options.acceptAddress }),
      bootstrap: options.bootstrap,
      identity: this.identity,
      ...(blocked.size > 0 && { isBlocked: (id: NodeId) => blocked.has(idHex(id)) }),
      tierOf: (id) => (idsEqual(id, this.peer.id) ? (options.tier ?? 0) : (tiers.get(idHex(id)) ?? 0)),
      announce: {
        addresses: [options.listen],
        tier: options.tier ?? 0,
        capabilities: [...(options.capabilities ?? [])],
        resources: options.resources ?? { cpuCores: 0, memoryMiB: 0, gpus: 0 },
      },
    })
    this.inbox = this.peer.inbox
  }

  start(ctx: Context): void {
    this.identity.start(ctx)
    this.peer.start(ctx)
    this.rejoin(ctx)
    for (const publication of this.options.publish ?? []) this.republishAt.set(publication, 0)
    for (const search of this.options.find ?? []) this.pending.add(search)
    ctx.setTimer(this.retryMs, TASKS)
    ctx.setTimer(this.options.statusEveryMs ?? 5_000, STATUS)
  }

  receive(message: KademliaInbox, from: Address, ctx: Context): void {
    this.peer.receive(message, from, ctx)
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag === TASKS) return this.runTasks(ctx)
    if (tag === STATUS) return this.reportPeers(ctx)
    if (this.identity.timer(tag, ctx)) return
    this.peer.timer(tag, ctx)
  }

  private get retryMs(): number {
    return this.options.retryMs ?? 2_000
  }

  private get ttlMs(): number {
    return this.options.recordTtlMs ?? 3_600_000
  }

  private runTasks(ctx: Context): void {
    for (const [publication, due] of this.republishAt) if (ctx.now() >= due) this.publish(publication, ctx)
    for (const search of this.pending) this.search(search, ctx)
    ctx.setTimer(this.retryMs, TASKS)
  }

  private publish(publication: Publication, ctx: Context): void {
    const identity = this.identity
    const name = new TextEncoder().encode(publication.name)
    const seq = this.nextVersion(publication.name, ctx)
    const record = signRecord(identity.root, (m) => identity.signWithRoot(m), { name, value: publication.value, seq, expiresAt: ctx.now() + this.ttlMs })
    // Not due again until this attempt is over: a slow one is not doubled by the next retry.
    this.republishAt.set(publication, Number.POSITIVE_INFINITY)
    this.peer.publish(record, (holders) => {
      this.republishAt.set(publication, holders === 0 ? 0 : ctx.now() + this.ttlMs / 2)
      ctx.trace({ type: holders === 0 ? 'record-unplaced' : 'record-published', name: publication.name, key: idHex(record.key), version: seq, holders })
    })
  }

  // A record's version is the clock in ms, but always above the last one used, which is kept on disk:
  // holders keep the highest version, so a clock set back (or a restart) must not lower it.
  private nextVersion(name: string, ctx: Context): number {
    const key = VERSION_KEY + name
    const saved = ctx.storage.get(key)
    const last = saved === undefined ? undefined : decodeFrame(saved, Count)
    const version = Math.max(ctx.now(), last !== undefined && Result.isSuccess(last) ? last.success + 1 : 0)
    ctx.storage.put(key, encode(version))
    ctx.storage.sync()
    return version
  }

  private search(search: Search, ctx: Context): void {
    if (this.searching.has(search)) return
    this.searching.add(search)
    const key = recordKey(search.publisher, new TextEncoder().encode(search.name))
    this.peer.get(key, (record) => {
      this.searching.delete(search)
      if (record === undefined || !this.pending.delete(search)) return
      this.found.set(search, record)
      ctx.trace({ type: 'record-found', publisher: toHex(search.publisher), name: search.name, value: new TextDecoder().decode(record.value), seq: record.seq })
    })
  }

  // Reports the routing table's contacts (node ids) when they changed since the last report, and
  // keeps a sample of them on disk for the next boot.
  private reportPeers(ctx: Context): void {
    const ids = this.peer.table.contacts().map((c) => idHex(c.id)).sort()
    const summary = ids.join(',')
    if (summary !== this.reported) {
      this.reported = summary
      ctx.trace({ type: 'peers', count: ids.length, peers: ids.slice(0, MAX_REPORTED_PEERS) })
    }
    // Every tick, not only when the table changed: a contact's announced URL is known only once its
    // ping was answered, which may come a tick after the contact entered the table. (It writes only
    // when the sample changed.)
    this.savePeers(ctx)
    ctx.setTimer(this.options.statusEveryMs ?? 5_000, STATUS)
  }

  // Up to DEFAULT_SAVED_PEERS contacts, taken across the buckets (the first of each bucket, then the
  // second, …) so the sample spans the id space, each with the URL its node announced. Synced now: the
  // trace that follows tells an operator the node knows them, and a kill -9 must not make it forget.
  private savePeers(ctx: Context): void {
    const buckets = this.peer.table.occupiedBuckets().map((index) => this.peer.table.bucketContacts(index))
    const sample: [Uint8Array, string][] = []
    for (let depth = 0; sample.length < DEFAULT_SAVED_PEERS && buckets.some((b) => b.length > depth); depth++) {
      for (const bucket of buckets) {
        const contact = bucket[depth]
        const url = contact === undefined ? undefined : this.peer.announced.peek(idHex(contact.id))?.addresses[0]
        if (url !== undefined && url.length <= MAX_URL_CHARS && sample.length < DEFAULT_SAVED_PEERS) sample.push([contact!.id, url])
      }
    }
    const summary = sample.map(([id, url]) => `${idHex(id)}@${url}`).join(',')
    if (summary === this.saved) return
    this.saved = summary
    ctx.storage.put(PEERS_KEY, encode(sample))
    ctx.storage.sync()
  }

  // At boot, the saved contacts are looked up from: the node looks itself up through them (Kademlia's
  // join), each must answer with the id it was saved with, and those that do fill the table again.
  private rejoin(ctx: Context): void {
    const bytes = ctx.storage.get(PEERS_KEY)
    if (bytes === undefined) return
    const saved = decodeFrame(bytes, SavedPeers)
    if (Result.isFailure(saved)) return void ctx.trace({ type: 'saved-peers-unreadable', reason: saved.failure.message })
    const seeds: Contact[] = saved.success.filter(([id, url]) => url !== this.options.listen && !idsEqual(id, this.peer.id)).map(([id, url]) => ({ id, address: url }))
    if (seeds.length === 0) return
    ctx.trace({ type: 'rejoining', peers: seeds.length })
    this.peer.lookup(this.peer.id, () => {}, seeds)
  }
}
