import { Result } from 'effect'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ReasonedError } from '../../core/errors.ts'
import type { Random } from '../../core/random.ts'
import { StoreError, type Storage } from '../../core/storage.ts'
import { idHex, type NodeId } from './node-id.ts'
import { DhtRecord, sameRecord } from './record.ts'

const PREFIX = 'dht/record/'

/**
 * Records held at most (32,768), and their bytes (32 MiB). A holder keeps the records of the keys it
 * is among the k closest to, about k/N of all: 32,768 covers ~1.6 million records at N = 1,000 and
 * k = 20, with room. The byte cap binds first only for large values (1 KiB values fill it at ~26,000).
 * The flood stored 101,747 records (+600 MB); now the store stops here.
 */
export const DEFAULT_MAX_RECORDS = 32_768
export const DEFAULT_MAX_RECORD_BYTES = 32 * 2 ** 20
/**
 * Records held per publisher (256). Keys are BLAKE2b(publisher ‖ name), so one publisher's records
 * spread over the whole key space and a holder keeps about k/N of them: 256 here is 12,800 records
 * per publisher at N = 1,000, k = 20. An identity costs nothing to mint, so this alone bounds little:
 * it stops one honest-looking publisher from taking the store; the per-sender quota and the total cap
 * do the rest.
 */
export const DEFAULT_MAX_RECORDS_PER_PUBLISHER = 256
/**
 * Records held per sender (4,096): per link address, or per network group (the IPv4 /24) when the
 * node is given `groupOf`. One eighth of the total, so a flood from one sender (the four links
 * from one host) takes at most an eighth of the store, and filling it takes eight groups. An honest
 * neighbour republishes what it holds itself, which stays well under this in any network where
 * holders keep fewer than 4,096 records each.
 */
export const DEFAULT_MAX_RECORDS_PER_SENDER = 4_096
/**
 * Records a full store evicts at most to make room for one STORE (8): 1 KiB values against a
 * few-byte one rarely need more than one or two; the bound keeps a STORE's cost constant.
 */
const MAX_EVICTIONS_PER_STORE = 8

export interface RecordLimits {
  readonly maxRecords: number
  readonly maxBytes: number
  readonly perPublisher: number
  readonly perSender: number
}

export const DEFAULT_RECORD_LIMITS: RecordLimits = {
  maxRecords: DEFAULT_MAX_RECORDS,
  maxBytes: DEFAULT_MAX_RECORD_BYTES,
  perPublisher: DEFAULT_MAX_RECORDS_PER_PUBLISHER,
  perSender: DEFAULT_MAX_RECORDS_PER_SENDER,
}

/** Why a record was not stored. */
export type StoreRefusal = 'stale' | 'publisher-quota' | 'sender-quota' | 'full'

/** A record the store would not keep: it changes nothing, and is not acknowledged. */
export class StoreRefused extends ReasonedError<StoreRefusal> {
  readonly _tag = 'StoreRefused' as const
  override readonly name = 'StoreRefused'
}

/** The value under `key`, or undefined when the disk returned damaged bytes (StoreError 'corrupt'): a damaged copy is no copy. */
function readIntact(storage: Storage, key: string): Uint8Array | undefined {
  try {
    return storage.get(key)
  } catch (error) {
    if (error instanceof StoreError && error.reason === 'corrupt') return undefined
    throw error
  }
}

/** The sender charged for records loaded from disk (they were accepted by a run before). */
const FROM_DISK = ''

// A record's cost in memory: its variable fields, plus its fixed ones (key 32, publisher 32, sig 64)
// and the bookkeeping around it.
const FIXED_RECORD_BYTES = 256
const recordBytes = (r: DhtRecord) => r.name.length + r.value.length + FIXED_RECORD_BYTES

interface Held {
  readonly record: DhtRecord
  readonly storedAt: number
  readonly sender: string
  readonly publisher: string
  readonly bytes: number
}

/**
 * The records a node holds for the DHT, by key: the newest version of each (highest `seq`), until it
 * expires, within quotas: per publisher, per sender, and in total (count and bytes). It also remembers
 * when each record was last stored here by someone else, so a holder can skip republishing a record
 * another holder has just republished (the paper's §2.5 saving). Records are written to the actor's
 * storage as they come; a STORE is acknowledged only after, and the runtime's output commit syncs the
 * write before the acknowledgement leaves, so a holder that confirmed a record still serves it after
 * a crash.
 *
 * A full store is not first come, first served, or whoever filled it first (eight groups' flood) would
 * keep every honest record out until its own expired. A sender holding less than the average share
 * (records held / senders holding any) may have its record take the place of records drawn at random
 * from senders above the average share: a random record belongs to a sender in proportion to what it
 * holds, so the draws land on the flooders; a sender above the average share evicts nothing, and one
 * below it is never evicted for another's record.
 */
export class RecordStore {
  // Keyed by what strangers choose (record keys, publishers, senders), and bounded by the caps: a
  // count entry exists only while a record it counts is held.
  private readonly records = new Map<string, Held>()
  private readonly byPublisher = new Map<string, number>()
  private readonly bySender = new Map<string, number>()
  /** The held keys in one array (swap-removed), for drawing a random record in O(1). */
  private readonly keys: string[] = []
  private readonly indexOf = new Map<string, number>()
  private totalBytes = 0
  /**
   * Keys (hex) of the records found damaged on disk as the store loaded (StoreError 'corrupt'): never
   * held or served, deleted from storage, and left for the owner to fetch again from the other holders.
   */
  readonly damaged: string[] = []
  /** How many records the store dropped as damaged when it loaded. */
  readonly droppedAtLoad: number
  /** How many of them the owner has fetched again and kept (see Records.repair). */
  repaired = 0

  constructor(
    private readonly storage: Storage,
    private readonly limits: RecordLimits,
    /** Draws the records a full store evicts (the actor's own stream: deterministic in simulation). */
    private readonly random: Random,
  ) {
    for (const key of storage.keys(PREFIX)) {
      if (this.records.size >= limits.maxRecords || this.totalBytes >= limits.maxBytes) break
      const bytes = readIntact(storage, key)
      if (bytes === undefined) {
        this.damaged.push(key.slice(PREFIX.length))
        storage.delete(key)
        continue
      }
      const record = decodeFrame(bytes, DhtRecord)
      if (Result.isSuccess(record)) this.hold(key.slice(PREFIX.length), record.success, 0, FROM_DISK)
    }
    this.droppedAtLoad = this.damaged.length
  }

  get size(): number {
    return this.records.size
  }

  /** The bytes the held records take (as counted against the cap). */
  get bytes(): number {
    return this.totalBytes
  }

  /** How many records `sender` stored here that are still held. */
  heldFrom(sender: string): number {
    return this.bySender.get(sender) ?? 0
  }

  /**
   * Keeps `record`, sent by `sender` (a link address or network group), unless a newer version is
   * held, a different record with the same seq is held, or a quota would be passed; says why not, or
   * undefined when it was kept (what is kept is what storage holds).
   */
  put(record: DhtRecord, now: number, sender: string): StoreRefused | undefined {
    const key = idHex(record.key)
    const held = this.records.get(key)
    if (held !== undefined && held.record.seq > record.seq) return new StoreRefused('stale', `a newer version (${held.record.seq}) is held`)
    // One version per seq: the first held wins. Replacing it in memory only would acknowledge bytes a
    // restart forgets; writing it would let whoever holds two signed variants flip holders back and forth.
    const same = held !== undefined && held.record.seq === record.seq
    if (same && !sameRecord(held.record, record)) return new StoreRefused('stale', `a different record with the same seq (${record.seq}) is held`)
    let refusal = this.overQuota(record, sender, held)
    if (refusal?.reason === 'full' && this.belowFairShare(sender)) {
      this.evictFor(recordBytes(record) - (held?.bytes ?? 0), sender, key)
      refusal = this.overQuota(record, sender, held)
    }
    if (refusal !== undefined) return refusal
    if (held !== undefined) this.release(key, held)
    this.hold(key, record, now, sender)
    if (!same) this.storage.put(PREFIX + key, encode(record)) // the same bytes are on disk already
    return undefined
  }

  get(key: NodeId, now: number): DhtRecord | undefined {
    const held = this.records.get(idHex(key))
    return held === undefined || held.record.expiresAt <= now ? undefined : held.record
  }

  /** The records held that are still valid at `now`. */
  *live(now: number): Generator<DhtRecord> {
    for (const { record } of this.records.values()) if (record.expiresAt > now) yield record
  }

  /**
   * Drops expired records; returns the live ones of slice `slice` of `slices` (by key) not stored
   * here since `since`, to republish. Slicing spreads a holder's republishing over its period.
   */
  sweep(now: number, since: number, slice = 0, slices = 1): DhtRecord[] {
    const due: DhtRecord[] = []
    for (const [key, held] of this.records) {
      if (held.record.expiresAt <= now) {
        this.release(key, held)
        this.storage.delete(PREFIX + key)
      } else if (held.storedAt <= since && sliceOf(held.record.key, slices) === slice) due.push(held.record)
    }
    return due
  }

  private belowFairShare(sender: string): boolean {
    return (this.bySender.get(sender) ?? 0) * this.bySender.size < this.records.size
  }

  // Evicts records drawn at random until one more record of `bytes` fits (or MAX_EVICTIONS_PER_STORE
  // draws are spent). Only a sender above the average share (counting `sender` among the senders)
  // loses one: a sender holding little, the honest neighbour, is never the victim of another's store.
  private evictFor(bytes: number, sender: string, keep: string): void {
    const senders = this.bySender.size + (this.bySender.has(sender) ? 0 : 1)
    for (let draw = 0; draw < MAX_EVICTIONS_PER_STORE && this.keys.length > 0; draw++) {
      const fits = this.records.size < this.limits.maxRecords && this.totalBytes + bytes <= this.limits.maxBytes
      if (fits) return
      const key = this.keys[this.random.int(this.keys.length)]!
      const victim = this.records.get(key)!
      if (key === keep || this.heldFrom(victim.sender) * senders <= this.records.size) continue
      this.release(key, victim)
      this.storage.delete(PREFIX + key)
    }
  }

  private overQuota(record: DhtRecord, sender: string, held: Held | undefined): StoreRefused | undefined {
    const bytes = recordBytes(record)
    const freed = held?.bytes ?? 0
    if (held === undefined && this.records.size >= this.limits.maxRecords) return new StoreRefused('full', `${this.records.size} records held, the cap`)
    if (this.totalBytes - freed + bytes > this.limits.maxBytes) return new StoreRefused('full', `${this.totalBytes} bytes held; ${bytes} more would pass the cap of ${this.limits.maxBytes}`)
    const publisher = toHex(record.publisher)
    if (held === undefined && (this.byPublisher.get(publisher) ?? 0) >= this.limits.perPublisher) {
      return new StoreRefused('publisher-quota', `publisher ${publisher.slice(0, 12)} has ${this.limits.perPublisher} records here, its quota`)
    }
    if (held?.sender !== sender && (this.bySender.get(sender) ?? 0) >= this.limits.perSender) {
      return new StoreRefused('sender-quota', `sender ${sender.slice(0, 24)} stored ${this.limits.perSender} records here, its quota`)
    }
    return undefined
  }

  private hold(key: string, record: DhtRecord, now: number, sender: string): void {
    const held: Held = { record, storedAt: now, sender, publisher: toHex(record.publisher), bytes: recordBytes(record) }
    this.records.set(key, held)
    this.indexOf.set(key, this.keys.length)
    this.keys.push(key)
    this.byPublisher.set(held.publisher, (this.byPublisher.get(held.publisher) ?? 0) + 1)
    this.bySender.set(sender, (this.bySender.get(sender) ?? 0) + 1)
    this.totalBytes += held.bytes
  }

  private release(key: string, held: Held): void {
    this.records.delete(key)
    const index = this.indexOf.get(key)!
    const last = this.keys.pop()!
    if (last !== key) {
      this.keys[index] = last
      this.indexOf.set(last, index)
    }
    this.indexOf.delete(key)
    decrement(this.byPublisher, held.publisher)
    decrement(this.bySender, held.sender)
    this.totalBytes -= held.bytes
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1
  if (n <= 0) counts.delete(key)
  else counts.set(key, n)
}

/** Which of `slices` slices a key falls in (its first two bytes, so slices are even for random keys). */
function sliceOf(key: Uint8Array, slices: number): number {
  return ((key[0]! << 8) | key[1]!) % slices
}
