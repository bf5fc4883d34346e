import { Schema } from 'effect'
import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import type { Component } from '../../core/component.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { Committee, type Member } from './committee.ts'
import { ConsensusError } from './durable.ts'
import { entryFlaw, entryKey, readEntry, type EntryFlaw } from './entries.ts'
import { BLOCK_FIELDS_BYTES, Entry, MAX_BLOCK_BYTES, MAX_BLOCK_ENTRIES, MAX_ENTRY_BYTES, entryBytes, type Block } from './messages.ts'

/**
 * The shared mempool, component `mempool`, protocol `mempool/1` (docs/consensus.md, *The mempool*).
 * An entry submitted on any member goes to the members that lead the next heights, so whichever of
 * them leads next puts it in its block, instead of the entry waiting for its own node's turn to lead
 * (about n/2 blocks). Committed entries leave every member's pool. Gossip only shortens the wait: an
 * entry stays in its origin's pool until it is committed, so a lost message, a Byzantine leader or a
 * full pool elsewhere delays it to its origin's turn at worst, never loses it.
 *
 * A component of its own rather than messages of bft/1: it has its own bounds and its own schema, the
 * voter reaches it through a small interface (EntryPool), and an entry's path (who sends it, who keeps
 * it) does not touch the voter's rounds at all.
 */

/** Entries this node submitted and that are not committed yet: past it `submit` refuses (backpressure, not loss). */
export const DEFAULT_MAX_PENDING_ENTRIES = 4096
/**
 * Entries held from the other members, all together. What others send cannot crowd out this node's
 * own submissions, which have their own bound above; 4,096 × 4 KiB = 16 MiB at worst.
 */
export const DEFAULT_MAX_GOSSIPED_ENTRIES = 4096
/**
 * Entries held from one other member: a block's worth. A Byzantine member flooding the pool fills its
 * own share, not the others'; an honest member submits far less between two blocks.
 */
export const DEFAULT_MAX_ENTRIES_PER_SENDER = MAX_BLOCK_ENTRIES
/**
 * How many of the next leaders an entry goes to: the leader of this height (it may not have proposed
 * yet) and two more, distinct members. A failed round hands the lead to the next slot's member, which
 * is also the next height's leader (committee.ts), so the three cover a dead or Byzantine leader too.
 * Not the whole committee: flooding every entry to all cost 912 messages per block at n = 16, against
 * 572 with three leaders (488 with no mempool), and nearly doubled them at n = 100, for the same latency.
 */
export const DEFAULT_GOSSIP_LEADERS = 3
/** How many heights ahead the next leaders are looked for (a heavy member leads many heights in a row). */
export const GOSSIP_LOOKAHEAD_HEIGHTS = 64
/**
 * How long submissions gather before they go out in one message: about one network delay (the
 * simulator's median is 20 ms), small beside a block's ~180 ms, so it costs the entry little latency.
 */
export const DEFAULT_GOSSIP_DELAY_MS = 25
/** Entries in one gossip message: 64 × 4 KiB = 256 KiB at worst, a quarter of the frame limit. */
export const MAX_GOSSIP_ENTRIES = 64
/**
 * Keys of committed entries remembered, so that gossip arriving after its entry committed does not put
 * it back (it would be committed twice): at the scenario's rate (10 entries/s a member) 16,384 keys
 * cover 100 members for 16 s, far past any message delay. LRU-bounded: a stranger cannot grow it.
 */
export const DEFAULT_COMMITTED_MEMORY = 16_384

export const MempoolMessage = Schema.Struct({ t: Schema.Literal('entries'), entries: Schema.Array(Entry).check(Schema.isMaxLength(MAX_GOSSIP_ENTRIES)) })
export type MempoolMessage = typeof MempoolMessage.Type

/** What the voter needs of a pool: entries in, a block's entries out, committed entries gone. */
export interface EntryPool {
  /**
   * Adds an entry this node submits; an entry already waiting is that entry. Throws ConsensusError (and
   * adds nothing) past the bounds, when the entry may not be in a block, or when it was committed recently
   * ('already-committed').
   */
  submit(entry: Uint8Array): void
  /**
   * Up to `max` entries for a block, oldest first (they stay until committed), stopping before the one
   * that would take the block past MAX_BLOCK_BYTES (messages.ts `blockBytes`).
   */
  take(max: number): Uint8Array[]
  /** `block` is committed: its entries leave the pool, and the height being decided is the next one (gossip goes to its leaders). */
  committed(block: Block): void
  /** Entries this node submitted that are not committed yet, and their bound. */
  readonly pending: number
  readonly maxPending: number
}

export interface MempoolOptions {
  /** The committee (the voter's): who gossip goes to and comes from, and whose keys evidence is checked with. */
  readonly committee: readonly Member[]
  readonly maxPendingEntries?: number
  readonly maxGossipedEntries?: number
  readonly maxEntriesPerSender?: number
  readonly gossipLeaders?: number
  readonly gossipDelayMs?: number
  readonly committedMemory?: number
}

export interface MempoolDependencies {
  /** The node's signature verifier (evidence entries are checked on arrival; its memo serves the voter's check too). */
  readonly verifier?: SignatureVerifier
}

interface Held {
  readonly entry: Uint8Array
  /** The member it came from, or undefined for this node's own submission. */
  readonly from: number | undefined
}

/** Why gossip was refused, entry by entry (traced once per message, counted). */
type Refusal = 'sender-full' | 'pool-full' | EntryFlaw

export class Mempool implements Component<MempoolMessage>, EntryPool {
  readonly name = 'mempool'
  readonly protocol = 'mempool/1'
  readonly inbox = MempoolMessage
  readonly maxPending: number
  private readonly committee: Committee
  private readonly verifier: SignatureVerifier
  private readonly maxGossiped: number
  private readonly maxPerSender: number
  private readonly gossipDelayMs: number
  private readonly gossipLeaders: number
  /** The height being decided, as the last committed block says; and the members gossip goes to, worked out once per height. */
  private height = 0
  private targets: { readonly height: number; readonly addresses: readonly Address[] } | undefined
  /** Waiting entries by key (entries.ts `entryKey`), in arrival order: a block takes the oldest. */
  private readonly held = new Map<string, Held>()
  private readonly fromSender: Uint32Array
  private readonly recentlyCommitted: BoundedMap<string, true>
  /** Keys of own submissions not yet gossiped (each at most once: bounded by maxPending). */
  private outbox: string[] = []
  /** Set by `start`: a pool no composite started gossips nothing (entries wait for this node to lead). */
  private ctx: Context | undefined
  private own = 0
  private gossiped = 0
  /** Gossiped entries refused (over a bound, or not fit for a block). */
  refused = 0
  /** Gossip messages this pool sent: what the mempool adds to consensus's own messages. */
  sent = 0

  constructor(options: MempoolOptions, dependencies: MempoolDependencies = {}) {
    this.committee = new Committee(options.committee)
    this.verifier = dependencies.verifier ?? new SignatureVerifier()
    this.maxPending = options.maxPendingEntries ?? DEFAULT_MAX_PENDING_ENTRIES
    this.maxGossiped = options.maxGossipedEntries ?? DEFAULT_MAX_GOSSIPED_ENTRIES
    this.maxPerSender = options.maxEntriesPerSender ?? DEFAULT_MAX_ENTRIES_PER_SENDER
    this.gossipDelayMs = options.gossipDelayMs ?? DEFAULT_GOSSIP_DELAY_MS
    this.gossipLeaders = options.gossipLeaders ?? DEFAULT_GOSSIP_LEADERS
    this.recentlyCommitted = new BoundedMap(options.committedMemory ?? DEFAULT_COMMITTED_MEMORY)
    this.fromSender = new Uint32Array(this.committee.size)
  }

  get pending(): number {
    return this.own
  }

  /** Entries waiting, this node's and the others'. */
  get size(): number {
    return this.held.size
  }

  start(ctx: Context): void {
    this.ctx = ctx
  }

  submit(entry: Uint8Array): void {
    if (entry.length > MAX_ENTRY_BYTES) throw new ConsensusError('entry-too-large', `an entry is at most ${MAX_ENTRY_BYTES} bytes, got ${entry.length}`)
    const reading = readEntry(entry)
    const key = entryKey(entry, reading)
    // The same entry (or evidence of the same offence) again: while it waits, it is one entry (whoever
    // waits for it hears of its block); once committed, it is refused, so that no caller waits for a
    // block that came before it.
    if (this.held.has(key)) return
    if (this.recentlyCommitted.has(key)) throw new ConsensusError('already-committed', 'this entry is in a committed block already (a block this node committed recently)')
    if (this.own >= this.maxPending) throw new ConsensusError('queue-full', `${this.maxPending} entries wait already; retry after a commit`)
    const flaw = entryFlaw(entry, this.committee, this.verifier, reading)
    if (flaw !== undefined) throw new ConsensusError('invalid-entry', `this entry may not be in a block: ${flaw}`)
    this.held.set(key, { entry: entry.slice(), from: undefined })
    this.own++
    const ctx = this.ctx
    if (ctx === undefined) return
    if (this.outbox.length === 0) ctx.setTimer(this.gossipDelayMs, 'gossip')
    this.outbox.push(key)
  }

  take(max: number): Uint8Array[] {
    const out: Uint8Array[] = []
    let bytes = BLOCK_FIELDS_BYTES
    for (const { entry } of this.held.values()) {
      bytes += entryBytes(entry)
      if (out.length >= max || bytes > MAX_BLOCK_BYTES) break
      out.push(entry)
    }
    return out
  }

  committed(block: Block): void {
    this.height = Math.max(this.height, block.h + 1)
    for (const entry of block.entries) {
      const key = entryKey(entry)
      this.recentlyCommitted.set(key, true)
      const held = this.held.get(key)
      if (held === undefined) continue
      this.held.delete(key)
      if (held.from === undefined) this.own--
      else {
        this.gossiped--
        this.fromSender[held.from] = (this.fromSender[held.from] as number) - 1
      }
    }
  }

  receive(message: MempoolMessage, from: Address, ctx: Context): void {
    const sender = this.committee.indexOf(from)
    // Only members gossip: a stranger's entries reach the log through a member's `submit`, never here.
    if (sender === undefined || from === ctx.self) return ctx.trace({ event: 'gossip-refused', from, reason: 'not-a-member' })
    const refusals = new Map<Refusal, number>()
    for (const entry of message.entries) {
      const refusal = this.admit(entry, sender)
      if (refusal !== undefined) refusals.set(refusal, (refusals.get(refusal) ?? 0) + 1)
    }
    if (refusals.size > 0) ctx.trace({ event: 'gossip-refused', from, reasons: Object.fromEntries(refusals) })
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag === 'gossip') this.flush(ctx)
  }

  /** Keeps a gossiped entry unless it is known, over a bound, or not fit for a block (checked last: it may verify signatures). */
  private admit(entry: Uint8Array, sender: number): Refusal | undefined {
    const reading = readEntry(entry)
    const key = entryKey(entry, reading)
    if (this.held.has(key) || this.recentlyCommitted.has(key)) return undefined
    if ((this.fromSender[sender] as number) >= this.maxPerSender) return this.refuse('sender-full')
    if (this.gossiped >= this.maxGossiped) return this.refuse('pool-full')
    const flaw = entryFlaw(entry, this.committee, this.verifier, reading)
    if (flaw !== undefined) return this.refuse(flaw)
    this.held.set(key, { entry, from: sender })
    this.gossiped++
    this.fromSender[sender] = (this.fromSender[sender] as number) + 1
    return undefined
  }

  private refuse(refusal: Refusal): Refusal {
    this.refused++
    return refusal
  }

  /** Sends this node's new entries (those not committed meanwhile) to the next leaders. */
  private flush(ctx: Context): void {
    const entries = this.outbox.flatMap((key) => this.held.get(key)?.entry ?? [])
    this.outbox = []
    const targets = this.nextLeaders(ctx.self)
    for (let i = 0; i < entries.length; i += MAX_GOSSIP_ENTRIES) {
      const message: MempoolMessage = { t: 'entries', entries: entries.slice(i, i + MAX_GOSSIP_ENTRIES) }
      for (const address of targets) ctx.send(address, message)
      this.sent += targets.length
    }
  }

  /** The first `gossipLeaders` distinct members other than this node to lead from the height being decided on (round 0). */
  nextLeaders(self: Address): readonly Address[] {
    if (this.targets?.height === this.height) return this.targets.addresses
    const leaders = new Set<Address>()
    for (let h = this.height; h < this.height + GOSSIP_LOOKAHEAD_HEIGHTS && leaders.size < this.gossipLeaders; h++) {
      const address = (this.committee.members[this.committee.proposer(h, 0)] as Member).address
      if (address !== self) leaders.add(address)
    }
    this.targets = { height: this.height, addresses: [...leaders] }
    return this.targets.addresses
  }
}
