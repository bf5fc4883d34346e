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
 * Why a log or blob store refused an operation: a bad name, hash or range, a record or blob past its
 * bound, or stored bytes that no longer verify (`corrupt`: never returned).
 */
export type StoreFailure = 'bad-name' | 'bad-hash' | 'bad-range' | 'too-large' | 'corrupt'

/** A refused log or blob operation; it changed nothing. */
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

type PendingWrite =
  | { readonly kind: 'kv'; readonly key: string; readonly value: Uint8Array | undefined }
  | { readonly kind: 'append'; readonly log: string; readonly record: Uint8Array }
  | { readonly kind: 'blob'; readonly store: string; readonly name: string; readonly bytes: Uint8Array | undefined }

/** One image of everything a MemoryStorage holds: what is durable, or what is live. */
class Image {
  readonly kv = new Map<string, Uint8Array>()
  readonly logs = new Map<string, Uint8Array[]>()
  readonly blobs = new Map<string, Map<string, Uint8Array>>()

  // Values are never changed in place (they are copied in and out), so a copy shares them.
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

  log(name: string): Uint8Array[] {
    let records = this.logs.get(name)
    if (records === undefined) this.logs.set(name, (records = []))
    return records
  }

  blobStore(name: string): Map<string, Uint8Array> {
    let blobs = this.blobs.get(name)
    if (blobs === undefined) this.blobs.set(name, (blobs = new Map()))
    return blobs
  }
}

function setOrDelete<V>(map: Map<string, V>, key: string, value: V | undefined): void {
  if (value === undefined) map.delete(key)
  else map.set(key, value)
}

/**
 * In-memory Storage with an explicit durable image and a log of un-synced writes (to the map, the
 * logs and the blob stores, in one order), so a simulated crash can lose exactly what a real disk
 * could lose: all un-synced writes, or a torn prefix of them.
 */
export class MemoryStorage implements Storage {
  private durable = new Image()
  private live = new Image()
  private pending: PendingWrite[] = []

  constructor(private readonly limits: StoreLimits = DEFAULT_STORE_LIMITS) {}

  get(key: string): Uint8Array | undefined {
    return this.live.kv.get(key)?.slice()
  }

  put(key: string, value: Uint8Array): void {
    this.write({ kind: 'kv', key, value: value.slice() })
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
        storage.write({ kind: 'append', log: name, record: record.slice() })
        return this.length - 1
      },
      get(index) {
        checkIndex(index)
        return storage.live.logs.get(name)?.[index]?.slice()
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
      const bytes = find(hash)
      if (bytes !== undefined && !blake2b(bytes).equals(hash)) throw corruptBlob(blobName(hash))
      return bytes
    }
    return {
      put(bytes, expected) {
        checkBlob(bytes, storage.limits)
        const hash = Uint8Array.from(blake2b(bytes))
        checkExpectedBlob(hash, expected)
        const present = find(hash)
        // A damaged copy (damageBlob) is replaced, as FileBlobs replaces a damaged file.
        if (present === undefined || !blake2b(present).equals(hash)) storage.write({ kind: 'blob', store: name, name: blobName(hash), bytes: bytes.slice() })
        return hash
      },
      get: (hash) => verified(hash)?.slice(),
      has: (hash) => find(hash) !== undefined,
      size: (hash) => find(hash)?.length,
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
    this.applyPending(this.pending.length)
  }

  /** How many writes would a crash now put at risk. */
  get unsyncedWrites(): number {
    return this.pending.length
  }

  /** The value a crash now would keep for `key` (what an invariant may count as durable). */
  durableGet(key: string): Uint8Array | undefined {
    return this.durable.kv.get(key)?.slice()
  }

  /**
   * A crash: the first `survivingWrites` un-synced writes reach the disk (a torn write log), the rest
   * are lost, and the live view falls back to the durable image.
   */
  crash(survivingWrites = 0): void {
    this.applyPending(Math.max(0, Math.min(survivingWrites, this.pending.length)))
    this.pending = []
    this.live = this.durable.copy()
  }

  /**
   * A disk fault: flips the byte at `at` of a stored blob, in the live and the durable image, so the
   * blob no longer verifies (for tests and fault schedules). False when there is no such blob or byte.
   */
  damageBlob(store: string, hash: Uint8Array, at: number): boolean {
    const name = blobName(hash)
    const bytes = this.live.blobs.get(store)?.get(name)
    if (bytes === undefined || at < 0 || at >= bytes.length) return false
    const damaged = bytes.slice()
    damaged[at] = (damaged[at] as number) ^ 0xff
    for (const image of [this.live, this.durable]) if (image.blobs.get(store)?.has(name) === true) image.blobStore(store).set(name, damaged)
    return true
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
