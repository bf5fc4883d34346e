import { ConfigError } from '../../core/errors.ts'
import { MAX_BLOCK_ENTRIES } from '../consensus/messages.ts'
import { Decay } from './decay.ts'
import { MAX_BALANCE } from './entries.ts'

/**
 * The ledger's parameters (docs/reputation.md, *Formulas and defaults*), each with why its default is
 * what it is. Heights are the clock: the node's default is a block a second
 * (DEFAULT_NODE_BLOCK_INTERVAL), so the defaults below read "one day" as 86,400 blocks.
 */

/** The parts a score is made of, each with its own weight and half-life. */
export const COMPONENTS = ['resource', 'task', 'uptime', 'audit', 'feedback', 'misbehaviour', 'equivocation'] as const
export type ScoreComponent = (typeof COMPONENTS)[number]

const DAY = 86_400

/**
 * What one unit of each component is worth in the score. An audit re-checks work with a team of
 * higher tiers (5); a verified resource or task is the base unit (1); feedback is subjective and
 * cheap to give (0.5); an uptime attestation summarises one window's heartbeats, frequent and cheap
 * (0.2); a misbehaviour signal may be a misconfigured peer (2); equivocation is proof of a Byzantine
 * signer, and 100 suspends any node whose score is under 95 on the spot.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<ScoreComponent, number>> = { resource: 1, task: 1, uptime: 0.2, audit: 5, feedback: 0.5, misbehaviour: 2, equivocation: 100 }

/**
 * How long each component remembers, in blocks: uptime, feedback and misbehaviour are about recent
 * behaviour (a day; an honest node's bad hour fades); contributions about the last week's work;
 * audits are rare and expensive (30 days); equivocation is proven Byzantine behaviour (90 days, and it
 * also counts as a violation towards a permanent ban, which never decays).
 */
export const DEFAULT_HALF_LIVES: Readonly<Record<ScoreComponent, number>> = {
  resource: 7 * DAY,
  task: 7 * DAY,
  uptime: DAY,
  audit: 30 * DAY,
  feedback: DAY,
  misbehaviour: DAY,
  equivocation: 90 * DAY,
}

/** What a tier above the first needs: a score, an age in blocks since the identity was first seen, audits passed. */
export interface TierThreshold {
  readonly score: number
  readonly ageBlocks: number
  readonly auditsPassed: number
}

/**
 * Tiers 2 and 3 (tier 1 is every tracked identity: new, monitored). Tier 2 after an hour, a passed
 * audit and a score of 20 (some twenty verified contributions, net of decay); tier 3 after a day,
 * three audits and 100. A longer list makes more tiers.
 */
export const DEFAULT_TIERS: readonly TierThreshold[] = [
  { score: 20, ageBlocks: 3_600, auditsPassed: 1 },
  { score: 100, ageBlocks: DAY, auditsPassed: 3 },
]

/** A score below this suspends: three misbehaviour signals from a new node (−6), or one equivocation. */
export const DEFAULT_SUSPEND_BELOW = -5
/** A suspension is reviewed after an hour: lifted if the score is back at the threshold, else renewed. */
export const DEFAULT_REVIEW_AFTER_BLOCKS = 3_600
/** Violations (suspensions and equivocations) that ban for good: three strikes, never one accident. */
export const DEFAULT_BAN_AFTER_VIOLATIONS = 3
/** What an equivocation slashes of bonded and unbonding stake, in basis points: 5 %, Cosmos's double-sign slash. */
export const DEFAULT_SLASH_BPS = 500
/** Unbonding stake stays slashable a day: evidence of an offence reaches the log late (a partition, a lagging pool). */
export const DEFAULT_UNBOND_DELAY_BLOCKS = DAY
/**
 * Identities tracked at most: issue 14's trust graph is sized for 100,000 nodes; an account is a few
 * hundred bytes, so tens of MB at worst. Evidence about a new identity past it is refused (counted).
 */
export const DEFAULT_MAX_IDENTITIES = 100_000
/** Entries of one block processed at most (each may cost a signature check): a block's limit, MAX_BLOCK_ENTRIES. */
export const DEFAULT_MAX_ENTRIES_PER_BLOCK = MAX_BLOCK_ENTRIES
/** Counters remembered per signer beside its highest: evidence may be committed out of order (gossip), within 64. */
export const DEFAULT_REPLAY_WINDOW = 64
/** The lowest tier whose evidence counts: 1, every tracked identity (weighting witnesses by trust is the trust graph's job). */
export const DEFAULT_WITNESS_MIN_TIER = 1

/** How tier and stake make votes: `tier` (Tier 1 = 1 vote, Tier 2 = 2, …) or `tier-times-stake` (× bonded stake). */
export type VotingRule = 'tier' | 'tier-times-stake'
export const DEFAULT_VOTING_RULE: VotingRule = 'tier'

/** One identity's starting state from the genesis configuration. */
export interface GenesisAccount {
  readonly publicKey: Uint8Array
  /** Liquid balance (default 0). */
  readonly balance?: number
  /** Bonded stake (default 0). */
  readonly bonded?: number
}

export interface LedgerOptions {
  readonly genesis?: readonly GenesisAccount[]
  readonly weights?: Partial<Record<ScoreComponent, number>>
  readonly halfLives?: Partial<Record<ScoreComponent, number>>
  readonly tiers?: readonly TierThreshold[]
  readonly suspendBelow?: number
  readonly reviewAfterBlocks?: number
  readonly banAfterViolations?: number
  readonly slashBps?: number
  readonly unbondDelayBlocks?: number
  readonly maxIdentities?: number
  readonly maxEntriesPerBlock?: number
  readonly replayWindow?: number
  readonly witnessMinTier?: number
  readonly votingRule?: VotingRule
}

/** The options, checked and completed with the defaults. */
export interface LedgerConfig {
  readonly weights: Readonly<Record<ScoreComponent, number>>
  readonly decays: readonly Decay[]
  readonly tiers: readonly TierThreshold[]
  readonly suspendBelow: number
  readonly reviewAfterBlocks: number
  readonly banAfterViolations: number
  readonly slashBps: number
  readonly unbondDelayBlocks: number
  readonly maxIdentities: number
  readonly maxEntriesPerBlock: number
  readonly replayWindow: number
  readonly witnessMinTier: number
  readonly votingRule: VotingRule
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`ledger option ${name}: a whole number from ${min} to ${max}, got ${value}`)
  return value
}

function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new ConfigError(`ledger option ${name}: a finite number, got ${value}`)
  return value
}

export function ledgerConfig(options: LedgerOptions): LedgerConfig {
  const weights = Object.fromEntries(COMPONENTS.map((c) => [c, finite(`weights.${c}`, options.weights?.[c] ?? DEFAULT_WEIGHTS[c])])) as Record<ScoreComponent, number>
  const decays = COMPONENTS.map((c) => new Decay(options.halfLives?.[c] ?? DEFAULT_HALF_LIVES[c]))
  const tiers = options.tiers ?? DEFAULT_TIERS
  tiers.forEach((t, i) => {
    finite(`tiers[${i}].score`, t.score)
    whole(`tiers[${i}].ageBlocks`, t.ageBlocks, 0, Number.MAX_SAFE_INTEGER)
    whole(`tiers[${i}].auditsPassed`, t.auditsPassed, 0, Number.MAX_SAFE_INTEGER)
  })
  return {
    weights,
    decays,
    tiers,
    suspendBelow: finite('suspendBelow', options.suspendBelow ?? DEFAULT_SUSPEND_BELOW),
    reviewAfterBlocks: whole('reviewAfterBlocks', options.reviewAfterBlocks ?? DEFAULT_REVIEW_AFTER_BLOCKS, 1, Number.MAX_SAFE_INTEGER),
    banAfterViolations: whole('banAfterViolations', options.banAfterViolations ?? DEFAULT_BAN_AFTER_VIOLATIONS, 1, Number.MAX_SAFE_INTEGER),
    slashBps: whole('slashBps', options.slashBps ?? DEFAULT_SLASH_BPS, 0, 10_000),
    unbondDelayBlocks: whole('unbondDelayBlocks', options.unbondDelayBlocks ?? DEFAULT_UNBOND_DELAY_BLOCKS, 0, Number.MAX_SAFE_INTEGER),
    maxIdentities: whole('maxIdentities', options.maxIdentities ?? DEFAULT_MAX_IDENTITIES, 1, Number.MAX_SAFE_INTEGER),
    maxEntriesPerBlock: whole('maxEntriesPerBlock', options.maxEntriesPerBlock ?? DEFAULT_MAX_ENTRIES_PER_BLOCK, 1, MAX_BLOCK_ENTRIES),
    replayWindow: whole('replayWindow', options.replayWindow ?? DEFAULT_REPLAY_WINDOW, 1, 4_096),
    witnessMinTier: whole('witnessMinTier', options.witnessMinTier ?? DEFAULT_WITNESS_MIN_TIER, 1, tiers.length + 1),
    votingRule: options.votingRule ?? DEFAULT_VOTING_RULE,
  }
}

/** A genesis amount, checked. */
export function genesisAmount(name: string, value: number | undefined): number {
  return whole(name, value ?? 0, 0, MAX_BALANCE)
}
