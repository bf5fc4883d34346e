/**
 * `vain/actors/peer` (package.json `exports`): signed announcements, the Kademlia DHT component with
 * its records, and node ids.
 */
export {
  DEFAULT_ALPHA,
  DEFAULT_K,
  DEFAULT_PROBE_AFTER_MS,
  DEFAULT_REFRESH_IDLE_MS,
  DEFAULT_RPC_TIMEOUT_MS,
  KademliaInbox,
  KademliaMessage,
  KademliaNode,
  type KademliaOptions,
  type LookupReport,
} from './kademlia.ts'
export { Announcement, KAD_PROTOCOL, Resources } from './announcement.ts'
export { DhtRecord, MAX_RECORD_NAME_BYTES, MAX_RECORD_VALUE_BYTES, recordKey, signRecord } from './record.ts'
export { DEFAULT_RECORD_LIMITS, type RecordLimits } from './record-store.ts'
export { ID_BITS, ID_BYTES, idHex, nodeIdOf, type NodeId } from './node-id.ts'
export type { Contact } from './routing-table.ts'
