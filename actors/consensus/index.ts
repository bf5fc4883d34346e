/** The weighted BFT voter (docs/consensus.md): component `bft`, protocol `bft/1`. */
export { Committee, MAX_MEMBER_WEIGHT, type Member, type PlantedBug } from './committee.ts'
export { ConsensusError, committedAt, type ConsensusFailure } from './durable.ts'
export { BftMessage, Block, Commit, MAX_BLOCK_ENTRIES, MAX_COMMITTEE, MAX_ENTRY_BYTES, blockHash } from './messages.ts'
export {
  BftVoter,
  DEFAULT_BLOCK_INTERVAL_MS,
  DEFAULT_MAX_BACKOFF,
  DEFAULT_MAX_PENDING_ENTRIES,
  DEFAULT_TIMEOUT_PROPOSE_MS,
  DEFAULT_TIMEOUT_VOTE_MS,
  type BftDependencies,
  type BftOptions,
} from './voter.ts'
