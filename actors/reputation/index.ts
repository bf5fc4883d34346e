/**
 * The reputation ledger (docs/reputation.md): entry kinds, the deterministic ledger over the committed log, its parameters;
 * and social-graph trust (docs/trust.md): the sparse trust graph, EigenTrust, SybilRank.
 */
export {
  COMPONENTS,
  DEFAULT_BAN_AFTER_VIOLATIONS,
  DEFAULT_HALF_LIVES,
  DEFAULT_MAX_ENTRIES_PER_BLOCK,
  DEFAULT_MAX_IDENTITIES,
  DEFAULT_REPLAY_WINDOW,
  DEFAULT_REVIEW_AFTER_BLOCKS,
  DEFAULT_SLASH_BPS,
  DEFAULT_SUSPEND_BELOW,
  DEFAULT_TIERS,
  DEFAULT_UNBOND_DELAY_BLOCKS,
  DEFAULT_VOTING_RULE,
  DEFAULT_WEIGHTS,
  DEFAULT_WITNESS_MIN_TIER,
  type GenesisAccount,
  type LedgerOptions,
  type ScoreComponent,
  type TierThreshold,
  type VotingRule,
} from './config.ts'
export { Decay, MAX_HALF_LIFE_BLOCKS } from './decay.ts'
export {
  AuditEntry,
  BondEntry,
  FeedbackEntry,
  LEDGER_KINDS,
  LedgerEntry,
  MAX_BALANCE,
  MAX_BEATS,
  MAX_SEQ,
  MisbehaviourEntry,
  ResourceEntry,
  TaskEntry,
  UnbondEntry,
  UptimeEntry,
  ledgerEntryBytes,
  ledgerPayload,
  readLedgerEntry,
  signLedgerEntry,
  type LedgerKind,
  type LedgerReading,
  type UnsignedEntry,
} from './entries.ts'
export { DEFAULT_COMMITTEE_CAP, LedgerError, ReputationLedger, type BlockOutcome, type CommitteeCandidate, type Identity, type LedgerRefusal } from './ledger.ts'
export { DEFAULT_MAX_TRUST_EDGES, DEFAULT_MAX_TRUST_NODES, DEFAULT_TRUST_GRAPH_LIMITS, buildTrustGraph, edgeCount, type TrustEdges, type TrustGraph, type TrustGraphLimits } from './graph.ts'
export { degreeOf, socialGraphOf, type SocialGraph } from './graph-social.ts'
export { DEFAULT_EIGENTRUST_ALPHA, DEFAULT_EIGENTRUST_EPSILON, DEFAULT_EIGENTRUST_MAX_ITERATIONS, eigenTrust, type EigenTrustOptions, type EigenTrustResult } from './trust.ts'
export { DEFAULT_SYBILRANK_MAX_ITERATIONS, sybilRank, sybilRankIterations, type SybilRankOptions, type SybilRankResult } from './sybil.ts'
export { rankingAuc, sybilTrustShare } from './sybil-metrics.ts'
export { TrustError, type TrustFailure } from './trust-error.ts'
