import type { Address, Context } from '../../core/actor.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import { Budget } from '../../core/budget.ts'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { BLOB_HASH } from '../../core/compute-blob-hash.ts'
import { job, type ComputeOutcome, type ComputeTag } from '../../core/compute.ts'
import type { BlobStore } from '../../core/storage.ts'
import { MAX_CHUNK_BYTES, type BlobMessage, type RefuseReason } from './messages.ts'

/** The holder's bounds: what a stranger opening fetches can make it keep and do. */
export interface HolderLimits {
  /** Sessions (one per blob being fetched) one peer may hold open at once. */
  readonly maxSessionsPerPeer: number
  /** Sessions of all peers together; when full, they are shared fairly between network groups (see Holder). */
  readonly maxSessions: number
  /** A session with no request for this long is forgotten (on the context's clock). */
  readonly idleMs: number
  /** Opens one peer may make a second, on average (re-sending the open of a session it holds is free). */
  readonly opensPerSecond: number
  /** Opens one peer may make at once, before its budget needs refilling. */
  readonly openBurst: number
}

/** As many as a fetcher runs at once (DEFAULT_MAX_FETCHES): an honest peer never needs more. */
export const DEFAULT_MAX_SESSIONS_PER_PEER = 4
/**
 * 64 sessions hold 64 small records (no blob bytes: chunks are read on request and sent at once), so
 * the bound is on the reads and sends they can ask for, not on memory; a round of federated learning
 * fans a model out to a few dozen peers.
 */
export const DEFAULT_MAX_SESSIONS = 64
/** The fetcher's silence before it gives up (3 retries of 10 s, actors/blob/fetcher.ts): a session outlives a fetch that is still retrying. */
export const DEFAULT_SESSION_IDLE_MS = 30_000
/**
 * Two opens a second: an honest fetcher opens once per blob (and re-sends the open only after 10 s of
 * silence, which is free), so even one fetching a run of small blobs four at a time stays under it.
 * A peer that opens and closes in a loop to make the holder read and verify gets two a second.
 */
export const DEFAULT_OPENS_PER_SECOND = 2
/** Eight at once: two rounds of a fetcher's DEFAULT_MAX_FETCHES, so a node starting its fetches is never refused. */
export const DEFAULT_OPEN_BURST = 8
/**
 * Blobs verified since boot, remembered so that re-opening one does not hash it again: more blobs than
 * a node keeps (a model or update per round, a few rounds), at ~100 bytes each (~0.4 MiB). Past it the
 * least recently served is forgotten, and verified again on its next open.
 */
export const DEFAULT_VERIFIED_BLOBS = 4_096
/**
 * Peers whose open budget is remembered: more than can open in one budget's refill time (burst / rate,
 * 4 s) at the session bounds; a peer forgotten past it starts again from a full budget, which its
 * sessions still bound. ~100 bytes each.
 */
export const DEFAULT_BUDGETED_PEERS = 1_024
interface Session {
  readonly peer: Address
  /** The network group the peer was in when it opened: sessions are shared fairly between groups. */
  readonly group: string
  readonly hash: Uint8Array
  readonly name: string
  /** Undefined until the blob is verified: the open is answered (`size`) once it is. */
  size: number | undefined
  /** When the session was opened, in the order of opens: the oldest of a group is evicted first. */
  readonly order: number
  lastSeen: number
}

/** The holder's compute tag for the verification of blob `name` (hex). */
const verifyTag = (name: string) => `verify/${name}`

/** The blob (hex) a compute tag verifies, if it is a verification's. */
export function verifiedBlobOfTag(tag: ComputeTag): string | undefined {
  return typeof tag === 'string' && tag.startsWith('verify/') ? tag.slice('verify/'.length) : undefined
}

/**
 * The serving side of `blob/1`. It keeps one small record per open session (peer and blob), and sends
 * a chunk only in answer to a `get`: it never reads ahead or queues, so a fetcher that stops asking
 * stops costing it anything but its session, which expires.
 *
 * A blob is verified before its first session is answered: hashed once per boot (while remembered,
 * DEFAULT_VERIFIED_BLOBS) by a `ctx.compute` job, so a real node hashes on a worker thread, not on
 * its event loop; one blob at a time, the opens waiting for it answered when the
 * outcome arrives. A damaged copy is refused as `corrupt`, never served.
 *
 * What strangers can make it do is bounded three ways. Each peer has an open budget (a token bucket
 * on the context's clock), so opening and closing in a loop gets it nowhere. Each peer holds at most
 * maxSessionsPerPeer sessions. And when all maxSessions are held, a newcomer takes the place of the
 * oldest session of the network group holding the most, provided that group keeps more than the
 * newcomer's then holds: sessions converge to an equal share per group (max-min fairness), so
 * identities, which cost nothing, cannot shut a newcomer out; only holding more network groups than
 * sessions can. (`groupOf` is the runtime's network group in a real node; by default every peer is
 * a group of its own.)
 */
export class Holder {
  // Keyed by peer, then blob hash (hex). The outer map is bounded by maxSessions: a peer with no
  // session has no entry.
  private readonly sessions = new Map<Address, Map<string, Session>>()
  /** Sessions per network group; a group with none has no entry. */
  private readonly groups = new Map<string, number>()
  private count = 0
  private opened = 0
  private readonly verified = new BoundedMap<string, true>(DEFAULT_VERIFIED_BLOBS)
  /**
   * The blob being verified, if one is: one at a time. A verification holds the blob in memory up to
   * three times for an instant (read from the store, the job's copy of its input, the worker's), 192
   * MiB for a 64 MiB blob, and a worker hashes ~230 MB/s here: one at a time is more than a holder's
   * uplink serves, and the most a flood of opens can make it hold.
   */
  private verifying: { readonly name: string; readonly hash: Uint8Array } | undefined
  private readonly budgets = new BoundedMap<Address, Budget>(DEFAULT_BUDGETED_PEERS)
  private sweeping = false

  constructor(
    private readonly store: () => BlobStore,
    private readonly limits: HolderLimits,
    private readonly groupOf: (peer: Address) => string = (peer) => peer,
  ) {
    new Budget(limits.opensPerSecond, limits.openBurst) // a bad budget is a RangeError now, not at the first open
  }

  /** Open sessions, of all peers (those waiting for their blob's verification included). */
  get openSessions(): number {
    return this.count
  }

  /** Forgets every session, verification and budget (a restart loses volatile state). */
  reset(): void {
    this.sessions.clear()
    this.groups.clear()
    this.count = 0
    this.opened = 0
    this.verified.clear()
    this.verifying = undefined
    this.budgets.clear()
    this.sweeping = false
  }

  receive(message: BlobMessage, from: Address, ctx: Context): void {
    if (message.t === 'open') this.open(message.h, from, ctx)
    else if (message.t === 'get') this.get(message.h, message.o, message.n, from, ctx)
    else if (message.t === 'close') this.close(this.sessions.get(from)?.get(toHex(message.h)))
  }

  /** The sweep timer fired: forget idle sessions; arm it again while any remain. */
  sweep(ctx: Context): void {
    const cutoff = ctx.now() - this.limits.idleMs
    for (const sessions of this.sessions.values()) {
      for (const session of sessions.values()) if (session.lastSeen <= cutoff) this.close(session)
    }
    this.sweeping = false
    this.armSweep(ctx)
  }

  /** The verification of blob `name` ended: answer the sessions waiting for it, and verify the next. */
  verifiedBlob(name: string, outcome: ComputeOutcome, ctx: Context): void {
    const hash = this.verifying?.hash
    if (hash === undefined || name !== this.verifying?.name) return // from before a reset
    this.verifying = undefined
    // Those still waiting: some may have closed, expired or been evicted meanwhile.
    const waiting = [...this.sessions.values()].flatMap((sessions) => [...sessions.values()].filter((s) => s.name === name && s.size === undefined))
    if (!outcome.ok) {
      ctx.trace({ event: 'blob-verify-failed', hash: name, reason: outcome.reason, detail: outcome.error })
      for (const session of waiting) this.endSession(session, 'busy', ctx) // the worker's trouble, not the blob's: ask again later
    } else if (!bytesEqual(outcome.value as Uint8Array, hash)) {
      ctx.trace({ event: 'blob-corrupt', hash: name, detail: `the stored bytes hash to ${toHex(outcome.value as Uint8Array)}` })
      for (const session of waiting) this.endSession(session, 'corrupt', ctx)
    } else {
      this.verified.set(name, true)
      for (const session of waiting) this.answer(session, ctx)
    }
    this.verifyNext(ctx)
  }

  private armSweep(ctx: Context): void {
    if (this.sweeping || this.count === 0) return
    this.sweeping = true
    ctx.setTimer(this.limits.idleMs, SWEEP)
  }

  private open(hash: Uint8Array, from: Address, ctx: Context): void {
    const name = toHex(hash)
    const existing = this.sessions.get(from)?.get(name)
    if (existing !== undefined) {
      existing.lastSeen = ctx.now() // a re-sent open: answer it again, or once its blob is verified
      if (existing.size !== undefined) ctx.send(from, { t: 'size', h: hash, n: existing.size })
      return
    }
    if (!this.budgetOf(from).take(ctx.now())) return this.sendRefusal(hash, 'busy', from, ctx)
    if ((this.sessions.get(from)?.size ?? 0) >= this.limits.maxSessionsPerPeer) return this.sendRefusal(hash, 'busy', from, ctx)
    if (!this.store().has(hash)) return this.sendRefusal(hash, 'unknown', from, ctx)
    const group = this.groupOf(from)
    if (this.count >= this.limits.maxSessions && !this.evictFor(group, ctx)) return this.sendRefusal(hash, 'busy', from, ctx)
    const session: Session = { peer: from, group, hash: hash.slice(), name, size: undefined, order: this.opened++, lastSeen: ctx.now() }
    let mine = this.sessions.get(from)
    if (mine === undefined) this.sessions.set(from, (mine = new Map()))
    mine.set(name, session)
    this.groups.set(group, (this.groups.get(group) ?? 0) + 1)
    this.count++
    this.armSweep(ctx)
    if (this.verified.get(name) === true) this.answer(session, ctx)
    else this.verifyNext(ctx)
  }

  /**
   * Makes room for a session of `group`: the oldest session of the group holding the most goes, if that
   * group would still hold at least as many as `group` then does. Its fetcher is told (`busy`), so its
   * fetch fails at once rather than at its next `get`. Ties between groups: the one that opened first.
   */
  private evictFor(group: string, ctx: Context): boolean {
    let top: string | undefined
    let most = 0
    for (const [g, n] of this.groups) if (n > most) [top, most] = [g, n]
    if (top === undefined || most <= (this.groups.get(group) ?? 0) + 1) return false
    let oldest: Session | undefined
    for (const sessions of this.sessions.values()) {
      for (const s of sessions.values()) if (s.group === top && (oldest === undefined || s.order < oldest.order)) oldest = s
    }
    ctx.trace({ event: 'blob-session-evicted', peer: (oldest as Session).peer, group: top, sessions: most })
    this.endSession(oldest as Session, 'busy', ctx)
    return true
  }

  /** Starts verifying the blob of the oldest session waiting for one, unless a verification is under way. */
  private verifyNext(ctx: Context): void {
    while (this.verifying === undefined) {
      let next: Session | undefined
      for (const sessions of this.sessions.values()) {
        for (const s of sessions.values()) if (s.size === undefined && (next === undefined || s.order < next.order)) next = s
      }
      if (next === undefined) return
      const size = this.store().size(next.hash)
      const bytes = size === undefined ? undefined : size === 0 ? new Uint8Array(0) : this.store().read(next.hash, 0, size)
      if (bytes === undefined) {
        // Deleted since it was opened: refuse every session waiting for it, and look again.
        for (const sessions of [...this.sessions.values()]) for (const s of [...sessions.values()]) if (s.name === next.name && s.size === undefined) this.endSession(s, 'unknown', ctx)
        continue
      }
      this.verifying = { name: next.name, hash: next.hash }
      ctx.compute(job(BLOB_HASH, bytes), verifyTag(next.name))
    }
  }

  private answer(session: Session, ctx: Context): void {
    const size = this.store().size(session.hash)
    if (size === undefined) return this.endSession(session, 'unknown', ctx) // deleted since
    session.size = size
    ctx.send(session.peer, { t: 'size', h: session.hash, n: size })
  }

  private get(hash: Uint8Array, offset: number, length: number, from: Address, ctx: Context): void {
    const session = this.sessions.get(from)?.get(toHex(hash))
    // A get before the open was answered is one the fetcher had no size to ask it by.
    if (session?.size === undefined) return this.sendRefusal(hash, 'no-session', from, ctx)
    session.lastSeen = ctx.now()
    if (offset >= session.size || length > MAX_CHUNK_BYTES) return this.sendRefusal(hash, 'bad-range', from, ctx)
    const bytes = this.store().read(hash, offset, Math.min(length, session.size - offset))
    if (bytes === undefined) return this.sendRefusal(hash, 'unknown', from, ctx) // deleted since the open
    ctx.send(from, { t: 'chunk', h: hash, o: offset, b: bytes })
  }

  private close(session: Session | undefined): void {
    if (session === undefined) return
    const sessions = this.sessions.get(session.peer) as Map<string, Session>
    sessions.delete(session.name)
    if (sessions.size === 0) this.sessions.delete(session.peer)
    const left = (this.groups.get(session.group) as number) - 1
    if (left === 0) this.groups.delete(session.group)
    else this.groups.set(session.group, left)
    this.count--
  }

  private budgetOf(peer: Address): Budget {
    let budget = this.budgets.get(peer)
    if (budget === undefined) this.budgets.set(peer, (budget = new Budget(this.limits.opensPerSecond, this.limits.openBurst)))
    return budget
  }

  /** Ends a session, telling its fetcher why. */
  private endSession(session: Session, why: RefuseReason, ctx: Context): void {
    this.close(session)
    this.sendRefusal(session.hash, why, session.peer, ctx)
  }

  private sendRefusal(hash: Uint8Array, why: RefuseReason, to: Address, ctx: Context): void {
    ctx.send(to, { t: 'refuse', h: hash, why })
  }
}

/** The holder's timer tag. */
export const SWEEP = 'sweep'
