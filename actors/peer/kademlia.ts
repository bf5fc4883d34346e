import { Schema } from 'effect'
import type { Actor, Address, Context, TimerTag } from '../../core/actor.ts'
import { isIdentityAddress, mayClaimKey } from '../../core/address.ts'
import { PublicKey, exactBytes } from '../../core/schemas.ts'
import { SignedEnvelope } from '../identity/envelope.ts'
import { identityStack, type IdentityStack } from '../identity/identity-stack.ts'
import type { KeyStore } from '../identity/key-store.ts'
import { Budget } from '../../core/budget.ts'
import { Introductions, PEX_SAMPLE, type AnnouncedView, type IntroductionOptions } from './introductions.ts'
import { Lookup } from './lookup.ts'
import { ID_BYTES, asId, compareDistance, idHex, idsEqual, nodeIdOf, randomIdInBucket, sharedPrefixBits, type NodeId } from './node-id.ts'
import { DhtRecord, recordProblem } from './record.ts'
import { DEFAULT_RECORD_LIMITS, RecordStore, type RecordLimits } from './record-store.ts'
import { RoutingTable, type Contact, type RoutingOptions } from './routing-table.ts'
import { DEFAULT_MAX_PENDING_RPCS, PendingRpcs, Rpc, answersFrom } from './rpc.ts'

const Id = exactBytes(ID_BYTES)
const MAX_CONTACTS = 32

/**
 * Records handed off to newcomers: 50 a second, 1,000 saved up. A newcomer gets at once the records
 * it is now among the k closest to; a node that joins and leaves, or a flood of fresh identities,
 * could otherwise make a holder resend its whole store to each (the issue: 33 MB to one joiner).
 * What the budget leaves out reaches the newcomer at the next republish.
 */
export const DEFAULT_HANDOFFS_PER_SECOND = 50
export const DEFAULT_HANDOFF_BURST = 1_000
/**
 * A holder republishes its records in 60 slices over the republish period (a minute apart for the
 * hourly period), not all at once: the holder would have resent every record in one burst.
 */
export const DEFAULT_REPUBLISH_SLICES = 60
/** The longest record lifetime accepted (24 h): a record is republished by its publisher within it. */
export const DEFAULT_MAX_RECORD_TTL_MS = 24 * 3_600_000

/**
 * The DHT's RPCs, point to point over links that authenticate the sender. Each carries the sender's
 * identity key, not its id: the receiver derives the id (BLAKE2b of the key), so no node can claim an
 * id it has no key for, and a contact passed on by a third party is checked when it first answers.
 */
export const KademliaMessage = Schema.Union([
  Schema.Struct({ type: Schema.Literal('find_node'), rpc: Rpc, key: PublicKey, target: Id }),
  // Contacts travel packed: their ids end to end in one byte string, their addresses beside it (one
  // buffer instead of twenty objects makes a reply several times cheaper to encode and to check).
  Schema.Struct({
    type: Schema.Literal('nodes'),
    rpc: Rpc,
    key: PublicKey,
    ids: Schema.Uint8Array.check(Schema.isMaxLength(MAX_CONTACTS * ID_BYTES)),
    addresses: Schema.Array(Schema.String.check(Schema.isMaxLength(256))).check(Schema.isMaxLength(MAX_CONTACTS)),
  }),
  Schema.Struct({ type: Schema.Literal('ping'), rpc: Rpc, key: PublicKey }),
  Schema.Struct({ type: Schema.Literal('pong'), rpc: Rpc, key: PublicKey }),
  Schema.Struct({ type: Schema.Literal('store'), rpc: Rpc, key: PublicKey, record: DhtRecord }),
  Schema.Struct({ type: Schema.Literal('stored'), rpc: Rpc, key: PublicKey }),
  Schema.Struct({ type: Schema.Literal('find_value'), rpc: Rpc, key: PublicKey, target: Id }),
  Schema.Struct({ type: Schema.Literal('value'), rpc: Rpc, key: PublicKey, record: DhtRecord }),
  // Peer exchange: signed announcements of peers the sender knows, each checked before use.
  Schema.Struct({ type: Schema.Literal('pex'), rpc: Rpc, key: PublicKey, sample: Schema.Array(SignedEnvelope).check(Schema.isMaxLength(PEX_SAMPLE)) }),
  // A high-tier node passing a newcomer's announcement on to its neighbourhood.
  Schema.Struct({ type: Schema.Literal('relay'), rpc: Rpc, key: PublicKey, announcement: SignedEnvelope }),
])
export type KademliaMessage = typeof KademliaMessage.Type

/** What a Kademlia node receives: its RPCs, and signed announcements (from the LAN or a newcomer). */
export const KademliaInbox = Schema.Union([KademliaMessage, SignedEnvelope])
export type KademliaInbox = typeof KademliaInbox.Type

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
   * this node and routes its timers (VainNode; a composite). Without one, this node builds its own from
   * `keys` and starts and drives it itself, as a standalone DHT actor.
   */
  readonly identity?: IdentityStack
  /** The keys of the stack this node builds when given none (default: a seed from its random stream). */
  readonly keys?: KeyStore
  /** Parallel queries per lookup: Kademlia's α (3). */
  readonly alpha?: number
  readonly rpcTimeoutMs?: number
  /** A bucket with no lookup in this long is refreshed by a lookup of a random id in it (the paper's hour). */
  readonly refreshIdleMs?: number
  /** A contact silent this long is probed (when its bucket is full, and at each heartbeat, which runs this often); default 60 s. */
  readonly probeAfterMs?: number
  /** How often a holder republishes its records to the k closest nodes (the paper: an hour). */
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

/** What a finished lookup reports. */
export interface LookupReport {
  readonly target: NodeId
  readonly closest: readonly Contact[]
  readonly rpcs: number
  /** RPC rounds until the target itself was learnt (undefined if it never was). */
  readonly targetHop: number | undefined
  /** For a value lookup: the record found, if any. */
  readonly record?: DhtRecord
}

interface Pending {
  /** The id the answer must come from, when known (a bootstrap request knows only the address). */
  readonly to: NodeId | undefined
  readonly address: Address
  readonly lookup?: Lookup
  readonly onAnswer?: (message: KademliaMessage) => void
  readonly onTimeout?: () => void
  /** When the RPC counts as lost (this node's clock). */
  readonly deadline: number
}

const SWEEP = 'kademlia:sweep'
const REPUBLISH = 'kademlia:republish'
const HEARTBEAT = 'kademlia:heartbeat'
const REFRESH = 'kademlia:refresh'


type Done = (report: LookupReport) => void

/**
 * A Kademlia node (Maymounkov & Mazières, 2002). Its id is BLAKE2b-256 of its identity key. It joins
 * by asking its bootstrap nodes for the nodes closest to itself, then looks itself up and refreshes a
 * few far buckets; every message it receives updates its routing table (a full bucket probes its
 * oldest contact and keeps it if it answers). `lookup` runs an iterative FIND_NODE with α parallel
 * queries and per-RPC timeouts on the context's clock.
 */
export class KademliaNode implements Actor<KademliaInbox> {
  readonly inbox = KademliaInbox
  readonly identity: IdentityStack
  /** Whether this node built its identity stack (and so starts it and routes its timers). */
  private readonly ownsIdentity: boolean
  table!: RoutingTable
  id!: NodeId
  /** This node's identity key (its id is BLAKE2b of it). */
  key!: Uint8Array
  private readonly pending = new PendingRpcs<Pending>()
  private readonly lookups = new Map<Lookup, Done>()
  /** When a lookup last went through each bucket (by the prefix its target shares with us). */
  private readonly lookedUpAt: number[] = []
  /** Contacts being probed, by id (hex). */
  private readonly probing = new Set<string>()
  private sweeping = false
  private joined = false
  /** Which slice of the records the next republish tick covers. */
  private republishSlice = 0
  private handoffs!: Budget
  private readonly k: number
  private readonly alpha: number
  private readonly timeoutMs: number
  private readonly probeAfterMs: number
  records!: RecordStore
  private introductions!: Introductions
  /** Value lookups: the key they look for, and the record once one answered with it. */
  private readonly wanted = new Map<Lookup, DhtRecord | undefined>()

  constructor(private readonly options: KademliaOptions) {
    this.ownsIdentity = options.identity === undefined
    this.identity = options.identity ?? identityStack({ ...(options.keys && { keys: options.keys }) })
    this.k = options.k ?? 20
    this.alpha = options.alpha ?? 3
    this.timeoutMs = options.rpcTimeoutMs ?? 1_000
    this.probeAfterMs = options.probeAfterMs ?? 60_000
  }

  start(ctx: Context): void {
    if (this.ownsIdentity) this.identity.start(ctx)
    this.key = this.identity.root
    this.id = nodeIdOf(this.key)
    this.table = new RoutingTable(this.id, {
      k: this.k,
      maxPerGroup: this.options.maxPerGroup ?? this.k,
      ...(this.options.maxPerGroupInTable !== undefined && { maxPerGroupInTable: this.options.maxPerGroupInTable }),
      replacements: this.options.replacements ?? this.k,
      groupOf: this.options.groupOf ?? ((address) => address),
    })
    this.records = new RecordStore(ctx.storage, { ...DEFAULT_RECORD_LIMITS, ...this.options.recordLimits }, ctx.random.split('records'))
    this.handoffs = new Budget(this.options.handoffsPerSecond ?? DEFAULT_HANDOFFS_PER_SECOND, this.options.handoffBurst ?? DEFAULT_HANDOFF_BURST)
    this.republishSlice = 0
    this.introductions = new Introductions(this, this.options, this.k)
    this.introductions.start(ctx)
    this.joined = false
    this.askBootstrap(ctx)
    ctx.setTimer(this.probeAfterMs, HEARTBEAT)
    ctx.setTimer(this.options.refreshIdleMs ?? 3_600_000, REFRESH)
    ctx.setTimer(this.republishTickMs, REPUBLISH)
  }

  /** Stores `record` on the k nodes closest to its key; `done` gets how many confirmed. */
  publish(record: DhtRecord, ctx: Context, done: (stored: number) => void = () => {}): void {
    this.lookup(record.key, ctx, (report) => {
      let stored = 0
      let waiting = report.closest.length
      const settle = () => --waiting === 0 && done(stored)
      if (waiting === 0) done(0)
      for (const c of report.closest) {
        this.request(c.address, c.id, { type: 'store', key: this.key, record }, ctx, {
          onAnswer: () => {
            stored++
            settle()
          },
          onTimeout: settle,
        })
      }
    })
  }

  /** Finds the record at `key`: an iterative FIND_VALUE that stops at the first valid answer. */
  get(key: NodeId, ctx: Context, done: (record: DhtRecord | undefined, report: LookupReport) => void): void {
    const held = this.records.get(key, ctx.now())
    if (held !== undefined) return done(held, { target: key, closest: [], rpcs: 0, targetHop: 0, record: held })
    const lookup = new Lookup(key, this.table.closest(key, this.k), this.k, this.alpha)
    this.wanted.set(lookup, undefined)
    this.lookups.set(lookup, (report) => done(report.record, report))
    this.advance(lookup, ctx)
  }

  // Asks every bootstrap node for the nodes closest to us; the first answer starts the join. A round
  // with no answer at all (lost datagrams, a bootstrap node down) is tried again.
  private askBootstrap(ctx: Context): void {
    const others = this.options.bootstrap.filter((address) => address !== ctx.self)
    let unanswered = others.length
    for (const address of others) {
      this.request(address, undefined, { type: 'find_node', key: this.key, target: this.id }, ctx, {
        onAnswer: (answer) => {
          if (this.joined || answer.type !== 'nodes') return
          this.joined = true
          this.join(this.usable(unpackContacts(answer, ctx.self)), ctx)
        },
        onTimeout: () => {
          if (--unanswered === 0 && !this.joined) this.askBootstrap(ctx)
        },
      })
    }
  }

  /**
   * Starts an iterative lookup of `target`; `done` gets the k closest nodes that answered. With
   * `findNode`, the lookup is looking for that node and ends as soon as it answers.
   */
  lookup(target: NodeId, ctx: Context, done: Done, seeds: readonly Contact[] = [], findNode = false): void {
    this.lookedUpAt[sharedPrefixBits(this.id, target)] = ctx.now()
    const lookup = new Lookup(target, [...this.table.closest(target, this.k), ...seeds], this.k, this.alpha, findNode)
    this.lookups.set(lookup, done)
    this.advance(lookup, ctx)
  }

  receive(message: KademliaInbox, from: Address, ctx: Context): void {
    if (message.type === 'signed') {
      if (!this.blocked(nodeIdOf(message.root), from, ctx)) this.introductions.receiveAnnouncement(message, from, ctx)
      return
    }
    // An RPC's key is its sender's identity only if the link it came over proved that key: otherwise
    // a node could enter tables under any id it likes, without grinding a key for it.
    if (!mayClaimKey(from, message.key)) return void ctx.trace({ type: 'key-mismatch', from })
    const sender = nodeIdOf(message.key)
    if (this.blocked(sender, from, ctx)) return
    this.observe({ id: sender, address: from }, ctx)
    switch (message.type) {
      case 'find_node':
        return this.reply(from, { type: 'nodes', rpc: message.rpc, key: this.key, ...packContacts(this.answerFor(asId(message.target), from)) }, ctx)
      case 'ping':
        return this.reply(from, { type: 'pong', rpc: message.rpc, key: this.key }, ctx)
      case 'pex':
        return this.introductions.receivePeers(message.sample, from, ctx)
      case 'relay':
        return this.introductions.receiveRelay(sender, message.announcement, from, ctx)
      case 'store':
        // Confirmed only when kept: a refused record is not stored, and a publisher counting
        // confirmations must not count it. The runtime's output commit syncs the write before the
        // confirmation leaves.
        if (!this.store(message.record, from, ctx)) return
        return this.reply(from, { type: 'stored', rpc: message.rpc, key: this.key }, ctx)
      case 'find_value': {
        const record = this.records.get(asId(message.target), ctx.now())
        if (record !== undefined) return this.reply(from, { type: 'value', rpc: message.rpc, key: this.key, record }, ctx)
        return this.reply(from, { type: 'nodes', rpc: message.rpc, key: this.key, ...packContacts(this.answerFor(asId(message.target), from)) }, ctx)
      }
      case 'nodes':
      case 'pong':
      case 'stored':
      case 'value': {
        const pending = this.pending.get(message.rpc)
        if (pending === undefined) return
        // An answer counts only from where the request went: a guessed id is not enough.
        if (!answersFrom(pending.address, from)) return void ctx.trace({ type: 'rpc-wrong-sender', from })
        // A contact someone passed on with an id its key does not hash to: the referrer lied. The
        // answer is ignored and the RPC left to time out as if the contact did not exist.
        if (pending.to !== undefined && !idsEqual(pending.to, sender)) return void ctx.trace({ type: 'id-mismatch', from })
        this.pending.delete(message.rpc)
        pending.onAnswer?.(message)
        const lookup = pending.lookup
        if (lookup === undefined) return
        if (message.type === 'value' && this.wanted.has(lookup) && this.acceptable(message.record, ctx) && idsEqual(message.record.key, lookup.target)) {
          this.wanted.set(lookup, message.record)
        }
        lookup.answered(sender, message.type === 'nodes' ? this.usable(unpackContacts(message, ctx.self)) : [])
        this.advance(lookup, ctx)
      }
    }
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

  // A STORE is kept only if this node is among the k closest it knows to the key (a holder keeps
  // its neighbourhood's records, not whatever anyone sends), the record is valid, and the store's
  // quotas allow it (per publisher, per sender's network group, in total). Says whether it was kept.
  private store(record: DhtRecord, from: Address, ctx: Context): boolean {
    const refusal = this.amongClosest(record.key) ? (this.recordProblem(record, ctx) ?? this.records.put(record, ctx.now(), this.groupOf(from))?.message) : 'not among the k closest to the key'
    if (refusal !== undefined) ctx.trace({ type: 'store-refused', reason: refusal, from })
    return refusal === undefined
  }

  /** Whether this node is among the k closest it knows to `key`. */
  private amongClosest(key: NodeId): boolean {
    const closest = this.table.closest(key, this.k)
    return closest.length < this.k || compareDistance(key, this.id, closest.at(-1)!.id) < 0
  }

  private groupOf(address: Address): string {
    return this.options.groupOf?.(address) ?? address
  }

  private blocked(id: NodeId, from: Address, ctx: Context): boolean {
    if (this.options.isBlocked?.(id) !== true) return false
    ctx.trace({ type: 'blocked', from })
    return true
  }

  // A record found by a lookup: used only if valid.
  private acceptable(record: DhtRecord, ctx: Context): boolean {
    const problem = this.recordProblem(record, ctx)
    if (problem !== undefined) ctx.trace({ type: 'record-rejected', reason: problem })
    return problem === undefined
  }

  /** Why `record` may not be stored or used here, or undefined. */
  private recordProblem(record: DhtRecord, ctx: Context): string | undefined {
    if (this.options.isBlocked?.(nodeIdOf(record.publisher)) === true) return 'publisher is blacklisted'
    return recordProblem(record, ctx.now(), this.options.maxRecordTtlMs ?? DEFAULT_MAX_RECORD_TTL_MS, this.identity.verifier)
  }

  /**
   * The contacts a FIND_NODE for `target` from `asker` gets: our k closest, never the asker itself,
   * each under the address it announced when we know one. In a real node we reach a peer at its
   * link's identity, which others cannot dial; its announced `wss://` URL they can.
   */
  protected answerFor(target: NodeId, asker: Address): Contact[] {
    const contacts = this.table.closest(target, this.k).filter((c) => c.address !== asker)
    const announced = this.introductions.announced
    if (announced.size === 0) return contacts // no announcements: nothing to map (and no hex to compute)
    return contacts.map((c) => ({ id: c.id, address: announced.peek(idHex(c.id))?.addresses[0] ?? c.address }))
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag === REPUBLISH) return this.republish(ctx)
    if (this.introductions.timer(tag, ctx)) return
    if (tag === HEARTBEAT) return this.heartbeat(ctx)
    if (tag === REFRESH) return this.refreshIdle(ctx)
    if ((this.ownsIdentity && this.identity.timer(tag, ctx)) || tag !== SWEEP) return
    this.sweeping = false
    // Pending RPCs are in the order they were sent, so the expired ones come first.
    for (let first = this.pending.oldest(); first !== undefined && first[1].deadline <= ctx.now(); first = this.pending.oldest()) this.expire(first[0], first[1], ctx)
    this.armSweep(ctx)
  }

  // An RPC taken for lost: at its deadline, or early when too many are in flight.
  private expire(rpc: Uint8Array, pending: Pending, ctx: Context): void {
    this.pending.delete(rpc)
    pending.onTimeout?.()
    if (pending.lookup !== undefined && pending.to !== undefined) {
      // A contact that let every attempt time out is taken for dead and leaves the table (§2.2).
      if (pending.lookup.failed(pending.to) === 'gave-up') this.table.remove(pending.to, ctx.now())
      this.advance(pending.lookup, ctx)
    }
  }

  // One timer per node sweeps out lost RPCs, rather than a timer per RPC: a reply then costs no timer
  // event at all, which halves the simulator's events for a lookup-heavy run.
  private armSweep(ctx: Context): void {
    if (this.sweeping || this.pending.size === 0) return
    const [, first] = this.pending.oldest()!
    this.sweeping = true
    ctx.setTimer(Math.max(0, first.deadline - ctx.now()), SWEEP)
  }

  // Kademlia's join (§2.3): look ourselves up, starting from what the bootstrap node returned. The
  // paper then refreshes every bucket farther than the closest neighbour; by default this does not
  // (refreshBuckets = 0): the self-lookup already passes through the far buckets, and the queries of
  // later joiners fill them (measured: 100% lookup success at 10,000 nodes, for 40% fewer messages).
  private join(seeds: readonly Contact[], ctx: Context): void {
    this.lookup(
      this.id,
      ctx,
      () => {
        const refresh = this.options.refreshBuckets ?? 0
        for (let bits = 0; bits < refresh; bits++) this.lookup(randomIdInBucket(this.id, bits, ctx.random.bytes(ID_BYTES)), ctx, () => {})
      },
      seeds,
    )
  }

  // Holders republish what nobody else stored here lately, and drop what expired (§2.5), one slice
  // of the records per tick, so a period's republishing is spread over the period.
  private republish(ctx: Context): void {
    const every = this.options.republishMs ?? 3_600_000
    const slices = this.options.republishSlices ?? DEFAULT_REPUBLISH_SLICES
    for (const record of this.records.sweep(ctx.now(), ctx.now() - every, this.republishSlice, slices)) this.publish(record, ctx)
    this.republishSlice = (this.republishSlice + 1) % slices
    ctx.setTimer(this.republishTickMs, REPUBLISH)
  }

  private get republishTickMs(): number {
    return (this.options.republishMs ?? 3_600_000) / (this.options.republishSlices ?? DEFAULT_REPUBLISH_SLICES)
  }

  private advance(lookup: Lookup, ctx: Context): void {
    if (!this.lookups.has(lookup)) return // finished: late answers to it change nothing
    const found = this.wanted.get(lookup)
    const type = this.wanted.has(lookup) ? 'find_value' : 'find_node'
    if (found === undefined) {
      for (const contact of lookup.next()) this.request(contact.address, contact.id, { type, key: this.key, target: lookup.target }, ctx, { lookup })
    }
    if ((lookup.done || found !== undefined) && this.lookups.has(lookup)) {
      const done = this.lookups.get(lookup)!
      this.lookups.delete(lookup)
      this.wanted.delete(lookup)
      done({ target: lookup.target, closest: lookup.result(), rpcs: lookup.rpcs, targetHop: lookup.targetHop, ...(found && { record: found }) })
    }
  }

  // A contact we heard from: into the table. When its bucket is full, the oldest contact is probed,
  // and dropped (the newcomer promoted from the replacements) only if it does not answer. A contact
  // heard from lately is not probed: it was alive then (the paper's §4.1 saving on probes).
  observe(contact: Contact, ctx: Context): void {
    const observed = this.table.observe(contact, ctx.now())
    if (observed === 'full') this.checkOldest(sharedPrefixBits(this.id, contact.id), ctx)
    else if (observed === 'added' && this.records.size > 0) this.handOff(contact, ctx)
  }

  // §2.5: a node that learns of a newcomer stores on it the records the newcomer is now one of the k
  // closest to, so records follow the ids as nodes join, not only at the next republish. Of the
  // holders, only the one closest to the key (as far as it knows) sends, so a newcomer gets each
  // record about once rather than from every holder. Within the hand-off budget: what it leaves out
  // reaches the newcomer at the next republish.
  private handOff(newcomer: Contact, ctx: Context): void {
    for (const record of this.records.live(ctx.now())) {
      const closest = this.table.closest(record.key, this.k)
      if (!closest.some((c) => idsEqual(c.id, newcomer.id))) continue
      const nearestOther = closest.find((c) => !idsEqual(c.id, newcomer.id))
      if (nearestOther !== undefined && compareDistance(record.key, nearestOther.id, this.id) < 0) continue
      if (!this.handoffs.take(ctx.now())) return void ctx.trace({ type: 'handoff-budget-spent', peer: newcomer.address })
      this.request(newcomer.address, newcomer.id, { type: 'store', key: this.key, record }, ctx, {})
    }
  }

  // Probes the least recently seen contact of bucket `index` if it has been silent for probeAfterMs:
  // it stays if it answers; if not, it is evicted and the newest replacement takes its place.
  private checkOldest(index: number, ctx: Context): void {
    const oldest = this.table.oldestIn(index)
    if (oldest === undefined || ctx.now() - oldest.seenAt < this.probeAfterMs) return
    const stale = oldest.contact
    const key = idHex(stale.id)
    if (this.probing.has(key)) return
    this.probing.add(key)
    this.request(stale.address, stale.id, { type: 'ping', key: this.key }, ctx, {
      onAnswer: () => {
        this.probing.delete(key)
        this.table.observe(stale, ctx.now())
      },
      onTimeout: () => {
        this.probing.delete(key)
        this.table.remove(stale.id, ctx.now())
        ctx.trace({ type: 'evicted', peer: stale.address })
      },
    })
  }

  // Heartbeat: every probeAfterMs, each bucket's least recently seen contact is checked, so a node
  // that went silent leaves every table within a few rounds, even where no newcomer pushes it out.
  // Its records are carried on by the holders' republishing.
  private heartbeat(ctx: Context): void {
    for (const index of this.table.occupiedBuckets()) this.checkOldest(index, ctx)
    ctx.setTimer(this.probeAfterMs, HEARTBEAT)
  }

  // §2.3: a bucket no lookup has gone through for refreshIdleMs is refreshed by a lookup of a random
  // id in its range, so ranges without traffic still learn of the nodes that joined there.
  private refreshIdle(ctx: Context): void {
    const idle = this.options.refreshIdleMs ?? 3_600_000
    const occupied = this.table.occupiedBuckets()
    const farthest = occupied.length === 0 ? -1 : occupied.at(-1)!
    for (let index = 0; index <= farthest; index++) {
      if (ctx.now() - (this.lookedUpAt[index] ?? 0) >= idle) this.lookup(randomIdInBucket(this.id, index, ctx.random.bytes(ID_BYTES)), ctx, () => {})
    }
    ctx.setTimer(idle, REFRESH)
  }

  /**
   * Pings `address`, which must answer with the key `id` hashes to; an answer puts it in the table.
   * `outcome` learns whether it answered.
   */
  probe(address: Address, id: NodeId, ctx: Context, outcome?: (answered: boolean) => void): void {
    this.request(address, id, { type: 'ping', key: this.key }, ctx, outcome === undefined ? {} : { onAnswer: () => outcome(true), onTimeout: () => outcome(false) })
  }

  /** What checked announcements said, by node id (hex). */
  get announced(): AnnouncedView {
    return this.introductions.announced
  }

  /** The introductions component (for its bounded state: candidates, provisional identities). */
  get introducer(): Introductions {
    return this.introductions
  }

  /** RPCs in flight (at most maxPendingRpcs). */
  get pendingRpcs(): number {
    return this.pending.size
  }

  // Sends `message` under a fresh random RPC id, bound to `to` (and to `id` when known). Past the
  // cap on RPCs in flight, the oldest is taken as lost at once.
  private request(to: Address, id: NodeId | undefined, message: DistributiveOmit<KademliaMessage, 'rpc'>, ctx: Context, how: Omit<Pending, 'to' | 'address' | 'deadline'>): void {
    const rpc = this.pending.add({ to: id, address: to, ...how, deadline: ctx.now() + this.timeoutMs }, ctx.random)
    this.armSweep(ctx)
    this.introductions.introduceTo(to, ctx)
    ctx.send(to, { ...message, rpc })
    if (this.pending.size > (this.options.maxPendingRpcs ?? DEFAULT_MAX_PENDING_RPCS)) {
      const [oldest, pending] = this.pending.oldest()!
      this.expire(oldest, pending, ctx)
    }
  }

  private reply(to: Address, message: KademliaMessage, ctx: Context): void {
    ctx.send(to, message)
  }
}

function packContacts(contacts: readonly Contact[]): { ids: Uint8Array; addresses: string[] } {
  const ids = new Uint8Array(contacts.length * ID_BYTES)
  contacts.forEach((c, i) => ids.set(c.id, i * ID_BYTES))
  return { ids, addresses: contacts.map((c) => c.address) }
}

/** The contacts of a reply, leaving out `self`; a reply whose ids and addresses do not pair up yields none. */
function unpackContacts(reply: { readonly ids: Uint8Array; readonly addresses: readonly string[] }, self: Address): Contact[] {
  if (reply.ids.length !== reply.addresses.length * ID_BYTES) return []
  const contacts: Contact[] = []
  reply.addresses.forEach((address, i) => {
    if (address !== self) contacts.push({ id: new Uint8Array(reply.ids.buffer, reply.ids.byteOffset + i * ID_BYTES, ID_BYTES), address })
  })
  return contacts
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
