import { bytesEqual, toHex } from './bytes.ts'
import { ReasonedError } from './errors.ts'
import { blake2b } from './hash.ts'

/**
 * Durable storage as an actor sees it: a key-value map for state that fits in memory, append-only logs
 * for state that grows without bound (a ledger), and content-addressed blobs for large immutable
 * payloads (model weights). Writes are visible at once and become durable only when `sync()` returns:
 * a crash may lose any write made since the last sync, to the map, a log or a blob store alike.
 */
export interface Storage {
  /**
   * The value under `key`, or undefined. Throws StoreError 'corrupt' when the stored value no longer
   * matches the checksum it was written with: damaged bytes are never returned (FileStorage checks its
   * map when it opens and then serves it from memory; the simulator's disk can damage it later).
   */
  get(key: string): Uint8Array | undefined
  put(key: string, value: Uint8Array): void
  delete(key: string): void
  /** The keys starting with `prefix`, in lexicographic order. */
  keys(prefix?: string): string[]
  /** The append-only log called `name` (created empty on first use); see STORE_NAME for names. */
  log(name: string): AppendLog
  /** The blob store called `name` (created empty on first use); see STORE_NAME for names. */
  blobs(name: string): BlobStore
  /** Makes every write so far durable: key-value writes, log appends, blob puts and deletes. */
  sync(): void
}

/**
 * An append-only log of byte records, numbered from 0. There is no way to remove a record: a ledger
 * applies committed entries only, which are never undone (so no `truncateFrom`), and pruning old
 * records (a `dropBefore`) needs a snapshot to replace them, which no subsystem has yet. A log grows
 * on disk, not in memory: a store need not hold its records to read them.
 */
export interface AppendLog {
  /** Records appended so far (synced or not). */
  readonly length: number
  /** Appends a copy of `record` and returns its index. Throws StoreError 'too-large' past the limit. */
  append(record: Uint8Array): number
  /** The record at `index`, or undefined past the end. Throws StoreError 'corrupt' if it no longer verifies. */
  get(index: number): Uint8Array | undefined
}

/**
 * Immutable blobs named by the BLAKE2b-256 of their bytes (core/hash.ts). A blob is never returned
 * unless its bytes still hash to its name: one that does not is reported with StoreError 'corrupt'.
 */
export interface BlobStore {
  /**
   * Stores a copy of `bytes` (a no-op when present) and returns its hash. Throws 'too-large' past the
   * limit. With `expected`, bytes that do not hash to it are refused ('bad-hash') and nothing is stored:
   * what a fetcher received is checked against its name and stored with one hash, not two.
   */
  put(bytes: Uint8Array, expected?: Uint8Array): Uint8Array
  /** The whole blob, verified; undefined when absent. */
  get(hash: Uint8Array): Uint8Array | undefined
  has(hash: Uint8Array): boolean
  /** The blob's size in bytes; undefined when absent. */
  size(hash: Uint8Array): number | undefined
  /**
   * `length` bytes from `offset` (fewer at the end), without reading the rest of the blob: a sender
   * need not hold a whole blob. Not verified against the hash (that needs every byte): the receiver
   * verifies the whole, and a holder calls `verify` before it serves. Undefined when absent; a range
   * outside the blob throws 'bad-range'.
   */
  read(hash: Uint8Array, offset: number, length: number): Uint8Array | undefined
  /** Whether the blob is present and intact, reading it in pieces; throws 'corrupt' when it is present but damaged. */
  verify(hash: Uint8Array): boolean
  delete(hash: Uint8Array): void
}

/** The bounds of a store's logs and blobs. */
export interface StoreLimits {
  readonly maxLogRecordBytes: number
  readonly maxBlobBytes: number
}

/**
 * A log record comes from one message or one decision, and a message is at most one frame
 * (core/codec.ts, 1 MiB): a record past that is a bug or an attack, not a ledger entry.
 */
export const DEFAULT_MAX_LOG_RECORD_BYTES = 1 << 20

/**
 * Model weights of the networks vAIn trains are MBs to tens of MBs; 64 MiB holds them with room. A
 * blob is put whole, and a fetcher assembles one in memory before it is verified and stored, so this
 * also bounds the memory one fetch can take.
 */
export const DEFAULT_MAX_BLOB_BYTES = 64 << 20

export const DEFAULT_STORE_LIMITS: StoreLimits = { maxLogRecordBytes: DEFAULT_MAX_LOG_RECORD_BYTES, maxBlobBytes: DEFAULT_MAX_BLOB_BYTES }

/**
 * A log's or blob store's name: segments of lowercase letters, digits, `-` and `_`, joined by `/`
 * (a composite names a component's `ledger` as `reputation/ledger`). No `.`, so a name maps to a file
 * name with no `..` and no clash with a suffix.
 */
export const STORE_NAME = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/
/** Room for a component name (32), a slash and a name of its own, and a level more. */
export const MAX_STORE_NAME_LENGTH = 128

/** The BLAKE2b-256 a blob is named by. */
export const BLOB_HASH_BYTES = 32

/**
 * Why a store refused an operation: a bad name, hash or range, a record or blob past its
 * bound, or stored bytes that no longer verify (`corrupt`: never returned).
 */
export type StoreFailure = 'bad-name' | 'bad-hash' | 'bad-range' | 'too-large' | 'corrupt'

/** A refused store operation (a read of damaged bytes included); it changed nothing. */
export class StoreError extends ReasonedError<StoreFailure> {
  readonly _tag = 'StoreError' as const
  override readonly name = 'StoreError'
}

export function checkStoreName(name: string): void {
  if (name.length > MAX_STORE_NAME_LENGTH || !STORE_NAME.test(name)) {
    const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)
    throw new StoreError('bad-name', `${shown} is not a store name: segments of a-z, 0-9, '-' and '_' joined by '/', at most ${MAX_STORE_NAME_LENGTH} characters`)
  }
}

export function checkRecord(record: Uint8Array, limits: StoreLimits): void {
  if (record.length > limits.maxLogRecordBytes) throw new StoreError('too-large', `a log record of ${record.length} bytes is past the limit of ${limits.maxLogRecordBytes}`)
}

export function checkBlob(bytes: Uint8Array, limits: StoreLimits): void {
  if (bytes.length > limits.maxBlobBytes) throw new StoreError('too-large', `a blob of ${bytes.length} bytes is past the limit of ${limits.maxBlobBytes}`)
}

/** The hex name of a blob hash; throws 'bad-hash' unless it is BLOB_HASH_BYTES long. */
export function blobName(hash: Uint8Array): string {
  if (hash.length !== BLOB_HASH_BYTES) throw new StoreError('bad-hash', `a blob hash is ${BLOB_HASH_BYTES} bytes, not ${hash.length}`)
  return toHex(hash)
}

/** Throws 'bad-hash' when a put's bytes, which hash to `hash`, were expected to hash to `expected` and do not. */
export function checkExpectedBlob(hash: Uint8Array, expected: Uint8Array | undefined): void {
  if (expected !== undefined && !bytesEqual(hash, expected)) {
    throw new StoreError('bad-hash', `the bytes hash to ${toHex(hash)}, not to ${expected.length === BLOB_HASH_BYTES ? toHex(expected) : 'a blob hash'}: nothing was stored`)
  }
}

/** Throws 'bad-range' unless `offset`/`length` are integers with the range starting inside a blob of `size` (or at its end). */
export function checkRange(offset: number, length: number, size: number): void {
  if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset <= size)) {
    throw new StoreError('bad-range', `cannot read ${length} bytes at ${offset} of a ${size}-byte blob`)
  }
}

export const corruptBlob = (name: string) => new StoreError('corrupt', `blob ${name} no longer hashes to its name: it is damaged and was not returned`)

/** The index of a log read: a non-negative integer. */
export function checkIndex(index: number): void {
  if (!(Number.isSafeInteger(index) && index >= 0)) throw new StoreError('bad-range', `a log index is a non-negative integer, not ${index}`)
}

/** What a store does besides its writes: told of every write, and of every sync, in order. */
export interface WriteObserver {
  written(): void
  synced(): void
}

/** A view of `inner` that tells `observer` of every write (to the map, a log or a blob store) and sync. */
export function observeWrites(inner: Storage, observer: WriteObserver): Storage {
  return {
    get: (key) => inner.get(key),
    keys: (prefix) => inner.keys(prefix),
    put(key, value) {
      inner.put(key, value)
      observer.written()
    },
    delete(key) {
      inner.delete(key)
      observer.written()
    },
    log(name) {
      const log = inner.log(name)
      return {
        get length() {
          return log.length
        },
        append(record) {
          const index = log.append(record)
          observer.written()
          return index
        },
        get: (index) => log.get(index),
      }
    },
    blobs(name) {
      const blobs = inner.blobs(name)
      return {
        put(bytes, expected) {
          const hash = blobs.put(bytes, expected)
          observer.written()
          return hash
        },
        get: (hash) => blobs.get(hash),
        has: (hash) => blobs.has(hash),
        size: (hash) => blobs.size(hash),
        read: (hash, offset, length) => blobs.read(hash, offset, length),
        verify: (hash) => blobs.verify(hash),
        delete(hash) {
          blobs.delete(hash)
          observer.written()
        },
      }
    },
    sync() {
      inner.sync()
      observer.synced()
    },
  }
}

/**
 * A stored map value or log record, and the checksum of the bytes written (BLAKE2b-128, the width
 * TigerBeetle's checksums have): a read that does not match it is refused as 'corrupt', as FileStorage
 * refuses a record whose CRC fails. The bytes written are never changed in place (copied in and out),
 * so images share them, and their checksum is the same whenever it is taken: it is taken when first
 * needed (before a fault damages them, or to check a read a fault corrupted), so a run without disk
 * faults hashes nothing. `bytes` are what the disk holds, damage included.
 */
interface Stored {
  readonly bytes: Uint8Array
  sum: Buffer | undefined
}

/** BLAKE2b's shortest output: 128 bits make an undetected flip as likely as a hash collision. */
const CHECKSUM_BYTES = 16
const checksum = (bytes: Uint8Array) => blake2b(bytes, CHECKSUM_BYTES)
const stored = (bytes: Uint8Array): Stored => ({ bytes, sum: undefined })
/** The checksum of what was written: taken from the bytes while they are still those written. */
const sumOf = (item: Stored) => (item.sum ??= checksum(item.bytes))

type PendingWrite =
  | { readonly kind: 'kv'; readonly key: string; readonly value: Stored | undefined }
  | { readonly kind: 'append'; readonly log: string; readonly record: Stored }
  | { readonly kind: 'blob'; readonly store: string; readonly name: string; readonly bytes: Uint8Array | undefined }

/** One image of everything a MemoryStorage holds: what is durable, or what is live. */
class Image {
  readonly kv = new Map<string, Stored>()
  readonly logs = new Map<string, Stored[]>()
  readonly blobs = new Map<string, Map<string, Uint8Array>>()

  // Values are never changed in place, so a copy shares them.
  copy(): Image {
    const image = new Image()
    for (const [key, value] of this.kv) image.kv.set(key, value)
    for (const [name, records] of this.logs) image.logs.set(name, [...records])
    for (const [name, blobs] of this.blobs) image.blobs.set(name, new Map(blobs))
    return image
  }

  apply(write: PendingWrite): void {
    if (write.kind === 'kv') setOrDelete(this.kv, write.key, write.value)
    else if (write.kind === 'append') this.log(write.log).push(write.record)
    else setOrDelete(this.blobStore(write.store), write.name, write.bytes)
  }

  log(name: string): Stored[] {
    let records = this.logs.get(name)
    if (records === undefined) this.logs.set(name, (records = []))
    return records
  }

  blobStore(name: string): Map<string, Uint8Array> {
    let blobs = this.blobs.get(name)
    if (blobs === undefined) this.blobs.set(name, (blobs = new Map()))
    return blobs
  }

  /**
   * Every stored item, by its path: `kv/<key>`, `log/<name>/<index>`, `blob/<store>/<hash hex>`, each
   * with a way to put damaged bytes in its place (keeping its checksum: the damage is below it).
   */
  *items(): Generator<{ readonly path: string; readonly bytes: Uint8Array; replace(bytes: Uint8Array): void }> {
    for (const [key, item] of this.kv) yield { path: `kv/${key}`, bytes: item.bytes, replace: (bytes) => this.kv.set(key, { bytes, sum: sumOf(item) }) }
    for (const [name, records] of this.logs) {
      for (const [index, item] of records.entries()) yield { path: `log/${name}/${index}`, bytes: item.bytes, replace: (bytes) => (records[index] = { bytes, sum: sumOf(item) }) }
    }
    for (const [store, blobs] of this.blobs) {
      for (const [name, bytes] of blobs) yield { path: `blob/${store}/${name}`, bytes, replace: (damaged) => blobs.set(name, damaged) }
    }
  }
}

function setOrDelete<V>(map: Map<string, V>, key: string, value: V | undefined): void {
  if (value === undefined) map.delete(key)
  else map.set(key, value)
}

/**
 * A copy of `bytes`, of its own class. Not `bytes.slice()`: Buffer's (what the codec's `encode`
 * returns) is a view of the same memory, so a value put would change with the caller's buffer, and a
 * fault's bit flip would reach the bytes as written. The typed array's own slice copies.
 */
const copyOf = (bytes: Uint8Array): Uint8Array => Uint8Array.prototype.slice.call(bytes)

/** A copy of `bytes` with bit `bit` flipped. */
function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = copyOf(bytes)
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7))
  return copy
}

/** What draws the bits a disk fault flips (the simulator's fault stream: a Random fits). */
export interface BitPicker {
  int(n: number): number
}

/** Reads still to come back corrupted (see MemoryStorage.corruptReads). */
interface ReadFault {
  readonly prefix: string
  remaining: number
  readonly random: BitPicker
}

/**
 * In-memory Storage with an explicit durable image and a log of un-synced writes (to the map, the
 * logs and the blob stores, in one order), so a simulated crash can lose exactly what a real disk
 * could lose: all un-synced writes, or a torn prefix of them.
 *
 * It also plays a faulty disk, below a checksum layer as TigerBeetle's simulator does: every map value
 * and log record keeps the checksum taken when it was written (a blob, its hash), and a read that does
 * not match is refused with StoreError 'corrupt', never returned. The faults: reads that come back with
 * a bit flipped (`corruptReads`, transient), a latent bad sector (`damage`, a stored item that no
 * longer reads back intact, found when read), and a disk that lies about its cache (`lieAboutSyncs`:
 * a sync returns without the writes being durable, so a crash loses writes that sync claimed).
 */
export class MemoryStorage implements Storage {
  private durable = new Image()
  private live = new Image()
  private pending: PendingWrite[] = []
  /** Writes a lying sync claimed durable that are still in the disk's volatile cache. */
  private claimed: PendingWrite[] = []
  /** Syncs still to lie (see lieAboutSyncs). */
  private lies = 0
  private readFaults: ReadFault[] = []
  /** Syncs that had writes to make durable (the ones a disk spends a flush on), lying ones included. */
  syncs = 0
  /** Reads refused because what came back did not match its checksum. */
  corruptReadsDetected = 0
  /** Writes a sync claimed durable that a crash lost (see lieAboutSyncs). */
  lostSyncedWrites = 0

  constructor(private readonly limits: StoreLimits = DEFAULT_STORE_LIMITS) {}

  get(key: string): Uint8Array | undefined {
    const item = this.live.kv.get(key)
    return item === undefined ? undefined : this.verifiedRead(`kv/${key}`, item, () => `the value of ${JSON.stringify(key)}`)
  }

  put(key: string, value: Uint8Array): void {
    this.write({ kind: 'kv', key, value: stored(copyOf(value)) })
  }

  delete(key: string): void {
    this.write({ kind: 'kv', key, value: undefined })
  }

  keys(prefix = ''): string[] {
    return [...this.live.kv.keys()].filter((k) => k.startsWith(prefix)).sort()
  }

  // The views look the live image up on every call: a crash replaces it.
  log(name: string): AppendLog {
    checkStoreName(name)
    const storage = this
    return {
      get length() {
        return storage.live.logs.get(name)?.length ?? 0
      },
      append(record) {
        checkRecord(record, storage.limits)
        storage.write({ kind: 'append', log: name, record: stored(copyOf(record)) })
        return this.length - 1
      },
      get(index) {
        checkIndex(index)
        const item = storage.live.logs.get(name)?.[index]
        return item === undefined ? undefined : storage.verifiedRead(`log/${name}/${index}`, item, () => `record ${index} of log ${name}`)
      },
    }
  }

  blobs(name: string): BlobStore {
    checkStoreName(name)
    const storage = this
    const find = (hash: Uint8Array) => {
      const key = blobName(hash)
      return storage.live.blobs.get(name)?.get(key)
    }
    const verified = (hash: Uint8Array) => {
      const present = find(hash)
      if (present === undefined) return undefined
      const bytes = storage.read(`blob/${name}/${blobName(hash)}`, present)
      if (!blake2b(bytes).equals(hash)) {
        storage.corruptReadsDetected++
        throw corruptBlob(blobName(hash))
      }
      return bytes
    }
    return {
      put(bytes, expected) {
        checkBlob(bytes, storage.limits)
        const hash = Uint8Array.from(blake2b(bytes))
        checkExpectedBlob(hash, expected)
        const present = find(hash)
        // A damaged copy (a bad sector) is replaced, as FileBlobs replaces a damaged file.
        if (present === undefined || !blake2b(present).equals(hash)) storage.write({ kind: 'blob', store: name, name: blobName(hash), bytes: copyOf(bytes) })
        return hash
      },
      get(hash) {
        const bytes = verified(hash)
        return bytes === undefined ? undefined : copyOf(bytes)
      },
      has: (hash) => find(hash) !== undefined,
      size: (hash) => find(hash)?.length,
      // Not verified, by the contract (a holder verifies before it serves), and not a read a
      // corruptReads fault hits: the fault is for reads a checksum guards.
      read(hash, offset, length) {
        const bytes = find(hash)
        if (bytes === undefined) return undefined
        checkRange(offset, length, bytes.length)
        return bytes.slice(offset, offset + length)
      },
      verify: (hash) => verified(hash) !== undefined,
      delete(hash) {
        if (this.has(hash)) storage.write({ kind: 'blob', store: name, name: blobName(hash), bytes: undefined })
      },
    }
  }

  sync(): void {
    if (this.pending.length === 0) return
    this.syncs++
    if (this.lies > 0) {
      this.lies--
      this.claimed.push(...this.pending)
      this.pending = []
      return
    }
    // An honest flush drains the cache too: what earlier syncs only claimed is now on the disk.
    this.pending = [...this.claimed, ...this.pending]
    this.claimed = []
    this.applyPending(this.pending.length)
  }

  /** How many writes the next sync makes durable (what output commit waits for). */
  get unsyncedWrites(): number {
    return this.pending.length
  }

  /** How many writes a crash now puts at risk: the un-synced ones, and those a lying sync only claimed. */
  get writesAtRisk(): number {
    return this.claimed.length + this.pending.length
  }

  /** The value a crash now would keep for `key` (what an invariant may count as durable). */
  durableGet(key: string): Uint8Array | undefined {
    const item = this.durable.kv.get(key)
    return item === undefined ? undefined : copyOf(item.bytes)
  }

  /**
   * A crash: the first `survivingWrites` writes at risk (those lying syncs claimed, then the
   * un-synced ones) reach the disk (a torn write log), the rest are lost, and the live view falls back
   * to the durable image.
   */
  crash(survivingWrites = 0): void {
    const kept = Math.max(0, Math.min(survivingWrites, this.writesAtRisk))
    this.lostSyncedWrites += Math.max(0, this.claimed.length - kept)
    this.pending = [...this.claimed, ...this.pending]
    this.claimed = []
    this.applyPending(kept)
    this.pending = []
    this.live = this.durable.copy()
  }

  /**
   * A disk fault: the next `syncs` syncs that have writes to flush return at once while the writes
   * stay in the disk's volatile cache (a disk that acknowledges flushes it has not done). The next
   * honest sync writes them all; a crash before it loses them (counted in lostSyncedWrites).
   */
  lieAboutSyncs(syncs: number): void {
    this.lies += syncs
  }

  /**
   * A disk fault: the next `reads` checksummed reads (a map value, a log record, a whole blob) of an
   * item whose path starts with `prefix` (see damage) come back with one bit flipped, drawn from
   * `random`; the stored bytes are intact, so a read after them succeeds.
   */
  corruptReads(reads: number, prefix: string, random: BitPicker): void {
    this.readFaults.push({ prefix, remaining: reads, random })
  }

  /**
   * A disk fault, a latent bad sector: flips one bit (drawn from `random`) of each of up to `items`
   * durable items (on the disk: synced) whose path starts with `prefix` (paths: `kv/<key>`, `log/<name>/<index>`,
   * `blob/<store>/<hash hex>`; empty items hold no bit to flip). The damage is on the disk, under the
   * checksum, in the live and the durable image alike; nothing notices until the item is read. Returns
   * the paths of the items damaged.
   */
  damage(items: number, prefix: string, random: BitPicker): string[] {
    const candidates = [...this.durable.items()].filter((item) => item.path.startsWith(prefix) && item.bytes.length > 0)
    const damaged: string[] = []
    for (let i = 0; i < items && candidates.length > 0; i++) {
      const [item] = candidates.splice(random.int(candidates.length), 1)
      this.replaceItem(item!.path, flipped(item!.bytes, random.int(item!.bytes.length * 8)), this.durable)
      damaged.push(item!.path)
    }
    return damaged
  }

  /**
   * A disk fault: flips the byte at `at` of a stored blob, in the live and the durable image, so the
   * blob no longer verifies (for tests). False when there is no such blob or byte.
   */
  damageBlob(store: string, hash: Uint8Array, at: number): boolean {
    const bytes = this.live.blobs.get(store)?.get(blobName(hash))
    if (bytes === undefined || at < 0 || at >= bytes.length) return false
    const damaged = copyOf(bytes)
    damaged[at] = (damaged[at] as number) ^ 0xff
    this.replaceItem(`blob/${store}/${blobName(hash)}`, damaged)
    return true
  }

  // Puts `damaged` in place of the item at `path` in both images, where each holds the same bytes.
  private replaceItem(path: string, damaged: Uint8Array, from = this.live): void {
    const original = [...from.items()].find((item) => item.path === path)?.bytes
    for (const image of [this.live, this.durable]) {
      for (const item of image.items()) if (item.path === path && item.bytes === original) item.replace(damaged)
    }
  }

  /** What the disk returns for the item at `path`: its bytes, or a corrupted copy while a read fault lasts. */
  private read(path: string, bytes: Uint8Array): Uint8Array {
    const fault = this.readFaults.find((f) => path.startsWith(f.prefix))
    if (fault === undefined || bytes.length === 0) return bytes
    if (--fault.remaining === 0) this.readFaults = this.readFaults.filter((f) => f !== fault)
    return flipped(bytes, fault.random.int(bytes.length * 8))
  }

  private verifiedRead(path: string, item: Stored, what: () => string): Uint8Array {
    const bytes = this.read(path, item.bytes)
    // Bytes as written (no checksum taken, so never damaged, and read back as they are) match it.
    const asWritten = item.sum === undefined && bytes === item.bytes
    if (!asWritten && !checksum(bytes).equals(sumOf(item))) {
      this.corruptReadsDetected++
      throw new StoreError('corrupt', `${what()} no longer matches its checksum: it is damaged and was not returned`)
    }
    return bytes === item.bytes ? copyOf(bytes) : bytes
  }

  private write(write: PendingWrite): void {
    this.live.apply(write)
    this.pending.push(write)
  }

  private applyPending(count: number): void {
    for (let i = 0; i < count; i++) this.durable.apply(this.pending[i] as PendingWrite)
    this.pending = this.pending.slice(count)
  }
}
