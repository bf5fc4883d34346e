import type { Address } from '../../core/actor.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import { Budget } from '../../core/budget.ts'
import { DEFAULT_MAX_FRAME_BYTES, encode } from '../../core/codec.ts'
import { wireSize } from '../../core/wire-size.ts'
import type { Commit } from './messages.ts'
import { MAX_RANGE_COMMITS, type RangeReply, type RangeRequest } from './sync-messages.ts'

/**
 * The serving half of `bft-sync/1`: answers `range` requests from a node's durable chain, bounded in
 * commits and bytes per answer, and in answers per requester and per second. A requester is anyone
 * (light clients are strangers by definition), so every bound holds whatever addresses it uses; the
 * committee's members draw on a budget of their own, so a flood from strangers cannot starve a
 * validator's catch-up.
 */

/**
 * The bytes of commits one answer carries: the frame limit (core/codec.ts) less 64 KiB for what wraps
 * the answer on the wire (the protocol id, an envelope, a secure channel's framing). A single commit
 * larger than this (a block near MAX_BLOCK_BYTES, 1 MiB − 32 KiB, with its certificate) still goes
 * alone, and still fits a frame: the voter's own `commit` message is that large, and it is the only way
 * past that height.
 */
export const DEFAULT_MAX_RANGE_BYTES = DEFAULT_MAX_FRAME_BYTES - 64 * 1024
/**
 * A requester gets one answer at most this often. A node catching up asks again one round trip after
 * an answer (40 ms median in the simulator) and spreads its requests over the committee, so this rarely
 * binds an honest one; a flooder with one address gets 20 answers a second.
 */
export const DEFAULT_SERVE_INTERVAL_MS = 50
/**
 * Answers a second from one node, whoever asks, with as many saved up: the bound a flood from many
 * addresses meets. 100 a second serves a hundred light clients polling four times a second across a
 * committee of four; at the byte cap it is 96 MiB/s, so a chain of huge blocks should lower it.
 */
export const DEFAULT_SERVE_PER_SECOND = 100
/**
 * Answers a second to the committee's members, apart from the strangers' budget: as many again, so a
 * validator far behind (which asks one member at a time, a round trip apart) is served whatever
 * strangers send; the members' addresses are authenticated, so no stranger draws on it.
 */
export const DEFAULT_MEMBER_SERVE_PER_SECOND = 100
/** Requesters whose last answer is remembered; past it the least recent is forgotten (a stranger picks its address). */
export const DEFAULT_MAX_REQUESTERS = 4096

/** What the server reads: the commits a node has made durable. */
export interface ServedChain {
  readonly height: number
  committedAt(height: number): Commit | undefined
}

export interface RangeServerOptions {
  readonly maxRangeBytes?: number
  readonly serveIntervalMs?: number
  readonly servePerSecond?: number
  readonly memberServePerSecond?: number
  readonly maxRequesters?: number
}

export class RangeServer {
  private readonly maxRangeBytes: number
  private readonly serveIntervalMs: number
  private readonly lastServed: BoundedMap<Address, number>
  /** Answers left this second: strangers', and the committee members' own. */
  private readonly budget: Budget
  private readonly memberBudget: Budget
  /** Answers sent, and requests dropped by a rate bound. */
  served = 0
  throttled = 0

  constructor(
    private readonly chain: ServedChain,
    options: RangeServerOptions = {},
    /** Whether an address is a committee member's (it draws on the members' budget); none by default. */
    private readonly isMember: (address: Address) => boolean = () => false,
  ) {
    this.maxRangeBytes = options.maxRangeBytes ?? DEFAULT_MAX_RANGE_BYTES
    this.serveIntervalMs = options.serveIntervalMs ?? DEFAULT_SERVE_INTERVAL_MS
    this.lastServed = new BoundedMap(options.maxRequesters ?? DEFAULT_MAX_REQUESTERS)
    const perSecond = options.servePerSecond ?? DEFAULT_SERVE_PER_SECOND
    this.budget = new Budget(perSecond, Math.max(1, perSecond))
    const memberPerSecond = options.memberServePerSecond ?? DEFAULT_MEMBER_SERVE_PER_SECOND
    this.memberBudget = new Budget(memberPerSecond, Math.max(1, memberPerSecond))
  }

  /** How many requesters are remembered (at most the bound). */
  get requesters(): number {
    return this.lastServed.size
  }

  /** The answer to `request` from `requester` at `now`, or undefined when a rate bound drops it. */
  answer(request: RangeRequest, requester: Address, now: number): RangeReply | undefined {
    const last = this.lastServed.get(requester)
    const budget = this.isMember(requester) ? this.memberBudget : this.budget
    if ((last !== undefined && now - last < this.serveIntervalMs) || !budget.take(now)) {
      this.throttled++
      return undefined
    }
    this.lastServed.set(requester, now)
    this.served++
    const tip = this.chain.height
    const commits: Commit[] = []
    let bytes = 0
    const end = Math.min(tip, request.from + Math.min(request.count, MAX_RANGE_COMMITS))
    for (let h = request.from; h < end; h++) {
      const commit = this.chain.committedAt(h) as Commit
      const size = sizeOf(commit)
      if (commits.length > 0 && bytes + size > this.maxRangeBytes) break
      commits.push(commit)
      bytes += size
    }
    return { t: 'blocks', from: request.from, tip, commits }
  }
}

/** A commit's encoded size: measured without encoding when it is plain data, as a decoded one is. */
function sizeOf(commit: Commit): number {
  const size = wireSize(commit)
  return size >= 0 ? size : encode(commit).byteLength
}
