import { Result } from 'effect'
import type { Address, Context, TimerTag } from '../../core/actor.ts'
import type { LieContext, Liar } from '../../core/byzantine.ts'
import { bytesEqual, fromHex, toHex } from '../../core/bytes.ts'
import type { Component } from '../../core/component.ts'
import { encode } from '../../core/codec.ts'
import { ConfigError } from '../../core/errors.ts'
import type { Ed25519KeyPair } from '../../core/keys.ts'
import { SignatureVerifier, keyPairSigner } from '../../core/sign.ts'
import type { Signer } from '../../core/transport.ts'
import { checkCommit, type CertificateError } from './certificate.ts'
import { Committee, type Member, type PlantedBug } from './committee.ts'
import { ConsensusError, STEP_PRECOMMIT, STEP_PREVOTE, STEP_PROPOSE, chainEnd, chainLog, committedAt, freshState, loadState, saveState, signingVerdict, type VoterState } from './durable.ts'
import { entryFlaw } from './entries.ts'
import { evidenceEntry, evidenceOf, type EvidenceStep, type SignedValue } from './evidence.ts'
import { lieAbout } from './lies.ts'
import { DEFAULT_MAX_PENDING_ENTRIES, Mempool, type EntryPool } from './mempool.ts'
import { BftMessage, GENESIS_PARENT, type Need, MAX_BLOCK_BYTES, MAX_BLOCK_ENTRIES, blockBytes, blockHash, proposalPayload, votePayload, type Block, type Commit, type Proposal, type Vote, type VoteKind, type Votes } from './messages.ts'
import { Phases, PhaseError, describePhase, type PhaseEvent } from './phases.ts'
import { MAX_VALUES_PER_MEMBER, NIL, RoundTally, certified } from './tally.ts'

/**
 * How long a round waits for its proposal, then for a prevote and a precommit quorum, at round 0: about
 * 10× the simulator's median one-way delay (20 ms), so an honest leader's round rarely times out, and
 * well under a second so a dead leader costs little. Each later round of the same height multiplies
 * them by DEFAULT_BACKOFF_FACTOR (exponential back-off), at most DEFAULT_MAX_BACKOFF times: after global
 * stabilisation some round's timeouts exceed the true delay, which is what liveness needs.
 */
export const DEFAULT_TIMEOUT_PROPOSE_MS = 300
export const DEFAULT_TIMEOUT_VOTE_MS = 200
/**
 * 1.5, not 2: a height whose first leaders are down or cut off (a partition moves, twins split the
 * committee) needs a few rounds, and doubling made round 4 wait 5 s for a proposal, longer than the
 * outage it waits out (measured: a twin scenario committed 2 blocks in 10 s with 2, 20+ with 1.5).
 */
export const DEFAULT_BACKOFF_FACTOR = 1.5
/** Back-off stops growing after 1.5^10 ≈ 58×: 17 s for a proposal, long enough for any real link. */
export const DEFAULT_MAX_BACKOFF = 10
/**
 * The pause after a commit before the next height starts (Tendermint's timeout_commit): it lets entries
 * gather into the next block and late precommits arrive. 100 ms: a few network delays.
 */
export const DEFAULT_BLOCK_INTERVAL_MS = 100
/**
 * Rounds of the next height whose messages are kept while this one finishes: its round 0, and round 1
 * should round 0's leader be down. A member further on than that is far ahead, and this node catches up
 * by asking for the commit (`behind`), not from buffered messages. An honest member signs one proposal
 * and two votes a round; as the tally counts two values per member (tally.ts MAX_VALUES_PER_MEMBER, so
 * the order of arrival hides no quorum and an equivocation becomes evidence), two signed messages per
 * member, kind and round are kept (a repeat replaces nothing): at most 2 rounds × 3 kinds × 2 = 12 a
 * member, and at most 4 proposals in all (only a round's leader signs one), so under 4 × MAX_BLOCK_BYTES
 * plus 12n votes of ~150 bytes.
 */
export const FUTURE_ROUNDS = 2
/** Rounds of the current height whose votes are kept below the current round (a valid round older than this is not provable; liveness only). */
export const DEFAULT_ROUNDS_KEPT = 64
/** Rounds ahead of ours whose messages are kept (to notice that a blocking weight moved on). */
export const DEFAULT_ROUNDS_AHEAD = 16
/**
 * A round that has not ended by the time of its proposal timeout and this many vote timeouts ends
 * anyway. Tendermint ends a round only on a precommit quorum's timeout and counts on gossip resending
 * lost votes; this voter does not gossip, so a member that lost the precommits of a height could wait
 * for a quorum that never comes, and the rest for it. Moving on is always safe (locks carry over), and
 * its next round's votes tell the members ahead that it is behind (they send it the commit).
 */
export const ROUND_TIMEOUT_VOTES = 3
/** A member that is behind gets one catch-up commit at most this often (it asks again by voting). */
export const DEFAULT_CATCH_UP_INTERVAL_MS = 100
/**
 * Members ahead that a member behind asks for the commit each interval, in turn: one answer is
 * enough (it is a certificate, checked), two in case one lies or is cut off. Asking every member ahead
 * made a member that lost one commit certificate draw a committee's worth of commits (a certificate
 * of the next height names every signer as ahead): at n = 64 in the collector mode, 812 messages a
 * block, 25 of them commits; 414 asking two.
 */
export const CATCH_UP_ASKS = 2

/**
 * Who hears a vote for a block on a round's happy path (docs/consensus.md, *Dissemination*):
 * - `collector`: the round's leader only, which relays each kind's first quorum to everyone as one
 *   `votes` certificate: 5 network delays and at most 6(n − 1) messages a height;
 * - `all-to-all`: everyone (Tendermint's exchange): 3 network delays and about 2n² messages.
 * The rules that count votes are the same in both; only who hears a vote differs.
 */
export type Dissemination = 'collector' | 'all-to-all'
/** Linear: the committee may grow to MAX_COMMITTEE without a quadratic vote exchange. */
export const DEFAULT_DISSEMINATION: Dissemination = 'collector'

export interface BftOptions {
  /** The committee (genesis, until the ledger provides it), in order; this node must be a member. */
  readonly committee: readonly Member[]
  /**
   * This validator's key, the one the committee lists for it: a key pair, or a signer (a node's key
   * store, an HSM) that never gives out the secret.
   */
  readonly key: Signer | Ed25519KeyPair
  readonly timeoutProposeMs?: number
  readonly timeoutVoteMs?: number
  readonly blockIntervalMs?: number
  readonly maxBlockEntries?: number
  /** The bound of the pool the voter makes when it is given none (mempool.ts DEFAULT_MAX_PENDING_ENTRIES). */
  readonly maxPendingEntries?: number
  /** Who hears a vote for a block on the happy path (default DEFAULT_DISSEMINATION). */
  readonly dissemination?: Dissemination
  /** A bug planted for testing the checker (committee.ts); never in a real node. */
  readonly plantedBug?: PlantedBug
  /** Called once per committed block, after it is durable, in height order: where a ledger applies entries. */
  readonly onCommit?: (commit: Commit, ctx: Context) => void
}

export interface BftDependencies {
  /** The node's signature verifier (shared by its components; its memo makes a repeated check cheap). */
  readonly verifier?: SignatureVerifier
  /**
   * Where blocks take their entries from and `submit` puts them: the node's shared mempool (mempool.ts,
   * a component of the node beside the voter). Without one the voter keeps a pool of its own that no
   * composite starts, so it gossips nothing: entries then wait for this node to lead.
   */
  readonly mempool?: EntryPool
}

/**
 * Bits of `fired`, for the collector mode: a certificate of the round's prevotes (precommits) went out;
 * the round's proposal timeout fired. Kept per round, for any round (a collector certifies rounds behind
 * this node's). The current round's once-only rules (timers armed, polka taken) are the chart's states.
 */
const CERTIFIED_PREVOTES = 0
const CERTIFIED_PRECOMMITS = 1
const PAST_PROPOSE_TIMEOUT = 2
interface Proposed {
  readonly block: Block
  readonly hash: Uint8Array
  readonly hex: string
  readonly vr: number
  /** The leader's signature: half of the evidence should it sign another proposal in this round. */
  readonly sig: Uint8Array
  /** Members whose copy of it had its proof of lock checked (one copy each: see takeProofOfLock). */
  readonly polFrom: Set<number>
}

/**
 * The weighted BFT voter, component `bft`, protocol `bft/1`: Tendermint's rounds (Buchman, Kwon and
 * Milosevic, *The latest gossip on BFT consensus*, 2018, Algorithm 1) with weighted quorums, durable
 * locks and signed votes. docs/consensus.md explains the choice and the rules.
 */
export class BftVoter implements Component<BftMessage>, Liar {
  readonly name = 'bft'
  readonly protocol = 'bft/1'
  readonly inbox = BftMessage
  readonly committee: Committee
  /** This node's index in the committee. */
  readonly me: number
  private readonly verifier: SignatureVerifier
  private readonly signer: Signer
  private readonly timeoutProposeMs: number
  private readonly timeoutVoteMs: number
  private readonly blockIntervalMs: number
  private readonly maxBlockEntries: number
  readonly dissemination: Dissemination
  private readonly pool: EntryPool
  /** Whether each block seen at this height holds only entries a block may hold (entries.ts), worked out once per block. */
  private readonly entriesChecked = new WeakMap<Block, boolean>()
  /** Each received block's hash, worked out once (a 1 MiB block takes a millisecond to hash): the signature check and the tally share it. */
  private readonly hashes = new WeakMap<Block, Uint8Array>()

  private ctx: Context | undefined
  private state: VoterState = freshState(0, null)
  /** The height's lifecycle and the round's step (phases.ts): the one record of both, moved as the rules fire. */
  private readonly phases = new Phases()
  private parent: Uint8Array = GENESIS_PARENT
  private proposals = new Map<number, Proposed>()
  private prevotes = new Map<number, RoundTally>()
  private precommits = new Map<number, RoundTally>()
  /** Per round: the collector mode's "for the first time" events (the bits above). */
  private fired = new Map<number, number>()
  /** Verified messages of the next height (FUTURE_ROUNDS), by signer, kind and round (at most MAX_VALUES_PER_MEMBER each), with the member that relayed each. */
  private future = new Map<string, { readonly message: Proposal | Vote; readonly from: number }[]>()
  /** The commit of the height below this one: what a member stuck there is sent, with no disk read. */
  private lastCommit: Commit | undefined
  /** Members whose messages of the next height arrived: they say they committed this one. */
  private ahead = new Set<number>()
  /** When each member was last sent a commit, and last asked for one (bounded by the committee). */
  private readonly answered = new Map<number, number>()
  private readonly asked = new Map<number, number>()
  /** Catch-up requests made by the `behind` timer: the members ahead are asked in turn. */
  private asks = 0
  /** Equivocations seen (two different signed messages for one height, round and step), each reported as evidence. */
  equivocations = 0

  constructor(
    private readonly options: BftOptions,
    dependencies: BftDependencies = {},
  ) {
    this.committee = new Committee(options.committee, options.plantedBug)
    const me = options.committee.findIndex((m) => bytesEqual(m.publicKey, options.key.publicKey))
    if (me < 0) throw new ConfigError('this node is not in the committee: its key is not among the members (a node outside it follows the chain with BftFollower, follower.ts)')
    this.me = me
    this.verifier = dependencies.verifier ?? new SignatureVerifier()
    this.signer = 'sign' in options.key ? options.key : keyPairSigner(options.key)
    this.timeoutProposeMs = options.timeoutProposeMs ?? DEFAULT_TIMEOUT_PROPOSE_MS
    this.timeoutVoteMs = options.timeoutVoteMs ?? DEFAULT_TIMEOUT_VOTE_MS
    this.blockIntervalMs = options.blockIntervalMs ?? DEFAULT_BLOCK_INTERVAL_MS
    this.maxBlockEntries = Math.min(options.maxBlockEntries ?? MAX_BLOCK_ENTRIES, MAX_BLOCK_ENTRIES)
    this.pool = dependencies.mempool ?? new Mempool({ committee: options.committee, maxPendingEntries: options.maxPendingEntries ?? DEFAULT_MAX_PENDING_ENTRIES }, { verifier: this.verifier })
    this.dissemination = options.dissemination ?? DEFAULT_DISSEMINATION
  }

  /** The next height to decide: how many blocks this node has committed. */
  get height(): number {
    return this.state.h
  }

  get round(): number {
    return this.state.r
  }

  /** Where the voter is in its phase chart (phases.ts), e.g. `height.round.{step.prevote.waiting, commitWait.idle}`. */
  get phase(): string {
    return describePhase(this.phases.value)
  }

  start(ctx: Context): void {
    this.ctx = ctx
    const { height, last: lastCommit, parent } = chainEnd(ctx.storage)
    this.lastCommit = lastCommit
    this.parent = parent
    const last = lastCommit?.b
    // The pool learns the height (its gossip goes to the next leaders) and that the last block's entries are in.
    if (last !== undefined) this.pool.committed(last)
    this.state = this.options.plantedBug === 'forget-lock' ? freshState(height, null) : loadState(ctx.storage, height)
    this.resetHeight()
    // The valid block's proof, kept with it (durable.ts): after a restart it may exist nowhere else.
    const { validRound, valid, validProof } = this.state
    if (valid !== null) for (const { s, sig } of validProof ?? []) this.tally(this.prevotes, validRound).add(s, blockHash(valid), sig)
    this.startRound({ type: 'HEIGHT_START', height: this.state.h, round: this.state.r })
    this.progress(ctx)
  }

  /**
   * Puts `entry` in the node's mempool, for whichever member leads next (mempool.ts). Throws
   * ConsensusError (and adds nothing) when it is too large, when the pool holds too many of this node's
   * entries, when a block may not hold it (tagged evidence that does not verify: entries.ts), or when it
   * was committed recently ('already-committed'). The same bytes twice, while waiting, are one entry.
   */
  submit(entry: Uint8Array): void {
    if (this.ctx === undefined) throw new ConsensusError('not-started', 'submit before the voter started')
    this.pool.submit(entry)
  }

  /** Entries this node submitted that are not committed yet. */
  get pendingEntries(): number {
    return this.pool.pending
  }

  /** The most entries of this node's the pool holds. */
  get maxPending(): number {
    return this.pool.maxPending
  }

  /**
   * Commits `commit` exactly as a `commit` message would (certificate.ts checks it: this height, on
   * this node's last block, no larger than a block may be, a quorum's valid precommits, entries a
   * block may hold; never trusted), or says why not and changes nothing. The in-node API of range
   * catch-up (sync.ts): it feeds a voter that is far behind.
   */
  acceptCommit(commit: Commit): Result.Result<void, CertificateError> {
    const checked = checkCommit(commit, { height: this.state.h, parent: this.parent }, this.committee, this.verifier)
    if (Result.isFailure(checked)) return Result.fail(checked.failure)
    this.decide(checked.success, this.context())
    return Result.succeed(undefined)
  }

  /** The commit (block and certificate) of `height` from this node's durable chain, or undefined past its end. */
  committedAt(height: number): Commit | undefined {
    return committedAt(this.context().storage, height)
  }

  /**
   * bft/1 is spoken by the committee only: a message from any other address (in a real node a member's
   * address is its identity, which the secure channel authenticates) acts on nothing, before any
   * signature is checked. What a member sends is checked cheapest first (docs/consensus.md, *Bounds on
   * what a stranger sends*).
   */
  receive(message: BftMessage, from: Address, ctx: Context): void {
    const sender = this.committee.indexOf(from)
    if (sender === undefined || sender === this.me) return ctx.trace({ event: 'bft-refused', from, reason: 'not-a-member' })
    if (message.t === 'need') return this.answerNeed(message.h, sender, ctx)
    if (message.t === 'votes') return this.onCertificate(message, sender, ctx)
    if (this.handle(message, sender, ctx)) this.progress(ctx)
  }

  timer(tag: TimerTag, ctx: Context): void {
    const [kind, h, r] = String(tag).split(':').map((part, i) => (i === 0 ? part : Number(part))) as [string, number, number]
    if (h !== this.state.h) return
    if (kind === 'propose') this.fireOnce(r, PAST_PROPOSE_TIMEOUT)
    if (kind === 'behind') {
      // Still at this height an interval after a member showed it is past it: ask a few, and again later.
      const ahead = [...this.ahead]
      for (let i = 0; i < Math.min(CATCH_UP_ASKS, ahead.length); i++) this.ask(ahead[(this.asks++ % ahead.length)] as number, ctx)
      ctx.setTimer(DEFAULT_CATCH_UP_INTERVAL_MS, `behind:${h}:0`)
      return
    }
    if (kind === 'next') {
      this.startRound({ type: 'HEIGHT_START', height: h, round: 0 })
      this.replayFuture(ctx)
      // Timers of an earlier round, or of a height in its block interval, never reach the chart.
    } else if (r !== this.state.r || !this.phases.running) return
    else if (kind === 'propose') {
      if (this.stepMoved({ type: 'TIMEOUT_PROPOSE' })) this.vote('prevote', null, ctx)
      // The collector mode's fallback: a round still running at its proposal timeout is slow (its
      // collector withholds, or lost votes), so the votes that went to the collector alone go to everyone.
      // Not when members showed they are past this height: this one lost the commit certificate, and
      // asks them for the commit (`behind`); a resend would tell them nothing.
      else if (this.dissemination === 'collector' && this.ahead.size === 0) this.resendVotes(r, ctx)
    } else if (kind === 'prevote') {
      if (this.stepMoved({ type: 'TIMEOUT_PREVOTE' })) this.vote('precommit', null, ctx)
    } else if (kind === 'precommit' || kind === 'round') {
      this.resendVotes(r, ctx)
      this.startRound({ type: kind === 'precommit' ? 'TIMEOUT_PRECOMMIT' : 'TIMEOUT_ROUND', round: r + 1 })
    }
    this.progress(ctx)
  }

  /**
   * Takes in one message relayed by member `from`; true when it may have changed what the round rules
   * see. Nothing acts (no send, no buffering, no disk read) before the message's signature is checked,
   * and no signature is checked for a height and round this node would not use.
   */
  private handle(message: Exclude<BftMessage, Need | Votes>, from: number, ctx: Context): boolean {
    if (message.t === 'commit') {
      this.acceptCommit(message)
      return false
    }
    const h = message.h
    if (h < this.state.h) {
      this.catchUpStuck(message, from, ctx)
      return false
    }
    if (h === this.state.h + 1) {
      if (this.inWindow(h, message.r) && this.signedBy(message)) this.keepForNext(message, from, ctx)
      return false
    }
    // Two heights ahead: this node missed a commit. The cheap rate check first, then the signature.
    if (h > this.state.h) {
      if (this.mayAsk(message.s, ctx) && this.signedBy(message)) this.ask(message.s, ctx)
      return false
    }
    if (!this.inWindow(h, message.r) || !this.signedBy(message)) return false
    if (message.t === 'proposal') {
      const kept = this.onProposal(message, ctx)
      if (kept !== undefined) this.takeProofOfLock(message, kept, from, ctx)
    } else this.onVote(message, ctx)
    return true
  }

  /**
   * A verified message of the next height: kept unless its signer's kind and round hold two already or
   * this one (a signature is a message's identity: libsodium refuses malleated ones); its signer is past
   * this height.
   */
  private keepForNext(message: Proposal | Vote, from: number, ctx: Context): void {
    const key = `${message.s}:${message.t}:${message.r}`
    const kept = this.future.get(key) ?? []
    if (kept.length < MAX_VALUES_PER_MEMBER && !kept.some((k) => bytesEqual(k.message.sig, message.sig))) this.future.set(key, [...kept, { message, from }])
    this.noteAhead(message.s, ctx)
  }

  /** What arrived for this height while the last one finished, taken in now that it is current. */
  private replayFuture(ctx: Context): void {
    const future = this.future
    this.future = new Map()
    for (const kept of future.values()) for (const { message, from } of kept) this.handle(message, from, ctx)
  }

  lie(message: unknown, _to: Address, lies: LieContext): unknown {
    return lieAbout(message, lies, {
      signer: this.signer,
      me: this.me,
      proposalOf: (round) => this.proposals.get(round)?.block,
      votesFor: (kind, round, hash) => (kind === 'prevote' ? this.prevotes : this.precommits).get(round)?.signers(toHex(hash)) ?? [],
    })
  }

  // ---- rounds

  private resetHeight(): void {
    this.ahead = new Set()
    this.proposals = new Map()
    this.prevotes = new Map()
    this.precommits = new Map()
    this.fired = new Map()
  }

  /** Starts round `event.round` (of a new height, for HEIGHT_START): the chart first, so an illegal start changes nothing. */
  private startRound(event: Extract<PhaseEvent, { readonly round: number }>): void {
    const ctx = this.context()
    this.phases.raise(event)
    const round = event.round
    this.state = { ...this.state, r: round }
    this.prune()
    saveState(ctx.storage, this.state)
    const { h } = this.state
    if (this.committee.proposer(h, round) === this.me) this.propose(ctx)
    ctx.setTimer(this.backedOff(this.timeoutProposeMs), `propose:${h}:${round}`)
    ctx.setTimer(this.backedOff(this.timeoutProposeMs + ROUND_TIMEOUT_VOTES * this.timeoutVoteMs), `round:${h}:${round}`)
  }

  private propose(ctx: Context): void {
    const { h, r, validRound, valid } = this.state
    // The valid block, re-proposed with its round, when there is one from an earlier round.
    const again = validRound >= 0 && validRound < r && valid !== null
    const block: Block = again ? valid : { h, parent: this.parent, by: this.me, entries: this.pool.take(this.maxBlockEntries) }
    const vr = again ? validRound : -1
    const hash = blockHash(block)
    const verdict = signingVerdict(this.state.signed, h, r, STEP_PROPOSE)
    if (verdict === 'refuse') return
    // A restart inside the round resends the proposal it signed, never a second one.
    const signed = verdict === 'same' && this.state.signed?.b != null ? this.state.signed : { h, r, step: STEP_PROPOSE, x: hash, vr, b: block }
    this.state = { ...this.state, signed }
    saveState(ctx.storage, this.state)
    const pol = signed.vr >= 0 ? this.tally(this.prevotes, signed.vr).signers(toHex(signed.x as Uint8Array)) : []
    const proposal: Proposal = { t: 'proposal', h, r, vr: signed.vr, b: signed.b as Block, pol, s: this.me, sig: this.signer.sign(proposalPayload(h, r, signed.vr, signed.x as Uint8Array)) }
    this.onProposal(proposal, ctx)
    this.broadcast(proposal, ctx)
  }

  /** Signs and sends a vote, unless this node signed something later; at the same step it resends what it signed. */
  private vote(kind: VoteKind, hash: Uint8Array | null, ctx: Context): void {
    const step = kind === 'prevote' ? STEP_PREVOTE : STEP_PRECOMMIT
    // The chart moved into the vote's step before it is signed (the event that fired the rule did).
    if (this.phases.step !== step) throw new PhaseError('step-mismatch', `broken invariant: a ${kind} of round ${this.state.r} in phase ${this.phase}`)
    const { h, r } = this.state
    const verdict = signingVerdict(this.state.signed, h, r, step)
    if (verdict === 'refuse') return
    const x = verdict === 'same' ? (this.state.signed?.x ?? null) : hash
    this.state = { ...this.state, signed: { h, r, step, x, vr: -1, b: null } }
    saveState(ctx.storage, this.state)
    const vote: Vote = { t: kind, h, r, x, s: this.me, sig: this.signer.sign(votePayload(kind, h, r, x)) }
    this.onVote(vote, ctx)
    this.sendVote(vote, ctx)
  }

  /** Tendermint's `upon` rules for the current round, applied until none fires. */
  private progress(ctx: Context): void {
    for (let changed = true; changed && this.phases.running; ) {
      this.updateValid()
      changed = this.decideIfQuorum(ctx) || this.skipRound() || this.roundRules(ctx)
    }
  }

  /**
   * The latest round's proposal with a prevote quorum becomes the valid block, whichever round it is
   * (Tendermint takes only the current round's, counting on gossip to deliver every prevote in time).
   * A leader re-proposes its valid block with its proof, and that is what unlocks the members locked on
   * it; which block a leader proposes never touches safety, only the prevote rules do.
   */
  private updateValid(): void {
    for (const [round, proposal] of this.proposals) {
      if (round <= this.state.validRound || round > this.state.r) continue
      if (this.committee.isQuorum(this.tally(this.prevotes, round).weight(proposal.hex)) && this.isValid(proposal.block)) {
        this.state = { ...this.state, ...this.validBlock(round, proposal.block, proposal.hex) }
      }
    }
  }

  /**
   * A round ended without a decision: this node's votes of it go out once more. The voter has no
   * gossip layer, so a lost vote would otherwise stay lost, and a member that missed one prevote of a
   * quorum never learns the block others locked on (measured: a height with two members down waited
   * seven rounds, 20 s, for the one leader that had the proof). Only failed rounds pay for it (and, in
   * the collector mode, rounds still running at their proposal timeout).
   */
  private resendVotes(round: number, ctx: Context): void {
    for (const kind of ['prevote', 'precommit'] as const) {
      const mine = this.tally(kind === 'prevote' ? this.prevotes : this.precommits, round).voteOf(this.me)
      if (mine === undefined) continue
      const vote: Vote = { t: kind, h: this.state.h, r: round, x: mine.key === NIL ? null : fromHex(mine.key), s: this.me, sig: mine.sig }
      this.broadcast(vote, ctx)
    }
  }

  /**
   * Tendermint's rules for the current round. The tallies decide whether a rule's condition holds;
   * the chart (phases.ts) whether the rule is due in this step, and once it fires, the rule raises its
   * event there before it signs or arms anything.
   */
  private roundRules(ctx: Context): boolean {
    const { r, lockedRound, locked } = this.state
    const proposal = this.proposals.get(r)
    const prevotes = this.tally(this.prevotes, r)
    const phases = this.phases
    if (proposal !== undefined && phases.accepts('PROPOSAL')) {
      const lockedHex = locked === null ? undefined : toHex(blockHash(locked))
      // A fresh proposal: prevote it unless locked on another block.
      if (proposal.vr === -1) {
        phases.raise({ type: 'PROPOSAL' })
        return this.vote('prevote', this.isValid(proposal.block) && (lockedRound === -1 || lockedHex === proposal.hex) ? proposal.hash : null, ctx), true
      }
      // A re-proposal of a block that had a prevote quorum in round vr: it may unlock an older lock.
      if (proposal.vr < r && this.committee.isQuorum(this.tally(this.prevotes, proposal.vr).weight(proposal.hex))) {
        phases.raise({ type: 'PROPOSAL' })
        return this.vote('prevote', this.isValid(proposal.block) && (lockedRound <= proposal.vr || lockedHex === proposal.hex) ? proposal.hash : null, ctx), true
      }
    }
    if (phases.accepts('PREVOTE_QUORUM_ANY') && this.committee.isQuorum(prevotes.any)) {
      phases.raise({ type: 'PREVOTE_QUORUM_ANY' })
      ctx.setTimer(this.backedOff(this.timeoutVoteMs), `prevote:${this.state.h}:${r}`)
    }
    if (proposal !== undefined && phases.accepts('POLKA') && this.committee.isQuorum(prevotes.weight(proposal.hex)) && this.isValid(proposal.block)) {
      const step = phases.step
      phases.raise({ type: 'POLKA' })
      if (step === STEP_PREVOTE) {
        // Lock before the precommit leaves: `vote` saves the state, lock included, then sends.
        this.state = { ...this.state, lockedRound: r, locked: proposal.block, ...this.validBlock(r, proposal.block, proposal.hex) }
        this.vote('precommit', proposal.hash, ctx)
      } else {
        this.state = { ...this.state, ...this.validBlock(r, proposal.block, proposal.hex) }
        saveState(ctx.storage, this.state)
      }
      return true
    }
    if (phases.accepts('NIL_POLKA') && this.committee.isQuorum(prevotes.weight(NIL))) {
      phases.raise({ type: 'NIL_POLKA' })
      return this.vote('precommit', null, ctx), true
    }
    if (phases.accepts('PRECOMMIT_QUORUM_ANY') && this.committee.isQuorum(this.tally(this.precommits, r).any)) {
      phases.raise({ type: 'PRECOMMIT_QUORUM_ANY' })
      ctx.setTimer(this.backedOff(this.timeoutVoteMs), `precommit:${this.state.h}:${r}`)
    }
    return false
  }

  /** A blocking weight of members is in a later round: at least one honest member is, so follow it. */
  private skipRound(): boolean {
    const { r } = this.state
    for (const round of new Set([...this.prevotes.keys(), ...this.precommits.keys(), ...this.proposals.keys()])) {
      if (round <= r) continue
      const seen = new Set<number>()
      for (const tally of [this.prevotes.get(round), this.precommits.get(round)]) tally?.voters().forEach((m) => seen.add(m))
      // A proposal of that round (checked to come from its leader) places its leader there too.
      if (this.proposals.has(round)) seen.add(this.committee.proposer(this.state.h, round))
      if (this.committee.isBlocking(this.weightOf(seen))) {
        this.startRound({ type: 'NEW_ROUND', round })
        return true
      }
    }
    return false
  }

  private decideIfQuorum(ctx: Context): boolean {
    for (const [round, tally] of this.precommits) {
      const key = tally.quorumValue()
      if (key === undefined || key === NIL) continue
      const proposal = this.proposals.get(round)
      // The others decided a block this node never saw: ask one of them for it, the round's leader first
      // (it has the block, and as the collector it decided before anyone heard of the quorum).
      if (proposal === undefined || proposal.hex !== key) {
        const leader = this.committee.proposer(this.state.h, round)
        const signers = tally.signers(key).filter((v) => v.s !== this.me)
        const signer = signers.find((v) => v.s === leader) ?? signers[0]
        if (signer !== undefined) this.ask(signer.s, ctx)
        continue
      }
      if (!this.isValid(proposal.block)) continue
      this.decide({ t: 'commit', r: round, b: proposal.block, votes: tally.signers(key) }, ctx)
      return true
    }
    return false
  }

  /**
   * Commits `commit`'s block: durable first, then memory moves, then the ledger hears of it. The chain's
   * length is the next height, so once the block is synced the state record of this height is stale,
   * and memory moves to exactly what a restart would load from it (loadState: height h + 1 fresh, the
   * last signed message kept): a store that throws leaves memory at height h, as on disk, and no state
   * record needs writing here (round 0 of the next height writes one).
   *
   * A ledger (`onCommit`) that throws does not stop the voter: the block is committed and durable on
   * this node as on a quorum, and stopping would take a validator out of the committee for what is the
   * application's fault (every validator, should the fault be deterministic: a halted chain). The
   * failure is traced (`commit-hook-failed`) and the ledger can re-apply the block from committedAt.
   */
  private decide(commit: Commit, ctx: Context): void {
    const { h } = this.state
    this.phases.raise({ type: 'DECIDED', height: h })
    chainLog(ctx.storage).append(encode(commit))
    ctx.storage.sync()
    this.state = freshState(h + 1, this.state.signed)
    this.parent = blockHash(commit.b)
    this.lastCommit = commit
    this.pool.committed(commit.b)
    this.resetHeight()
    ctx.trace({ event: 'commit', height: h, round: commit.r, entries: commit.b.entries.length })
    ctx.setTimer(this.blockIntervalMs, `next:${h + 1}:0`)
    try {
      this.options.onCommit?.(commit, ctx)
    } catch (error) {
      ctx.trace({ event: 'commit-hook-failed', height: h, error: error instanceof Error ? error.message : String(error) })
    }
  }

  // ---- inputs

  /** Keeps the round's first proposal; returns what is kept when this one is it or a copy of it (same block and valid round). */
  private onProposal(proposal: Proposal, ctx: Context): Proposed | undefined {
    const hash = this.hashOf(proposal.b)
    const earlier = this.proposals.get(proposal.r)
    if (earlier !== undefined) {
      if (!bytesEqual(hash, earlier.hash)) this.noteEquivocation('proposal', proposal.s, proposal.r, { x: earlier.hash, vr: earlier.vr, sig: earlier.sig }, { x: hash, vr: proposal.vr, sig: proposal.sig }, ctx)
      return bytesEqual(hash, earlier.hash) && proposal.vr === earlier.vr ? earlier : undefined
    }
    const kept: Proposed = { block: proposal.b, hash, hex: toHex(hash), vr: proposal.vr, sig: proposal.sig, polFrom: new Set() }
    this.proposals.set(proposal.r, kept)
    return kept
  }

  private onVote(vote: Vote, ctx: Context): void {
    const tally = this.tally(vote.t === 'prevote' ? this.prevotes : this.precommits, vote.r)
    // The member's vote counted first: the other half of the evidence should this one differ.
    const earlier = tally.voteOf(vote.s)
    const added = tally.add(vote.s, vote.x, vote.sig)
    if (added === 'conflict' && earlier !== undefined) {
      this.noteEquivocation(vote.t, vote.s, vote.r, { x: earlier.key === NIL ? null : fromHex(earlier.key), vr: -1, sig: earlier.sig }, { x: vote.x, vr: -1, sig: vote.sig }, ctx)
    }
    if (added === 'counted' || added === 'conflict') this.certify(vote.t, vote.r, ctx)
  }

  /**
   * The prevotes a re-proposal carries, each checked like any vote, into the tally of round `vr`. When
   * they make a quorum for a round later than this node's valid round, the block becomes its valid
   * block: as a leader it re-proposes that block (with the proof), which is what unlocks the members
   * locked on it. Which block a leader proposes never touches safety (the prevote rules do), so taking
   * a proven block from any round is safe; without it, members that never saw the quorum kept proposing
   * fresh blocks that the locked members refused, round after round (a twin scenario stalled 20 s).
   *
   * The proof is not signed by the leader, so a member could relay the leader's proposal with it
   * stripped (or forged) ahead of the real one: each relaying member's copy is checked once, until the
   * proof holds, so the leader's own copy still counts. A copy costs at most one verification per member
   * not yet counted for the block at `vr` (repeats and counted members are skipped, and checking stops
   * at a quorum): at most n a copy, n copies a round.
   */
  private takeProofOfLock(proposal: Proposal, kept: Proposed, from: number, ctx: Context): void {
    const { vr } = kept
    if (vr < 0 || vr < this.state.r - DEFAULT_ROUNDS_KEPT) return
    const tally = this.tally(this.prevotes, vr)
    if (proposal.pol.length > 0 && !kept.polFrom.has(from) && !this.committee.isQuorum(tally.weight(kept.hex))) {
      kept.polFrom.add(from)
      const payload = votePayload('prevote', proposal.h, vr, kept.hash)
      const seen = new Set<number>()
      for (const { s, sig } of proposal.pol) {
        if (this.committee.isQuorum(tally.weight(kept.hex))) break
        const member = this.committee.members[s]
        if (member === undefined || seen.has(s) || tally.counts(s, kept.hex)) continue
        seen.add(s)
        if (this.verifier.verify(member.publicKey, payload, sig)) this.onVote({ t: 'prevote', h: proposal.h, r: vr, x: kept.hash, s, sig }, ctx)
      }
    }
    const proven = this.committee.isQuorum(tally.weight(kept.hex))
    if (proven && vr > this.state.validRound && this.isValid(kept.block)) this.state = { ...this.state, ...this.validBlock(vr, kept.block, kept.hex) }
  }

  /**
   * A member still at a height this node has committed gets the commit, when its own message shows it
   * is stuck there: a round past the deciding one (it timed out waiting). A late precommit of the
   * deciding round is the normal tail of a height and gets nothing, so catch-up costs nothing when all
   * is well. Cheapest first: the message comes from its signer (a relay cannot aim commits at a member),
   * the member's catch-up slot is free, the signature holds; only then is a commit read.
   */
  private catchUpStuck(message: Proposal | Vote, from: number, ctx: Context): void {
    if (from !== message.s || this.recent(this.answered, from, ctx) || !this.signedBy(message)) return
    if (message.h === this.state.h - 1 && this.lastCommit !== undefined && message.r <= this.lastCommit.r) return
    const commit = this.commitFor(message.h, from, ctx)
    if (commit !== undefined && message.r > commit.r) ctx.send(this.committee.members[from]!.address, commit)
  }

  /** Member `member` asked for the commit of `height`. */
  private answerNeed(height: number, member: number, ctx: Context): void {
    const commit = height >= this.state.h ? undefined : this.commitFor(height, member, ctx)
    if (commit !== undefined) ctx.send(this.committee.members[member]!.address, commit)
  }

  /**
   * The commit of `height` (below this one) for `member`, when its catch-up slot is free (the slot is
   * taken): from memory for the height just below, else from disk, so disk reads are rate-limited
   * like the answers, per member.
   */
  private commitFor(height: number, member: number, ctx: Context): Commit | undefined {
    if (!this.mayContact(this.answered, member, ctx)) return undefined
    return height === this.state.h - 1 ? this.lastCommit : committedAt(ctx.storage, height)
  }

  /**
   * `member` sent a message of the next height: it says it committed this one. After
   * DEFAULT_CATCH_UP_INTERVAL_MS (at a height's normal end the missing precommits arrive sooner) this
   * node asks the members ahead for the commit, and again every interval until it has it. One member
   * is enough to ask: the answer is a certificate checked on arrival, so a liar costs a message.
   */
  private noteAhead(member: number, ctx: Context): void {
    if (member >= this.committee.size || this.ahead.has(member)) return
    if (this.ahead.size === 0) ctx.setTimer(DEFAULT_CATCH_UP_INTERVAL_MS, `behind:${this.state.h}:0`)
    this.ahead.add(member)
  }

  private weightOf(members: Iterable<number>): number {
    let weight = 0
    for (const m of members) weight += this.committee.weights[m] as number
    return weight
  }

  /** Asks `member` for the commit of this node's height (it showed it is past it). */
  private ask(member: number, ctx: Context): void {
    const address = this.committee.members[member]?.address
    if (address === undefined || member === this.me || !this.mayContact(this.asked, member, ctx)) return
    const need: Need = { t: 'need', h: this.state.h }
    ctx.send(address, need)
  }

  /** At most one catch-up message to (or request of) a member per DEFAULT_CATCH_UP_INTERVAL_MS; true takes the slot. */
  private mayContact(last: Map<number, number>, member: number, ctx: Context): boolean {
    if (this.recent(last, member, ctx)) return false
    last.set(member, ctx.now())
    return true
  }

  /** Whether `member`'s slot in `last` was taken less than DEFAULT_CATCH_UP_INTERVAL_MS ago. */
  private recent(last: Map<number, number>, member: number, ctx: Context): boolean {
    const at = last.get(member)
    return at !== undefined && ctx.now() - at < DEFAULT_CATCH_UP_INTERVAL_MS
  }

  /** Whether this node may ask `member` for a commit now (checked before the signature that would justify it). */
  private mayAsk(member: number, ctx: Context): boolean {
    return member !== this.me && !this.recent(this.asked, member, ctx)
  }

  /**
   * Whether messages of (h, r) are used: this height's rounds from DEFAULT_ROUNDS_KEPT below the current
   * one to DEFAULT_ROUNDS_AHEAD above it, and the next height's first FUTURE_ROUNDS.
   */
  private inWindow(h: number, r: number): boolean {
    if (h === this.state.h + 1) return r < FUTURE_ROUNDS
    return h === this.state.h && r <= this.state.r + DEFAULT_ROUNDS_AHEAD && r >= this.state.r - DEFAULT_ROUNDS_KEPT
  }

  /** Whether a proposal or vote is signed by the member it names (and a proposal by its round's leader). */
  private signedBy(message: Proposal | Vote): boolean {
    const member = this.committee.members[message.s]
    if (member === undefined) return false
    if (message.t === 'proposal') {
      // A fresh block is its proposer's (a re-proposal carries the block of an earlier round's leader).
      if (message.s !== this.committee.proposer(message.h, message.r) || message.vr >= message.r || (message.vr === -1 && message.b.by !== message.s)) return false
      return this.verifier.verify(member.publicKey, proposalPayload(message.h, message.r, message.vr, this.hashOf(message.b)), message.sig)
    }
    return this.verifier.verify(member.publicKey, votePayload(message.t, message.h, message.r, message.x), message.sig)
  }

  /**
   * A block may be decided here: this height, on this node's last block, by a member, no larger than
   * MAX_BLOCK_BYTES (so its commit fits a frame and a log record), and every entry one a block may hold (entries.ts): evidence in a committed block is punished by every ledger that
   * applies it, so a block with evidence that does not verify would punish an honest member, or be
   * applied differently by ledgers that check it. A member prevotes nil on such a proposal.
   */
  private isValid(block: Block): boolean {
    return block.h === this.state.h && bytesEqual(block.parent, this.parent) && block.by < this.committee.size && blockBytes(block) <= MAX_BLOCK_BYTES && this.entriesFit(block)
  }

  private hashOf(block: Block): Uint8Array {
    let hash = this.hashes.get(block)
    if (hash === undefined) this.hashes.set(block, (hash = blockHash(block)))
    return hash
  }

  private entriesFit(block: Block): boolean {
    let fit = this.entriesChecked.get(block)
    if (fit === undefined) this.entriesChecked.set(block, (fit = block.entries.every((entry) => entryFlaw(entry, this.committee, this.verifier) === undefined)))
    return fit
  }

  /**
   * Member `member` signed `one` and `other` for (this height, `round`, `step`): counted, traced, and
   * reported as evidence (evidence.ts) through the mempool, so that some leader commits it. Both
   * signatures were checked on arrival. The pool keeps one piece per offender, height and round.
   */
  private noteEquivocation(step: EvidenceStep, member: number, round: number, one: SignedValue, other: SignedValue, ctx: Context): void {
    this.equivocations++
    ctx.trace({ event: 'equivocation', member, height: this.state.h, round, kind: step })
    try {
      this.pool.submit(evidenceEntry(evidenceOf(step, this.state.h, round, member, one, other)))
    } catch (error) {
      // A pool full of this node's entries: the evidence waits for the next equivocation, the offence stays traced.
      if (!(error instanceof ConsensusError)) throw error
      ctx.trace({ event: 'evidence-dropped', member, height: this.state.h, round, reason: error.reason })
    }
  }

  // ---- dissemination (the collector mode)

  /**
   * Where a vote goes. In the collector mode a vote for a block, on its round's happy path (before the
   * round's proposal timeout), goes to the round's leader only, which relays the first quorum as one
   * certificate (`certify`). Nil votes, votes signed once the round is late and the resends
   * (`resendVotes`: at the proposal timeout of a round still running, and at the end of a failed round)
   * go to everyone, so a collector that withholds costs that timeout, never liveness.
   */
  private sendVote(vote: Vote, ctx: Context): void {
    const late = ((this.fired.get(vote.r) ?? 0) & (1 << PAST_PROPOSE_TIMEOUT)) !== 0
    if (this.dissemination === 'all-to-all' || vote.x === null || late) return this.broadcast(vote, ctx)
    const collector = this.committee.proposer(vote.h, vote.r)
    if (collector !== this.me) ctx.send(this.committee.members[collector]!.address, vote)
    // A precommit also goes to the next height's first leader: a member that misses the commit
    // certificate catches up an interval later, but when that member leads the next height, the height
    // waits for it (measured at n = 16, 1% loss: a failed round 0 every 20 heights, 2n² nil votes each).
    const next = this.committee.proposer(vote.h + 1, 0)
    if (vote.t === 'precommit' && next !== collector && next !== this.me) ctx.send(this.committee.members[next]!.address, vote)
  }

  /**
   * As the collector of `round` (its leader) in the collector mode: the first quorum of `kind` votes
   * for a block goes to everyone, once, as the signatures received. Whichever block it is: a Byzantine
   * leader whose proposal was lied about still relays the quorum its members formed.
   */
  private certify(kind: VoteKind, round: number, ctx: Context): void {
    if (this.dissemination !== 'collector' || this.committee.proposer(this.state.h, round) !== this.me) return
    const tally = this.tally(kind === 'prevote' ? this.prevotes : this.precommits, round)
    const key = tally.quorumValue()
    if (key === undefined || key === NIL || !this.fireOnce(round, kind === 'prevote' ? CERTIFIED_PREVOTES : CERTIFIED_PRECOMMITS)) return
    const certificate: Votes = { t: 'votes', k: kind, h: this.state.h, r: round, x: fromHex(key), votes: tally.signers(key) }
    this.broadcast(certificate, ctx)
  }

  /**
   * A collector's certificate. Its signatures, checked one by one, must weigh a quorum for its value or
   * none is taken (a short or forged certificate changes nothing); then each counts exactly as that
   * member's vote received directly, through the same checks and rules. Only a certificate of a height
   * and round this node uses is checked at all (a committed height's collector is caught up by its own
   * proposals and votes), and checking it costs at most one verification per member (tally.ts
   * `certified`).
   */
  private onCertificate(certificate: Votes, from: number, ctx: Context): void {
    const { k, h, r, x } = certificate
    if (!this.inWindow(h, r)) return
    let changed = false
    for (const { s, sig } of certified(this.committee, this.verifier, votePayload(k, h, r, x), certificate.votes)) {
      changed = this.handle({ t: k, h, r, x, s, sig }, from, ctx) || changed
    }
    if (changed) this.progress(ctx)
  }

  // ---- helpers

  /** `block` (hash `hex`) as the valid block of `round`, with the prevote quorum that proves it, which the state record keeps. */
  private validBlock(round: number, block: Block, hex: string): Pick<VoterState, 'validRound' | 'valid' | 'validProof'> {
    return { validRound: round, valid: block, validProof: this.tally(this.prevotes, round).signers(hex) }
  }

  private tally(map: Map<number, RoundTally>, round: number): RoundTally {
    let tally = map.get(round)
    if (tally === undefined) map.set(round, (tally = new RoundTally(this.committee)))
    return tally
  }

  /** Raises a timeout the chart may take as late; true when it moved the step (so the timeout's vote is due). */
  private stepMoved(event: PhaseEvent): boolean {
    const before = this.phases.step
    this.phases.raise(event)
    return this.phases.step !== before
  }

  private fireOnce(round: number, bit: number): boolean {
    const flags = this.fired.get(round) ?? 0
    if ((flags & (1 << bit)) !== 0) return false
    this.fired.set(round, flags | (1 << bit))
    return true
  }

  /** Drops what is kept of rounds too far below the current one (bounded memory under a long outage). */
  private prune(): void {
    const floor = this.state.r - DEFAULT_ROUNDS_KEPT
    for (const map of [this.proposals, this.prevotes, this.precommits, this.fired]) for (const round of map.keys()) if (round < floor) map.delete(round)
  }

  private backedOff(baseMs: number): number {
    return baseMs * DEFAULT_BACKOFF_FACTOR ** Math.min(this.state.r, DEFAULT_MAX_BACKOFF)
  }

  private broadcast(message: BftMessage, ctx: Context): void {
    this.committee.members.forEach((m, i) => {
      if (i !== this.me) ctx.send(m.address, message)
    })
  }

  private context(): Context {
    if (this.ctx === undefined) throw new ConsensusError('not-started', 'the voter was used before start(ctx)')
    return this.ctx
  }
}
