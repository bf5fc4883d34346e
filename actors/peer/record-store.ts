import { Result } from 'effect'
import { decodeFrame, encode } from '../../core/codec.ts'
import type { Storage } from '../../core/storage.ts'
import { idHex, type NodeId } from './node-id.ts'
import { DhtRecord } from './record.ts'

const PREFIX = 'dht/record/'

/**
 * The records a node holds for the DHT, by key: the newest version of each (highest `seq`), until it
 * expires. It also remembers when each record was last stored here by someone else, so a holder can
 * skip republishing a record another holder has just republished (the paper's §2.5 saving).
 * Records are written to the actor's storage as they come (made durable at its next sync), so a
 * holder that restarts still serves them.
 */
export class RecordStore {
  private readonly records = new Map<string, { record: DhtRecord; storedAt: number }>()

  constructor(private readonly storage: Storage) {
    for (const key of storage.keys(PREFIX)) {
      const record = decodeFrame(storage.get(key)!, DhtRecord)
      if (Result.isSuccess(record)) this.records.set(key.slice(PREFIX.length), { record: record.success, storedAt: 0 })
    }
  }

  get size(): number {
    return this.records.size
  }

  /** Keeps `record` unless an equal or newer version is held; says whether it did. */
  put(record: DhtRecord, now: number): boolean {
    const key = idHex(record.key)
    const held = this.records.get(key)
    if (held !== undefined && held.record.seq > record.seq) return false
    this.records.set(key, { record, storedAt: now })
    if (held === undefined || held.record.seq !== record.seq) this.storage.put(PREFIX + key, encode(record))
    return true
  }

  get(key: NodeId, now: number): DhtRecord | undefined {
    const held = this.records.get(idHex(key))
    return held === undefined || held.record.expiresAt <= now ? undefined : held.record
  }

  /** The records held that are still valid at `now`. */
  *live(now: number): Generator<DhtRecord> {
    for (const { record } of this.records.values()) if (record.expiresAt > now) yield record
  }

  /** Drops expired records; returns the live ones not stored here since `since` (to republish). */
  sweep(now: number, since: number): DhtRecord[] {
    const due: DhtRecord[] = []
    for (const [key, held] of this.records) {
      if (held.record.expiresAt <= now) {
        this.records.delete(key)
        this.storage.delete(PREFIX + key)
      } else if (held.storedAt <= since) due.push(held.record)
    }
    return due
  }
}
