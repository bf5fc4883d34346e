import { idHex, type NodeId } from './node-id.ts'
import type { DhtRecord } from './record.ts'

/**
 * The records a node holds for the DHT, by key: the newest version of each (highest `seq`), until it
 * expires. It also remembers when each record was last stored here by someone else, so a holder can
 * skip republishing a record another holder has just republished (the paper's §2.5 saving).
 */
export class RecordStore {
  private readonly records = new Map<string, { record: DhtRecord; storedAt: number }>()

  get size(): number {
    return this.records.size
  }

  /** Keeps `record` unless an equal or newer version is held; says whether it did. */
  put(record: DhtRecord, now: number): boolean {
    const key = idHex(record.key)
    const held = this.records.get(key)
    if (held !== undefined && held.record.seq > record.seq) return false
    this.records.set(key, { record, storedAt: now })
    return true
  }

  get(key: NodeId, now: number): DhtRecord | undefined {
    const held = this.records.get(idHex(key))
    return held === undefined || held.record.expiresAt <= now ? undefined : held.record
  }

  /** Drops expired records; returns the live ones not stored here since `since` (to republish). */
  sweep(now: number, since: number): DhtRecord[] {
    const due: DhtRecord[] = []
    for (const [key, held] of this.records) {
      if (held.record.expiresAt <= now) this.records.delete(key)
      else if (held.storedAt <= since) due.push(held.record)
    }
    return due
  }
}
