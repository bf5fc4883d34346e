import { Schema } from 'effect'
import type { Actor, Address, Context, TimerTag } from '../../core/actor.ts'
import { Count } from '../../core/schemas.ts'
import type { Invariant } from '../invariants.ts'
import { RELIABLE_NETWORK } from '../network.ts'
import { runSettings, type Expectation, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE, VOTE_ROUND_MS as ROUND_MS, type ScenarioEntry } from './catalogue.ts'

/*
 * A toy BFT-style voter, the target of Twins (sim/adversaries/twins-arbitrary.ts). n voters v0..v(n-1)
 * run rounds of ROUND_MS on their clocks, with a rotating leader (round r: v(r mod n)). At a round's
 * start each voter tells the leader it is there (`ready`); COLLECT_MS later the leader proposes the
 * list of voters it heard from, so two copies of a leader that hear different voters propose different
 * values. A voter votes for at most one value a round, the first proposal of the round's leader that
 * reaches it, and keeps that lock in its storage: the vote is written before it is sent (the output
 * commit makes it durable before the message leaves), and read back after a restart. A value with
 * quorum(n) votes in a round (counted by sender address, which the simulator binds) is decided. Leaders
 * and voters re-send what they proposed and voted every RESEND_MS of the round, so a partition that
 * heals, or a restart, within the round changes who hears what.
 *
 * Safety: any two quorums share f + 1 voters, so two values decided in one round need an honest voter
 * that voted for both. The flawed variants are planted bugs, for testing the checker:
 * - `votes-twice` (vote-unsafe) has no lock: it votes for every proposal it sees;
 * - `forgets-lock` (vote-forgetful) keeps its lock in memory only, so after a crash and restart it
 *   votes again, for whatever proposal of that round reaches it first.
 */
export type VoterFlaw = 'none' | 'votes-twice' | 'forgets-lock'

/** A leader waits this long for `ready` messages before it proposes: 5× the reliable network's 10 ms worst latency. */
const COLLECT_MS = 50
/** Leaders and voters re-send their proposal and votes this often, 5 times a round: a heal or a restart is heard within 100 ms. */
const RESEND_MS = 100
/** Votes and locks of this many past rounds are kept (a voter whose clock lags still counts them), then pruned. */
const KEEP_ROUNDS = 4
/** The longest value: the heard list of 10,000 voters named `v9999` and their commas fits. */
const MAX_VALUE_LENGTH = 64 * 1024

const Value = Schema.String.check(Schema.isMaxLength(MAX_VALUE_LENGTH))
const Message = Schema.Union([
  Schema.Struct({ type: Schema.Literal('ready'), round: Count }),
  Schema.Struct({ type: Schema.Literal('propose'), round: Count, value: Value }),
  Schema.Struct({ type: Schema.Literal('vote'), round: Count, value: Value }),
])
type Message = typeof Message.Type

// Timer tags; a leader's proposal timer is tagged with its round's number.
const ROUND = 'round'
const RESEND = 'resend'
const voterAddress = (i: number) => `v${i}`
const lockKey = (round: number) => `vote/${round}`
const text = new TextEncoder()
const untext = new TextDecoder()

/** The Byzantine voters n voters tolerate: n ≥ 3f + 1. */
export const maxFaulty = (n: number): number => Math.floor((n - 1) / 3)
/** The smallest count of which any two share f + 1 voters (2q − n ≥ f + 1): 2f + 1 when n = 3f + 1. */
export const quorum = (n: number): number => Math.floor((n + maxFaulty(n)) / 2) + 1

/** Every decision of the run, by round, value and the address that decided (the invariant's evidence). */
export class DecisionLog {
  readonly byRound = new Map<number, Map<string, Set<Address>>>()
  /** Rounds with a decision since the invariant last looked. */
  readonly fresh = new Set<number>()

  record(round: number, value: string, by: Address): void {
    let values = this.byRound.get(round)
    if (values === undefined) this.byRound.set(round, (values = new Map()))
    let deciders = values.get(value)
    if (deciders === undefined) values.set(value, (deciders = new Set()))
    deciders.add(by)
    this.fresh.add(round)
  }
}

/**
 * No two honest voters decide different values in one round (nor one voter two values). `honest` is
 * asked at each check: an address turns Byzantine when a fault twins it, and its decisions stop counting.
 */
export function agreement(log: DecisionLog, honest: (address: Address) => boolean): Invariant {
  return {
    name: 'honest voters agree',
    check: () => {
      for (const round of log.fresh) {
        const decided = [...(log.byRound.get(round) ?? [])].map(([value, by]) => ({ value, by: [...by].filter(honest) })).filter((d) => d.by.length > 0)
        if (decided.length > 1) {
          const [a, b] = decided as [(typeof decided)[0], (typeof decided)[0]]
          return `round ${round}: ${a.by.join(', ')} decided ${JSON.stringify(a.value)}, ${b.by.join(', ')} decided ${JSON.stringify(b.value)}`
        }
      }
      log.fresh.clear()
      return undefined
    },
  }
}

class Voter implements Actor<Message> {
  readonly inbox = Message
  private round = 0
  /** Leader only: the voters whose `ready` for this round reached it. */
  private readonly heard = new Set<Address>()
  /** Leader only: what it proposed this round (re-sent every RESEND_MS). */
  private proposal: string | undefined = undefined
  /** Votes heard, by round, value and voter. */
  private readonly votes = new Map<number, Map<string, Set<Address>>>()
  private readonly decided = new Map<number, Set<string>>()
  /** What this voter voted, by round, in memory: the flawed variants' only record of it. */
  private readonly mine = new Map<number, Set<string>>()

  constructor(
    private readonly voters: readonly Address[],
    private readonly flaw: VoterFlaw,
    private readonly log: DecisionLog,
  ) {}

  start(ctx: Context): void {
    const now = ctx.now()
    // A voter that boots within a round votes and counts in it, and says it is there from the next one.
    if (now >= 0 && now % ROUND_MS === 0) this.enterRound(ctx)
    else {
      this.round = roundAt(now)
      ctx.setTimer(nextRoundIn(now), ROUND)
    }
    ctx.setTimer(RESEND_MS, RESEND)
  }

  receive(message: Message, from: Address, ctx: Context): void {
    switch (message.type) {
      case 'ready':
        if (message.round === this.round && this.leader(message.round) === ctx.self && this.voters.includes(from)) this.heard.add(from)
        return
      case 'propose':
        if (message.round === this.round && from === this.leader(message.round)) this.vote(message.round, message.value, ctx)
        return
      case 'vote':
        return this.count(message.round, message.value, from, ctx)
    }
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag === ROUND) return this.enterRound(ctx)
    if (tag === RESEND) return this.resend(ctx)
    // A proposal due in a round that has passed (a clock jumped) is not made.
    if (tag === this.round) this.propose(ctx)
  }

  private enterRound(ctx: Context): void {
    const now = ctx.now()
    this.round = roundAt(now)
    this.heard.clear()
    this.proposal = undefined
    this.prune(ctx)
    const leader = this.leader(this.round)
    ctx.send(leader, { type: 'ready', round: this.round })
    if (leader === ctx.self) ctx.setTimer(COLLECT_MS, this.round)
    ctx.setTimer(nextRoundIn(now), ROUND)
  }

  // The leader proposes what it is locked on, if anything (a copy's proposal may have reached it first), else whom it heard.
  private propose(ctx: Context): void {
    const value = this.voted(this.round, ctx)[0] ?? [...this.heard].sort().join(',')
    this.proposal = value
    this.broadcast({ type: 'propose', round: this.round, value }, ctx)
  }

  // What it proposed and voted this round, again: a partition that healed, or a restart, may have kept it from someone.
  private resend(ctx: Context): void {
    for (const value of this.voted(this.round, ctx)) this.broadcast({ type: 'vote', round: this.round, value }, ctx)
    if (this.proposal !== undefined) this.broadcast({ type: 'propose', round: this.round, value: this.proposal }, ctx)
    ctx.setTimer(RESEND_MS, RESEND)
  }

  private vote(round: number, value: string, ctx: Context): void {
    const voted = this.voted(round, ctx)
    if (voted.includes(value)) return
    if (voted.length > 0 && this.flaw !== 'votes-twice') return // the lock: one value a round
    // Written before it is sent: the output commit syncs it before the vote leaves this event.
    if (this.flaw === 'none') ctx.storage.put(lockKey(round), text.encode(value))
    else this.remember(round, value)
    this.broadcast({ type: 'vote', round, value }, ctx)
  }

  /** The values this voter voted for in `round`: its lock, from storage (the correct voter) or memory. */
  private voted(round: number, ctx: Context): readonly string[] {
    if (this.flaw !== 'none') return [...(this.mine.get(round) ?? [])]
    const lock = ctx.storage.get(lockKey(round))
    return lock === undefined ? [] : [untext.decode(lock)]
  }

  private remember(round: number, value: string): void {
    let values = this.mine.get(round)
    if (values === undefined) this.mine.set(round, (values = new Set()))
    values.add(value)
  }

  private count(round: number, value: string, from: Address, ctx: Context): void {
    if (round < this.round - KEEP_ROUNDS || round > this.round + 1 || !this.voters.includes(from)) return
    let values = this.votes.get(round)
    if (values === undefined) this.votes.set(round, (values = new Map()))
    let voters = values.get(value)
    if (voters === undefined) values.set(value, (voters = new Set()))
    voters.add(from)
    if (voters.size < quorum(this.voters.length)) return
    let decided = this.decided.get(round)
    if (decided === undefined) this.decided.set(round, (decided = new Set()))
    if (decided.has(value)) return
    decided.add(value)
    this.log.record(round, value, ctx.self)
  }

  private prune(ctx: Context): void {
    const oldest = this.round - KEEP_ROUNDS
    for (const map of [this.votes, this.decided, this.mine]) for (const round of map.keys()) if (round < oldest) map.delete(round)
    for (const key of ctx.storage.keys('vote/')) if (Number(key.slice('vote/'.length)) < oldest) ctx.storage.delete(key)
  }

  private broadcast(message: Message, ctx: Context): void {
    for (const voter of this.voters) ctx.send(voter, message)
  }

  private leader(round: number): Address {
    return this.voters[round % this.voters.length] as Address
  }
}

// A clock a skew set before 0 is in round 0 until it reaches it.
const roundAt = (now: number) => Math.max(0, Math.floor(now / ROUND_MS))
const nextRoundIn = (now: number) => (roundAt(now) + 1) * ROUND_MS - now

/** What the summary adds: the rounds that ended within the run, and how many of them an honest voter decided. */
type VoteFigures = { readonly decidedRounds: number; readonly rounds: number }

function build(options: ScenarioOptions, flaw: VoterFlaw): ScenarioRun<VoteFigures> {
  const voters = Array.from({ length: options.nodes }, (_, i) => voterAddress(i))
  const log = new DecisionLog()
  const honest = (address: Address) => !sim.isByzantine(address)
  const sim: Simulation = new Simulation({ ...runSettings(options), network: RELIABLE_NETWORK, invariants: [agreement(log, honest)] })
  for (const v of voters) sim.addNode(v, () => new Voter(voters, flaw, log))
  return {
    sim,
    summarize: () => {
      const rounds = Math.floor(options.untilMs / ROUND_MS)
      const decidedRounds = [...log.byRound].filter(([round, values]) => round < rounds && [...values.values()].some((by) => [...by].some(honest))).length
      return { decidedRounds, rounds }
    },
  }
}

/** Without faults every round is decided: the leader hears every voter within COLLECT_MS, and every voter votes. */
const everyRoundDecided: Expectation<VoteFigures> = {
  name: 'every round decided',
  check: (s) => ({ held: s.decidedRounds === s.rounds, detail: `${s.decidedRounds} of ${s.rounds} rounds decided` }),
}

function voteScenario(entry: ScenarioEntry, flaw: VoterFlaw): Scenario<VoteFigures> {
  return {
    ...entry,
    faultTargets: (nodes) => Array.from({ length: nodes }, (_, i) => voterAddress(i)),
    byzantine: { maxFaulty },
    expectations: [everyRoundDecided],
    units: { decidedRounds: 'rounds', rounds: 'rounds' },
    build: (options) => build(options, flaw),
  }
}

export const vote = voteScenario(CATALOGUE.vote, 'none')
export const voteUnsafe = voteScenario(CATALOGUE.voteUnsafe, 'votes-twice')
export const voteForgetful = voteScenario(CATALOGUE.voteForgetful, 'forgets-lock')
