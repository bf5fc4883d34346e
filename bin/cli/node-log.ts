import { isIdentityAddress } from '../../core/address.ts'
import { idHex } from '../../actors/peer/node-id.ts'
import type { Contact } from '../../actors/peer/routing-table.ts'
import type { LogRecord } from '../../runtime/node-runtime.ts'

/** How a peer without a known identity is named in a `peers` line: never in a form --find would take. */
export const NODE_ID_PREFIX = 'node-id:'

/** Writes log records to `out`: JSON lines, or `time event key=value …` for people. */
export function logWriter(json: boolean, out: (line: string) => void = (line) => void process.stdout.write(line)): (record: LogRecord) => void {
  return (record) => {
    const time = new Date().toISOString() // real-runtime: log timestamps
    if (json) return out(`${JSON.stringify({ time, ...record })}\n`)
    const { event, ...fields } = record
    // A field left undefined (a link's peer not known yet) is absent, as JSON.stringify leaves it.
    const rest = Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`]))
    out(`${time} ${event}${rest.join('')}\n`)
  }
}

/**
 * A `peers` trace with its peers named by identity. The node's status component reports contacts by
 * node id (the BLAKE2b-256 of the key: a DHT coordinate, which nothing else takes); an operator needs
 * the identity, the 64 hex digits `--find PUBLISHER/NAME`, `--block` and `--trust` take. In a real node
 * a contact's address is its identity (the key its link proved), so the ids are mapped back through
 * the routing table's `contacts`; a contact known otherwise is named `node-id:HEX`, so that it cannot
 * pass for an identity. Any other record is returned as it is.
 */
export function withPeerIdentities(record: LogRecord, contacts: () => readonly Contact[]): LogRecord {
  if (record.event !== 'trace' || record.type !== 'peers' || !Array.isArray(record.peers)) return record
  const identityOf = new Map(contacts().flatMap((c) => (isIdentityAddress(c.address) ? [[idHex(c.id), c.address] as const] : [])))
  const peers = (record.peers as unknown[]).map((id) => identityOf.get(String(id)) ?? `${NODE_ID_PREFIX}${String(id)}`)
  return { ...record, peers }
}
