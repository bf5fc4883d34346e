import { Result } from 'effect'
import type { Address, Context, TimerId, TimerTag } from '../../core/actor.ts'
import type { LieContext, Liar } from '../../core/byzantine.ts'
import { validate } from '../../core/codec.ts'
import type { Component } from '../../core/component.ts'
import { ReasonedError } from '../../core/errors.ts'
import type { CertificateError, CertificateFailure } from './certificate.ts'
import type { Committee } from './committee.ts'
import { twin } from './lies.ts'
import type { Commit } from './messages.ts'
import { RangeServer, type RangeServerOptions, type ServedChain } from './range-server.ts'
import { MAX_RANGE_COMMITS, RangeReply, SyncMessage, type RangeRequest } from './sync-messages.ts'

/**
 * Range sync, component `bft-sync`, protocol `bft-sync/1` (docs/consensus.md, *Light clients and range
 * catch-up*). Beside a chain (a validator's BftVoter, or a light client's BftFollower), it
 * - answers `range` requests from that chain (range-server.ts: bounded, rate-limited), and
 * - keeps the chain up to date: it asks one committee member at a time for the commits from the chain's
 *   height, hands each to the chain's `acceptCommit` (which checks its certificate against the genesis
 *   committee: nothing a member says is trusted), and asks again at once while the answers bring blocks,
 *   every poll interval otherwise. A member whose answer is refused or who does not answer is passed
 *   over for a while, and the next one is asked.
 */

/**
 * Commits asked for at once. Each costs its certificate's check (a quorum of signatures: 3 at n = 4,
 * 67 at n = 100, ~4,300 verifications for a range there, well under a second of CPU), so one answer
 * never holds a node's event loop long, while a node 30 s behind (~170 blocks) needs three round trips.
 */
export const DEFAULT_RANGE_COMMITS = 64
/**
 * How often a node asks when the last answer brought nothing new. Blocks come every ~180 ms with
 * honest leaders (docs/consensus.md), so a light client trails the chain by about a block and a round
 * trip; a validator, which decides blocks itself, pays one small request and answer per interval.
 */
export const DEFAULT_POLL_MS = 250
/** A request unanswered this long counts as lost: 25× the simulator's median round trip, room for a slow WAN link. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 1000
/** A member that did not answer is asked again only after this (crashed, cut off or rate-limiting us), unless all are. */
export const DEFAULT_TIMEOUT_PENALTY_MS = 5000
/** A member whose answer was refused (a forged or broken range: it lies or relays lies) is passed over this long. */
export const DEFAULT_REFUSED_PENALTY_MS = 60_000

/** Why an answer was refused: a commit's certificate or link failed, or the answer broke the protocol. */
export type SyncFailure = CertificateFailure | 'out-of-order' | 'empty' | 'timeout'

export class SyncError extends ReasonedError<SyncFailure> {
  readonly _tag = 'SyncError' as const
  override readonly name = 'SyncError'
}

/** The chain a sync keeps up to date: what it serves, and `acceptCommit`, which checks before it appends. */
export interface SyncedChain extends ServedChain {
  readonly committee: Committee
  acceptCommit(commit: Commit): Result.Result<void, CertificateError>
}

export interface SyncOptions extends RangeServerOptions {
  readonly rangeCommits?: number
  readonly pollMs?: number
  readonly requestTimeoutMs?: number
  readonly timeoutPenaltyMs?: number
  readonly refusedPenaltyMs?: number
}

export interface SyncDependencies {
  /** The chain this node keeps: its voter, or its follower. */
  readonly chain: SyncedChain
}

/** The request in flight: whom it asked, from which height, and its timeout. */
interface Asked {
  readonly member: number
  readonly from: number
  readonly seq: number
  readonly timer: TimerId
}

const POLL = 'poll'

export class BftSync implements Component<SyncMessage>, Liar {
  readonly name = 'bft-sync'
  readonly protocol = 'bft-sync/1'
  readonly inbox = SyncMessage
  private readonly chain: SyncedChain
  private readonly server: RangeServer
  private readonly rangeCommits: number
  private readonly pollMs: number
  private readonly requestTimeoutMs: number
  private readonly timeoutPenaltyMs: number
  private readonly refusedPenaltyMs: number
  /** Per member: until when it is passed over (volatile: a restart gives everyone a fresh chance). */
  private penalties: Float64Array = new Float64Array(0)
  private cursor = 0
  private asked: Asked | undefined
  private seq = 0
  private pollTimer: TimerId | undefined
  /** Refused answers by reason (a closed set), and the last refusal. */
  readonly refused = new Map<SyncFailure, number>()
  lastRefusal: SyncError | undefined
  /** Commits this component fed to the chain. */
  fetched = 0

  constructor(options: SyncOptions, dependencies: SyncDependencies) {
    this.chain = dependencies.chain
    this.server = new RangeServer(this.chain, options, (address) => this.chain.committee.indexOf(address) !== undefined)
    this.rangeCommits = Math.min(options.rangeCommits ?? DEFAULT_RANGE_COMMITS, MAX_RANGE_COMMITS)
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.timeoutPenaltyMs = options.timeoutPenaltyMs ?? DEFAULT_TIMEOUT_PENALTY_MS
    this.refusedPenaltyMs = options.refusedPenaltyMs ?? DEFAULT_REFUSED_PENALTY_MS
  }

  /** The serving side's counters: answers sent, requests dropped by a rate bound, requesters remembered. */
  get serving(): { readonly served: number; readonly throttled: number; readonly requesters: number } {
    return { served: this.server.served, throttled: this.server.throttled, requesters: this.server.requesters }
  }

  start(ctx: Context): void {
    this.penalties = new Float64Array(this.chain.committee.size)
    this.cursor = ctx.random.int(this.chain.committee.size)
    this.asked = undefined
    this.pollTimer = undefined
    // A node that boots (new, or restarted after an outage) asks at once: that is when it is furthest behind.
    this.fetch(ctx)
  }

  receive(message: SyncMessage, from: Address, ctx: Context): void {
    if (message.t === 'range') return this.serve(message, from, ctx)
    this.onReply(message, from, ctx)
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag === POLL) {
      this.pollTimer = undefined
      return this.fetch(ctx)
    }
    const asked = this.asked
    if (asked === undefined || tag !== `wait:${asked.seq}`) return
    this.asked = undefined
    this.refuse(asked.member, new SyncError('timeout', `no answer in ${this.requestTimeoutMs} ms`), this.timeoutPenaltyMs, ctx)
  }

  /**
   * The lie of a Byzantine member's sync (core/byzantine.ts; the simulator's `lie`, `equivocate` and
   * `collude`): an answer whose blocks are their twins (lies.ts), each under the real block's certificate.
   * It cannot forge the others' signatures; this is what it can send, and what a light client refuses.
   */
  lie(message: unknown, _to: Address, lies: LieContext): unknown {
    const decoded = validate(message, RangeReply)
    if (Result.isFailure(decoded) || decoded.success.commits.length === 0) return undefined
    return { ...decoded.success, commits: decoded.success.commits.map((c) => ({ ...c, b: twin(c.b, lies.shared) })) }
  }

  private serve(request: RangeRequest, from: Address, ctx: Context): void {
    const reply = this.server.answer(request, from, ctx.now())
    if (reply !== undefined) ctx.send(from, reply)
  }

  /** Asks the next member for the commits from this chain's height, unless a request is in flight. */
  private fetch(ctx: Context): void {
    if (this.asked !== undefined) return
    const member = this.pick(ctx)
    if (member === undefined) return
    const from = this.chain.height
    const request: RangeRequest = { t: 'range', from, count: this.rangeCommits }
    ctx.send(this.chain.committee.members[member]!.address, request)
    const seq = ++this.seq
    this.asked = { member, from, seq, timer: ctx.setTimer(this.requestTimeoutMs, `wait:${seq}`) }
  }

  /**
   * The next member in turn that is not passed over, or, when all are, the one whose penalty ends first
   * (a partition times every member out; the chain must still move when it heals). Never this node.
   */
  private pick(ctx: Context): number | undefined {
    const { members } = this.chain.committee
    let fallback: number | undefined
    for (let i = 0; i < members.length; i++) {
      const m = (this.cursor + i) % members.length
      if (members[m]!.address === ctx.self) continue
      if ((this.penalties[m] as number) <= ctx.now()) {
        this.cursor = (m + 1) % members.length
        return m
      }
      if (fallback === undefined || (this.penalties[m] as number) < (this.penalties[fallback] as number)) fallback = m
    }
    return fallback
  }

  private onReply(reply: RangeReply, from: Address, ctx: Context): void {
    const asked = this.asked
    // Only the answer to the request in flight, from the member asked: anything else (a late answer to a
    // request that timed out, an unsolicited one) is dropped unread.
    if (asked === undefined || this.chain.committee.indexOf(from) !== asked.member || reply.from !== asked.from) return
    ctx.cancelTimer(asked.timer)
    this.asked = undefined
    const failure = this.take(reply)
    if (failure !== undefined) return this.refuse(asked.member, failure, this.refusedPenaltyMs, ctx)
    // Blocks came and the member has more: ask again at once (the next member in turn). Otherwise wait.
    if (this.chain.height > asked.from && reply.tip > this.chain.height) this.fetch(ctx)
    else this.poll(ctx)
  }

  /**
   * Feeds the answer's commits to the chain in height order, from the chain's height (those below it
   * arrived another way meanwhile). Stops at the first the chain refuses: that one and the rest change
   * nothing; those before it were certified blocks, as good from a liar as from anyone.
   */
  private take(reply: RangeReply): SyncError | undefined {
    const { from, tip, commits } = reply
    if (commits.length === 0) return tip > from ? new SyncError('empty', `the member claims ${tip} blocks and sent none from ${from}`) : undefined
    for (let i = 0; i < commits.length; i++) {
      const commit = commits[i] as Commit
      if (commit.b.h !== from + i) return new SyncError('out-of-order', `the answer from height ${from} holds height ${commit.b.h} at position ${i}`)
      if (commit.b.h < this.chain.height) continue
      const accepted = this.chain.acceptCommit(commit)
      if (Result.isFailure(accepted)) return new SyncError(accepted.failure.reason, accepted.failure.message)
      this.fetched++
    }
    return undefined
  }

  /** An answer refused or lost: counted, traced, the member passed over for `penaltyMs`, and another one asked. */
  private refuse(member: number, error: SyncError, penaltyMs: number, ctx: Context): void {
    this.refused.set(error.reason, (this.refused.get(error.reason) ?? 0) + 1)
    this.lastRefusal = error
    this.penalties[member] = ctx.now() + penaltyMs
    ctx.trace({ event: 'range-refused', member: this.chain.committee.members[member]!.address, reason: error.reason, detail: error.message })
    // Another member at once while one is in good standing; when none is, the next poll.
    if (this.penalties.some((until, m) => until <= ctx.now() && this.chain.committee.members[m]!.address !== ctx.self)) this.fetch(ctx)
    else this.poll(ctx)
  }

  private poll(ctx: Context): void {
    if (this.pollTimer !== undefined) ctx.cancelTimer(this.pollTimer)
    this.pollTimer = ctx.setTimer(this.pollMs, POLL)
  }
}
