import type { Address, Context } from '../../core/actor.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import { toHex } from '../../core/bytes.ts'
import type { BlobStore } from '../../core/storage.ts'
import { MAX_CHUNK_BYTES, type BlobMessage, type RefuseReason } from './messages.ts'

/** The holder's bounds: what a stranger opening fetches can make it keep. */
export interface HolderLimits {
  /** Sessions (one per blob being fetched) one peer may hold open at once. */
  readonly maxSessionsPerPeer: number
  /** Sessions of all peers together. */
  readonly maxSessions: number
  /** A session with no request for this long is forgotten (on the context's clock). */
  readonly idleMs: number
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
/** Blobs verified since boot, remembered so that re-opening one does not rehash it each time. */
export const DEFAULT_VERIFIED_CACHE = 64

interface Session {
  readonly size: number
  lastSeen: number
}

/**
 * The serving side of `blob/1`. It keeps one small record per open session (peer and blob), and sends
 * a chunk only in answer to a `get`: it never reads ahead or queues, so a fetcher that stops asking
 * stops costing it anything but its session, which expires. A blob is verified (hashed in pieces)
 * before its first session: a damaged copy is refused as `corrupt`, never served.
 */
export class Holder {
  // Keyed by peer, then blob hash (hex). The outer map is bounded by maxSessions: a peer with no
  // session has no entry.
  private readonly sessions = new Map<Address, Map<string, Session>>()
  private count = 0
  private readonly verified = new BoundedMap<string, true>(DEFAULT_VERIFIED_CACHE)
  private sweeping = false

  constructor(
    private readonly store: () => BlobStore,
    private readonly limits: HolderLimits,
  ) {}

  /** Open sessions, of all peers. */
  get openSessions(): number {
    return this.count
  }

  /** Forgets every session (a restart loses volatile state). */
  reset(): void {
    this.sessions.clear()
    this.count = 0
    this.verified.clear()
    this.sweeping = false
  }

  receive(message: BlobMessage, from: Address, ctx: Context): void {
    if (message.t === 'open') this.open(message.h, from, ctx)
    else if (message.t === 'get') this.get(message.h, message.o, message.n, from, ctx)
    else if (message.t === 'close') this.close(toHex(message.h), from)
  }

  /** The sweep timer fired: forget idle sessions; arm it again while any remain. */
  sweep(ctx: Context): void {
    const cutoff = ctx.now() - this.limits.idleMs
    for (const [peer, sessions] of this.sessions) {
      for (const [hash, session] of sessions) if (session.lastSeen <= cutoff) this.close(hash, peer)
    }
    this.sweeping = false
    this.armSweep(ctx)
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
      existing.lastSeen = ctx.now() // a retransmitted open: answer it again
      return ctx.send(from, { t: 'size', h: hash, n: existing.size })
    }
    const peerSessions = this.sessions.get(from)?.size ?? 0
    if (peerSessions >= this.limits.maxSessionsPerPeer || this.count >= this.limits.maxSessions) return this.refuse(hash, 'busy', from, ctx)
    const why = this.check(hash, name, ctx)
    if (why !== undefined) return this.refuse(hash, why, from, ctx)
    const size = this.store().size(hash) as number
    let mine = this.sessions.get(from)
    if (mine === undefined) this.sessions.set(from, (mine = new Map()))
    mine.set(name, { size, lastSeen: ctx.now() })
    this.count++
    this.armSweep(ctx)
    ctx.send(from, { t: 'size', h: hash, n: size })
  }

  private get(hash: Uint8Array, offset: number, length: number, from: Address, ctx: Context): void {
    const session = this.sessions.get(from)?.get(toHex(hash))
    if (session === undefined) return this.refuse(hash, 'no-session', from, ctx)
    session.lastSeen = ctx.now()
    if (offset >= session.size || length > MAX_CHUNK_BYTES) return this.refuse(hash, 'bad-range', from, ctx)
    const bytes = this.store().read(hash, offset, Math.min(length, session.size - offset))
    if (bytes === undefined) return this.refuse(hash, 'unknown', from, ctx) // deleted since the open
    ctx.send(from, { t: 'chunk', h: hash, o: offset, b: bytes })
  }

  private close(name: string, peer: Address): void {
    const sessions = this.sessions.get(peer)
    if (sessions?.delete(name) !== true) return
    this.count--
    if (sessions.size === 0) this.sessions.delete(peer)
  }

  /** Why the blob cannot be served, if it cannot: absent, or damaged (verified once per boot while remembered). */
  private check(hash: Uint8Array, name: string, ctx: Context): RefuseReason | undefined {
    if (this.verified.get(name) === true && this.store().has(hash)) return undefined
    try {
      if (!this.store().verify(hash)) return 'unknown'
    } catch (error) {
      ctx.trace({ event: 'blob-corrupt', hash: name, detail: error instanceof Error ? error.message : String(error) })
      return 'corrupt'
    }
    this.verified.set(name, true)
    return undefined
  }

  private refuse(hash: Uint8Array, why: RefuseReason, to: Address, ctx: Context): void {
    ctx.send(to, { t: 'refuse', h: hash, why })
  }
}

/** The holder's timer tag. */
export const SWEEP = 'sweep'
