import type { Actor, Address, Context, TimerTag } from '../../core/actor.ts'
import { isIdentityAddress, mayClaimKey } from '../../core/address.ts'
import type { LieContext, Liar } from '../../core/byzantine.ts'
import type { Component } from '../../core/component.ts'
import { ScopedContext } from '../../core/scoped-context.ts'
import { identityStack, type IdentityStack } from '../identity/identity-stack.ts'
import type { KeyStore } from '../identity/key-store.ts'
import { Introductions, type AnnouncedView, type IntroductionOptions } from './introductions.ts'
import { routingLie, type Question } from './kademlia-lie.ts'
import { Lookups, type LookupDone, type LookupReport } from './kademlia-lookups.ts'
import { Maintenance } from './kademlia-maintenance.ts'
import {
  DEFAULT_HANDOFF_BURST,
  DEFAULT_HANDOFFS_PER_SECOND,
  DEFAULT_MAX_RECORD_TTL_MS,
  DEFAULT_REPUBLISH_MS,
  DEFAULT_REPUBLISH_SLICES,
  Records,
} from './kademlia-records.ts'
import { KademliaInbox, KademliaRpcs, packContacts, type KademliaMessage } from './kademlia-rpc.ts'
import { asId, idHex, nodeIdOf, sharedPrefixBits, type NodeId } from './node-id.ts'
import type { DhtRecord } from './record.ts'
import { DEFAULT_RECORD_LIMITS, type RecordLimits, type RecordStore } from './record-store.ts'
import { RoutingTable, type Contact, type RoutingOptions } from './routing-table.ts'
import { DEFAULT_MAX_PENDING_RPCS } from './rpc.ts'

export { KademliaInbox, KademliaMessage } from './kademlia-rpc.ts'
export type { LookupReport } from './kademlia-lookups.ts'
export { DEFAULT_HANDOFF_BURST, DEFAULT_HANDOFFS_PER_SECOND, DEFAULT_MAX_RECORD_TTL_MS, DEFAULT_REPUBLISH_MS, DEFAULT_REPUBLISH_SLICES } from './kademlia-records.ts'

/** Bucket size and replication factor: the paper's k = 20 (§2.2), a bucket that a day's churn rarely empties. */
export const DEFAULT_K = 20
/** Parallel queries per lookup: the paper's α = 3 (§2.3). */
export const DEFAULT_ALPHA = 3
/** An RPC unanswered this long is taken for lost: 1 s, some ten times a WAN round trip. */
export const DEFAULT_RPC_TIMEOUT_MS = 1_000
/** A contact silent this long is probed, and the heartbeat that checks every bucket runs this often: a minute. */
export const DEFAULT_PROBE_AFTER_MS = 60_000
/**
 * Far buckets refreshed after the join: none. The self-lookup already passes through the far buckets
 * and later joiners' queries fill them (measured: 100% lookup success at 10,000 nodes, for 40% fewer
 * messages than the paper's refresh of every bucket; docs/dht.md).
 */
export const DEFAULT_REFRESH_BUCKETS = 0
/** A bucket no lookup went through in this long is refreshed: the paper's hour (§2.3). */
export const DEFAULT_REFRESH_IDLE_MS = 3_600_000

export interface KademliaOptions extends Partial<Omit<RoutingOptions, 'groupOf'>>, IntroductionOptions {
  /** Addresses to join through. */
  readonly bootstrap: readonly Address[]
  /**
   * The network group of a link's address (a real node passes the IPv4 /24 of the link): it limits
   * contacts per group in the routing table and is the unit of the record store's per-sender quota.
   * Default: the address itself.
   */
  readonly groupOf?: (address: Address) => string
  /**
   * The node's one identity stack, shared with its other components: whoever built it starts it before
   * this node and routes its timers (a composite such as VainNode). Without one, this node builds its
   * own from `keys` and starts and drives it itself, as a standalone DHT actor.
   */
  readonly identity?: IdentityStack
  /** The keys of the stack this node builds when given none (default: a seed from its random stream). */
  readonly keys?: KeyStore
  /** Parallel queries per lookup: Kademlia's α (default DEFAULT_ALPHA). */
  readonly alpha?: number
  /** Default DEFAULT_RPC_TIMEOUT_MS. */
  readonly rpcTimeoutMs?: number
  /** A bucket with no lookup in this long is refreshed by a lookup of a random id in it (default DEFAULT_REFRESH_IDLE_MS). */
  readonly refreshIdleMs?: number
  /** A contact silent this long is probed (when its bucket is full, and at each heartbeat, which runs this often); default DEFAULT_PROBE_AFTER_MS. */
  readonly probeAfterMs?: number
  /** How often a holder republishes its records to the k closest nodes (default DEFAULT_REPUBLISH_MS). */
  readonly republishMs?: number
  /** The longest record lifetime accepted (default DEFAULT_MAX_RECORD_TTL_MS). */
  readonly maxRecordTtlMs?: number
  /** Caps and quotas of the record store (default DEFAULT_RECORD_LIMITS). */
  readonly recordLimits?: Partial<RecordLimits>
  /** Records handed off to newcomers per second (default DEFAULT_HANDOFFS_PER_SECOND), and saved up. */
  readonly handoffsPerSecond?: number
  readonly handoffBurst?: number
  /** Slices a republish period is cut into (default DEFAULT_REPUBLISH_SLICES). */
  readonly republishSlices?: number
  /** RPCs in flight at most (default DEFAULT_MAX_PENDING_RPCS). */
  readonly maxPendingRpcs?: number
  /**
   * Identities convicted of misbehaviour (by node id). Nothing of theirs is accepted: their RPCs go
   * unanswered, they never enter the routing table or a lookup, their announcements and records are
   * refused.
   */
  readonly isBlocked?: (id: NodeId) => boolean
  /** Far buckets refreshed (a lookup of a random id in them) after the join (default 0: see docs/dht.md). */
  readonly refreshBuckets?: number
}

/** The parts of a started node; rebuilt at every start (a restart keeps only what storage holds). */
interface Parts {
  readonly ctx: Context
  readonly rpcs: KademliaRpcs
  readonly lookups: Lookups
  readonly maintenance: Maintenance
  readonly records: Records
  readonly introductions: Introductions
}

/**
 * A Kademlia node (Maymounkov & Mazières, 2002): the component `kad` (protocol `kad/1`) of a node, and
 * still an actor of its own where a scenario runs it alone. Its id is BLAKE2b-256 of its identity key.
 * It wires four parts, each in a file of its own: the RPCs (kademlia-rpc.ts), the lookups
 * (kademlia-lookups.ts), the maintenance of its routing table (kademlia-maintenance.ts: join,
 * heartbeat, probes, refresh) and the records (kademlia-records.ts), with the introductions
 * (introductions.ts); it serves the requests of others itself.
 *
 * The calls other components make (`publish`, `get`, `lookup`, `probe`, `observe`) take no context:
 * the node keeps the one its `start` received, through which its timers, storage and sends must go
 * (core/component.ts).
 */
export class KademliaNode implements Actor<KademliaInbox>, Component<KademliaInbox>, Liar {
  readonly name = 'kad'
  readonly protocol = 'kad/1'
  readonly inbox = KademliaInbox
  /** The node's identity stack: its keys, and the key book, envelope opener and verifier it shares. */
  readonly identity: IdentityStack
  /** Whether this node built its identity stack (and so starts it and routes its timers). */
  private readonly ownsIdentity: boolean
  private identityContext: ScopedContext | undefined
  table!: RoutingTable
  id!: NodeId
  /** This node's identity key (its id is BLAKE2b of it). */
  key!: Uint8Array
  private readonly k: number
  private parts: Parts | undefined
  /** The question whose reply is going out, for the lie hook (set only during that send). */
  private answering: Question | undefined = undefined

  constructor(private readonly options: KademliaOptions) {
    this.ownsIdentity = options.identity === undefined
    this.identity = options.identity ?? identityStack({ ...(options.keys && { keys: options.keys }) })
    this.k = options.k ?? DEFAULT_K
  }

  start(ctx: Context): void {
    const options = this.options
    // A stack of its own runs in the scope a composite would give it: its keys under `identity/`.
    if (this.ownsIdentity) this.identity.start((this.identityContext = new ScopedContext(ctx, this.identity.name, undefined)))
    this.key = this.identity.root
    this.id = nodeIdOf(this.key)
    this.table = new RoutingTable(this.id, {
      k: this.k,
      maxPerGroup: options.maxPerGroup ?? this.k,
      ...(options.maxPerGroupInTable !== undefined && { maxPerGroupInTable: options.maxPerGroupInTable }),
      replacements: options.replacements ?? this.k,
      groupOf: options.groupOf ?? ((address) => address),
    })
    const rpcs = new KademliaRpcs(ctx, {
      timeoutMs: options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS,
      maxPending: options.maxPendingRpcs ?? DEFAULT_MAX_PENDING_RPCS,
      beforeSend: (to) => introductions.introduceTo(to, ctx),
    })
    const usable = (contacts: Contact[]) => this.usable(contacts)
    const host = { id: this.id, key: this.key, table: this.table, rpcs }
    const lookups = new Lookups(ctx, { ...host, usable, acceptable: (record) => records.acceptable(record) }, this.k, options.alpha ?? DEFAULT_ALPHA)
    const records: Records = new Records(ctx, { ...host, lookups }, this.k, this.identity.verifier, {
      limits: { ...DEFAULT_RECORD_LIMITS, ...options.recordLimits },
      republishMs: options.republishMs ?? DEFAULT_REPUBLISH_MS,
      republishSlices: options.republishSlices ?? DEFAULT_REPUBLISH_SLICES,
      maxRecordTtlMs: options.maxRecordTtlMs ?? DEFAULT_MAX_RECORD_TTL_MS,
      handoffsPerSecond: options.handoffsPerSecond ?? DEFAULT_HANDOFFS_PER_SECOND,
      handoffBurst: options.handoffBurst ?? DEFAULT_HANDOFF_BURST,
      groupOf: options.groupOf ?? ((address) => address),
      ...(options.isBlocked && { isBlocked: options.isBlocked }),
    })
    const introductions: Introductions = new Introductions(this, options, this.k)
    const maintenance = new Maintenance(ctx, { ...host, lookups, usable }, {
      bootstrap: options.bootstrap,
      probeAfterMs: options.probeAfterMs ?? DEFAULT_PROBE_AFTER_MS,
      refreshIdleMs: options.refreshIdleMs ?? DEFAULT_REFRESH_IDLE_MS,
      refreshBuckets: options.refreshBuckets ?? DEFAULT_REFRESH_BUCKETS,
    })
    this.parts = { ctx, rpcs, lookups, maintenance, records, introductions }
    introductions.start(ctx)
    maintenance.start()
    records.start()
  }

  /** Stores `record` on the k nodes closest to its key; `done` gets how many confirmed. */
  publish(record: DhtRecord, done?: (stored: number) => void): void {
    this.started.records.publish(record, done)
  }

  /** Finds the record at `key`: an iterative FIND_VALUE that stops at the first valid answer. */
  get(key: NodeId, done: (record: DhtRecord | undefined, report: LookupReport) => void): void {
    this.started.records.get(key, done)
  }

  /**
   * Starts an iterative lookup of `target`; `done` gets the k closest nodes that answered. With
   * `findNode`, the lookup is looking for that node and ends as soon as it answers.
   */
  lookup(target: NodeId, done: LookupDone, seeds: readonly Contact[] = [], findNode = false): void {
    this.started.lookups.lookup(target, done, seeds, findNode)
  }

  /**
   * Pings `address`, which must answer with the key `id` hashes to; an answer puts it in the table.
   * `outcome` learns whether it answered.
   */
  probe(address: Address, id: NodeId, outcome?: (answered: boolean) => void): void {
    this.started.rpcs.request(address, id, { type: 'ping', key: this.key }, outcome === undefined ? {} : { onAnswer: () => outcome(true), onTimeout: () => outcome(false) })
  }

  /**
   * A contact we heard from: into the table. When its bucket is full, the oldest contact is probed,
   * and dropped (the newcomer promoted from the replacements) only if it does not answer. A contact
   * heard from lately is not probed: it was alive then (the paper's §4.1 saving on probes).
   */
  observe(contact: Contact): void {
    const { ctx, maintenance, records } = this.started
    const observed = this.table.observe(contact, ctx.now())
    if (observed === 'full') maintenance.checkOldest(sharedPrefixBits(this.id, contact.id))
    else if (observed === 'added') records.handOff(contact)
  }

  receive(message: KademliaInbox, from: Address, ctx: Context): void {
    const { introductions, records, rpcs } = this.using(ctx)
    if (message.type === 'signed') {
      if (!this.blocked(nodeIdOf(message.root), from)) introductions.receiveAnnouncement(message, from, ctx)
      return
    }
    // An RPC's key is its sender's identity only if the runtime bound that key to the sender's address
    // (a real link proved it; the simulator bound it to the node): otherwise a node could enter tables
    // under any id it likes, without grinding a key for it.
    if (!mayClaimKey(from, message.key, ctx)) return void ctx.trace({ type: 'key-mismatch', from })
    const sender = nodeIdOf(message.key)
    if (this.blocked(sender, from)) return
    this.observe({ id: sender, address: from })
    switch (message.type) {
      case 'find_node':
        return this.reply(from, { rpc: message.rpc, target: asId(message.target) }, ctx)
      case 'ping':
        return ctx.send(from, { type: 'pong', rpc: message.rpc, key: this.key } satisfies KademliaMessage)
      case 'pex':
        return introductions.receivePeers(message.sample, from, ctx)
      case 'relay':
        return introductions.receiveRelay(sender, message.announcement, from, ctx)
      case 'store':
        // Confirmed only when kept: a refused record is not stored, and a publisher counting
        // confirmations must not count it. The runtime's output commit syncs the write before the
        // confirmation leaves.
        if (!records.keep(message.record, from)) return
        return ctx.send(from, { type: 'stored', rpc: message.rpc, key: this.key } satisfies KademliaMessage)
      case 'find_value':
        return this.reply(from, { rpc: message.rpc, target: asId(message.target) }, ctx, records.held(asId(message.target)))
      case 'nodes':
      case 'pong':
      case 'stored':
      case 'value':
        return rpcs.answer(message, sender, from)
    }
  }

  timer(tag: TimerTag, ctx: Context): void {
    const { records, introductions, maintenance, rpcs } = this.using(ctx)
    if (records.timer(tag) || introductions.timer(tag, ctx) || maintenance.timer(tag) || rpcs.timer(tag)) return
    const own = this.identityContext?.takeTag(tag)
    if (own !== undefined) this.identity.timer(own, this.identityContext!)
  }

  /** What checked announcements said, by node id (hex). */
  get announced(): AnnouncedView {
    return this.started.introductions.announced
  }

  /** The introductions component (for its bounded state: candidates, provisional identities). */
  get introducer(): Introductions {
    return this.started.introductions
  }

  /** The records this node holds. */
  get records(): RecordStore {
    return this.started.records.store
  }

  /** RPCs in flight (at most maxPendingRpcs). */
  get pendingRpcs(): number {
    return this.started.rpcs.size
  }

  /**
   * The contacts a FIND_NODE for `target` from `asker` gets: our k closest, never the asker itself,
   * each under the address it announced when we know one. In a real node we reach a peer at its
   * link's identity, which others cannot dial; its announced `wss://` URL they can.
   */
  private answerFor(target: NodeId, asker: Address): Contact[] {
    const contacts = this.table.closest(target, this.k).filter((c) => c.address !== asker)
    const announced = this.started.introductions.announced
    if (announced.size === 0) return contacts // no announcements: nothing to map (and no hex to compute)
    return contacts.map((c) => ({ id: c.id, address: announced.peek(idHex(c.id))?.addresses[0] ?? c.address }))
  }

  /**
   * The lie hook (core/byzantine.ts), called only by the simulator's Byzantine behaviours, on what this
   * node sends: its wrong answer to a FIND_NODE or FIND_VALUE is the adversary's identities nearest
   * the target (kademlia-lie.ts); every other message goes out as it is.
   */
  lie(message: unknown, to: Address, lies: LieContext): unknown {
    const ctx = this.started.ctx
    const host = { self: { id: this.id, address: ctx.self }, key: this.key, k: this.k, keyOf: (address: Address) => ctx.keyOf(address) }
    return routingLie(message as KademliaInbox, this.answering, to, lies, host)
  }

  /**
   * Answers a FIND_NODE, or a FIND_VALUE (with `record` when we hold it): while the reply goes out, the
   * question is kept for the lie hook, since a reply carries only its RPC id, not its target.
   */
  private reply(to: Address, question: Question, ctx: Context, record?: DhtRecord): void {
    const { rpc, target } = question
    this.answering = question
    if (record !== undefined) ctx.send(to, { type: 'value', rpc, key: this.key, record } satisfies KademliaMessage)
    else ctx.send(to, { type: 'nodes', rpc, key: this.key, ...packContacts(this.answerFor(target, to)) } satisfies KademliaMessage)
    this.answering = undefined
  }

  /**
   * Contacts passed on by a peer, less any blacklisted identity and any address this node may not
   * dial (an identity address is kept: sending to it reaches a link, never dials).
   */
  private usable(contacts: Contact[]): Contact[] {
    const isBlocked = this.options.isBlocked
    const accept = this.options.acceptAddress
    if (isBlocked === undefined && accept === undefined) return contacts
    return contacts.filter((c) => isBlocked?.(c.id) !== true && (accept === undefined || isIdentityAddress(c.address) || accept(c.address)))
  }

  private blocked(id: NodeId, from: Address): boolean {
    if (this.options.isBlocked?.(id) !== true) return false
    this.started.ctx.trace({ type: 'blocked', from })
    return true
  }

  private get started(): Parts {
    if (this.parts === undefined) throw new Error('KademliaNode.start has not run')
    return this.parts
  }

  // A runtime (or a composite) hands every input the context `start` got: the node's parts keep it.
  private using(ctx: Context): Parts {
    const parts = this.started
    if (ctx !== parts.ctx) throw new Error('KademliaNode gets one context per incarnation: start(ctx) was called with another')
    return parts
  }
}
