/** The weighted BFT voter (docs/consensus.md): component `bft`, protocol `bft/1`. */
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
export { BftMessage, Block, Commit, MAX_BLOCK_ENTRIES, MAX_COMMITTEE, MAX_ENTRY_BYTES, blockHash } from './messages.ts'
export {
  BftVoter,
  DEFAULT_BLOCK_INTERVAL_MS,
  DEFAULT_MAX_BACKOFF,
  DEFAULT_TIMEOUT_PROPOSE_MS,
  DEFAULT_TIMEOUT_VOTE_MS,
  type BftDependencies,
  type BftOptions,
} from './voter.ts'
