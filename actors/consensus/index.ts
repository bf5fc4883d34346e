/** The weighted BFT voter (docs/consensus.md): component `bft`, protocol `bft/1`; light clients and range sync: `bft-follower`, `bft-sync` (`bft-sync/1`). */
export { CertificateError, checkCommit, type CertificateFailure, type ChainTip } from './certificate.ts'
export { Committee, MAX_MEMBER_WEIGHT, type Member, type PlantedBug } from './committee.ts'
export { ConsensusError, committedAt, type ConsensusFailure } from './durable.ts'
export { entryFlaw, entryKey, readEntry, type EntryFlaw, type EntryReading } from './entries.ts'
export { EVIDENCE_KIND, Evidence, evidenceEntry, evidenceFlaw, evidenceKey, evidenceOf, verifyEvidence, type EvidenceFlaw, type EvidenceStep, type SignedValue } from './evidence.ts'
export {
  DEFAULT_COMMITTED_MEMORY,
  DEFAULT_GOSSIP_DELAY_MS,
  DEFAULT_MAX_ENTRIES_PER_SENDER,
  DEFAULT_MAX_GOSSIPED_ENTRIES,
  DEFAULT_MAX_PENDING_ENTRIES,
  MAX_GOSSIP_ENTRIES,
  Mempool,
  MempoolMessage,
  type EntryPool,
  type MempoolDependencies,
  type MempoolOptions,
} from './mempool.ts'
export { BftFollower, lightClient, type FollowerDependencies, type FollowerOptions } from './follower.ts'
export { BftMessage, Block, Commit, MAX_BLOCK_ENTRIES, MAX_COMMITTEE, MAX_ENTRY_BYTES, blockHash } from './messages.ts'
export { DEFAULT_MAX_RANGE_BYTES, DEFAULT_MAX_REQUESTERS, DEFAULT_SERVE_INTERVAL_MS, DEFAULT_SERVE_PER_SECOND, type RangeServerOptions } from './range-server.ts'
export {
  BftSync,
  DEFAULT_POLL_MS,
  DEFAULT_RANGE_COMMITS,
  DEFAULT_REFUSED_PENALTY_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TIMEOUT_PENALTY_MS,
  SyncError,
  type SyncDependencies,
  type SyncFailure,
  type SyncOptions,
  type SyncedChain,
} from './sync.ts'
export { MAX_RANGE_COMMITS, RangeReply, RangeRequest, SyncMessage } from './sync-messages.ts'
export {
  BftVoter,
  DEFAULT_BLOCK_INTERVAL_MS,
  DEFAULT_DISSEMINATION,
  DEFAULT_MAX_BACKOFF,
  DEFAULT_TIMEOUT_PROPOSE_MS,
  DEFAULT_TIMEOUT_VOTE_MS,
  type BftDependencies,
  type BftOptions,
  type Dissemination,
} from './voter.ts'
