/** `vain/actors/node` (package.json `exports`): VainNode, the composite a `vain node` runs, and its options. */
export { DEFAULT_MAX_PER_GROUP, DEFAULT_MAX_PER_GROUP_IN_TABLE, DEFAULT_SAVED_PEERS, VainNode, type Publication, type Search, type VainNodeOptions } from './vain-node.ts'
export { DEFAULT_RECORD_TTL_MS, DEFAULT_RETRY_MS } from './operator-records.ts'
export { DEFAULT_STATUS_EVERY_MS } from './peer-status.ts'
export { committeeOf, genesisDigest, parseGenesis, type Genesis, type GenesisValidator } from './genesis.ts'
export { NodeConsensus, NodeConsensusError, describeCommit, entryDigest, type CommittedBlock, type ConsensusStatus, type NodeConsensusOptions } from './node-consensus.ts'
