import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { appendSynced, fsyncDirectory, replaceFileAtomically } from './atomic-file.ts'
import { encodeEntries, encodeRecord, replayRecords } from './record-log.ts'
import { checkTornTail, damaged } from './file-log-tail.ts'
import { checkStoreName, DEFAULT_STORE_LIMITS, type AppendLog, type BlobStore, type Storage, type StoreLimits } from '../core/storage.ts'
import { FileBlobs } from './file-blobs.ts'
import { FileLog } from './file-log.ts'
import { salvageFile, type FileRepair } from './store-repair.ts'

/**
 * Keys whose loss would roll a node back rather than make it forget: the identity's own state (epoch,
 * issue time and reserved sequence numbers: losing it re-signs with an expired epoch key and reused
 * sequence numbers that peers refuse as replays), the seed of a node without a key file, and the last
 * version of each record it publishes. Small, written rarely, and never keyed by what a stranger
 * chooses (`identity/peer/` and `identity/seq/` are not here), so rewriting them whole is cheap.
 */
export const DEFAULT_ATOMIC_PREFIXES: readonly string[] = ['identity/own', 'identity/seed', 'records/version/']

/**
 * The log is compacted once it is past this size and twice its live data: big enough that a busy
 * node rarely pays for a rewrite, small enough that replaying it at open stays in milliseconds.
 */
export const DEFAULT_COMPACT_ABOVE_BYTES = 4 << 20

export interface FileStorageOptions {
  /**
   * Keys under these prefixes live in their own atomically replaced file, not in the log. The set may
   * change between opens: keys under an added prefix move out of the log at open, and a key under a
   * removed one stays in the atomic file until it is deleted.
   */
  readonly atomicPrefixes?: readonly string[]
  /** Compact the log past this many bytes (and twice its live data); see DEFAULT_COMPACT_ABOVE_BYTES. */
  readonly compactAboveBytes?: number
  /** Bounds of log records and blobs (default DEFAULT_STORE_LIMITS). */
  readonly limits?: StoreLimits
}

/** What a repair did to each of a store's two files. */
export interface StoreRepair {
  readonly log: FileRepair
  readonly atomic: FileRepair
}

const LOG_FILE = 'store.log'
const ATOMIC_FILE = 'atomic.state'
// Temporary files: a crash can leave any of them; opening removes them (they are never the only copy).
const COMPACTING = `${LOG_FILE}.compacting`
const LOG_REPAIRING = `${LOG_FILE}.repairing`
const ATOMIC_REPLACING = `${ATOMIC_FILE}.replacing`
const ATOMIC_REPAIRING = `${ATOMIC_FILE}.repairing`
const TEMPORARY_FILES = [COMPACTING, LOG_REPAIRING, ATOMIC_REPLACING, ATOMIC_REPAIRING]
// Each log is a file in LOGS, each blob store a directory in BLOBS, made on first use. A store name's
// `/` becomes `%2F` (names have no other character that needs escaping), so a name is one file name.
const LOGS = 'logs'
const BLOBS = 'blobs'
const fileName = (storeName: string) => encodeURIComponent(storeName)

/**
 * Durable Storage in a directory of two files, both in one record format (core/record-log.ts):
 * - `store.log`, an append-only log: a record per write, appended and fsynced by `sync()`, so that when
 *   `sync()` returns the writes are on disk, which is the Storage contract, kept synchronously.
 * - `atomic.state`, the keys under `atomicPrefixes`: rewritten whole at a sync that changed one of them
 *   (temporary file, fsync, rename, directory fsync), so it is always one complete version, and damage
 *   to the log never reaches it.
 * All live entries are also held in memory, which suits an actor's state: reads never touch the disk.
 * Logs (`logs/NAME.log`, runtime/file-log.ts) and blob stores (`blobs/NAME/`, runtime/file-blobs.ts)
 * are read from disk instead: they hold what does not fit in memory. `sync()` makes them durable too.
 *
 * Opening replays the log. A torn final record, what a crash in the middle of an append leaves, is
 * cut off. Any other record that does not verify (valid records after it, or a file that is not a log
 * at all) is refused with a StorageError naming the file and offset, changing nothing: dropping it
 * and everything after would lose synced writes. `FileStorage.repair` salvages such a store. When the
 * log grows past `compactAboveBytes` and twice the live data, its live entries are rewritten to a new
 * file that replaces it atomically. See docs/storage.md for what survives `kill -9`.
 */
export class FileStorage implements Storage {
  private pending: Uint8Array[] = []
  private atomicDirty = false
  private fd: number
  private readonly logPath: string
  private readonly atomicPrefixes: readonly string[]
  private readonly compactAboveBytes: number
  /** The live entries' size as compaction would write them (roughly), kept up to date by every write. */
  private liveBytes = 0
  private readonly logs = new Map<string, FileLog>()
  private readonly blobStores = new Map<string, FileBlobs>()
  private readonly limits: StoreLimits

  private constructor(
    private readonly dir: string,
    options: FileStorageOptions,
    private readonly live: Map<string, Uint8Array>,
    private readonly atomic: Map<string, Uint8Array>,
    private fileBytes: number,
    /** Bytes of a torn final record cut off at open (0 when the log ended cleanly). */
    readonly tornBytesCut: number,
  ) {
    this.logPath = join(dir, LOG_FILE)
    this.atomicPrefixes = options.atomicPrefixes ?? DEFAULT_ATOMIC_PREFIXES
    this.compactAboveBytes = options.compactAboveBytes ?? DEFAULT_COMPACT_ABOVE_BYTES
    this.limits = options.limits ?? DEFAULT_STORE_LIMITS
    for (const [key, value] of live) this.liveBytes += entryBytes(key, value)
    const created = !existsSync(this.logPath)
    this.fd = openSync(this.logPath, 'a+', 0o600)
    if (created) fsyncDirectory(dir)
    if (tornBytesCut > 0) {
      ftruncateSync(this.fd, fileBytes)
      fsyncSync(this.fd)
    }
  }

  /**
   * Opens (or creates) the store in directory `dir`. Throws a StorageError (reason `damaged`) when a
   * file does not verify where a crash could not have left it; nothing is changed then.
   */
  static open(dir: string, options: FileStorageOptions = {}): FileStorage {
    const compactAboveBytes = options.compactAboveBytes ?? DEFAULT_COMPACT_ABOVE_BYTES
    if (!(Number.isSafeInteger(compactAboveBytes) && compactAboveBytes > 0)) throw new RangeError(`compactAboveBytes must be a positive integer, got ${compactAboveBytes}`)
    const prefixes = options.atomicPrefixes ?? DEFAULT_ATOMIC_PREFIXES
    const isAtomic = (key: string) => prefixes.some((prefix) => key.startsWith(prefix))
    mkdirSync(dir, { recursive: true })
    const atomic = readAtomicFile(join(dir, ATOMIC_FILE))
    const live = new Map<string, Uint8Array>()
    const inLog = new Map<string, Uint8Array>() // keys under atomic prefixes that the log holds
    const logPath = join(dir, LOG_FILE)
    const bytes = existsSync(logPath) ? readFileSync(logPath) : Buffer.alloc(0)
    const end = replayRecords(bytes, ([key, value]) => apply(isAtomic(key) ? inLog : live, key, value))
    if (end < bytes.length) checkTornTail(bytes, end, logPath)
    for (const name of TEMPORARY_FILES) rmSync(join(dir, name), { force: true })
    const storage = new FileStorage(dir, options, live, atomic, end, bytes.length - end)
    if (inLog.size > 0) storage.moveToAtomicFile(inLog)
    return storage
  }

  /**
   * Salvages a store that `open` refused: in each of its files, keeps every record that verifies
   * (resynchronising past bad bytes), writes a fresh file and moves the original aside as
   * `NAME.damaged`. A value whose latest record was damaged comes back at the one before it (or, for
   * a damaged delete, comes back). Files that verify are left as they are. Run it with the store closed.
   */
  static repair(dir: string): StoreRepair {
    return {
      log: salvageFile(join(dir, LOG_FILE), join(dir, LOG_REPAIRING)),
      atomic: salvageFile(join(dir, ATOMIC_FILE), join(dir, ATOMIC_REPAIRING)),
    }
  }

  get(key: string): Uint8Array | undefined {
    return (this.isAtomic(key) ? this.atomic : this.live).get(key)?.slice()
  }

  put(key: string, value: Uint8Array): void {
    this.write(key, value.slice())
  }

  delete(key: string): void {
    this.write(key, null)
  }

  keys(prefix = ''): string[] {
    return [...this.live.keys(), ...this.atomic.keys()].filter((k) => k.startsWith(prefix)).sort()
  }

  /**
   * The log `name`, opened (its index rebuilt, a torn tail cut) on first use. Throws StorageError
   * 'damaged' when its file does not verify where a crash could not have left it.
   */
  log(name: string): AppendLog {
    checkStoreName(name)
    let log = this.logs.get(name)
    if (log === undefined) {
      log = FileLog.open(join(this.subdirectory(LOGS), `${fileName(name)}.log`), this.limits)
      this.logs.set(name, log)
    }
    return log
  }

  blobs(name: string): BlobStore {
    checkStoreName(name)
    let blobs = this.blobStores.get(name)
    if (blobs === undefined) {
      blobs = FileBlobs.open(join(this.subdirectory(BLOBS), fileName(name)), this.limits)
      this.blobStores.set(name, blobs)
    }
    return blobs
  }

  // Blobs first, then logs, then the key-value files: a record naming a blob is never durable before the
  // blob, even when a sync fails part way. The atomic file goes before the key-value log:
  // moveToAtomicFile relies on it being durable before the log records that the keys left the log.
  sync(): void {
    for (const blobs of this.blobStores.values()) blobs.sync()
    for (const log of this.logs.values()) log.sync()
    if (this.atomicDirty) {
      replaceFileAtomically(join(this.dir, ATOMIC_FILE), encodeEntries(this.atomic), join(this.dir, ATOMIC_REPLACING))
      this.atomicDirty = false
    }
    if (this.pending.length > 0) this.append(Buffer.concat(this.pending))
    if (this.fileBytes > this.compactAboveBytes && this.fileBytes > 2 * this.liveBytes) this.compact()
  }

  /** Syncs and closes the file. */
  close(): void {
    this.sync()
    closeSync(this.fd)
    for (const log of this.logs.values()) log.close()
  }

  private subdirectory(name: string): string {
    const path = join(this.dir, name)
    if (!existsSync(path)) {
      mkdirSync(path)
      fsyncDirectory(this.dir)
    }
    return path
  }

  private write(key: string, value: Uint8Array | null): void {
    if (this.isAtomic(key)) {
      apply(this.atomic, key, value)
      this.atomicDirty = true
    } else {
      const old = this.live.get(key)
      if (old !== undefined) this.liveBytes -= entryBytes(key, old)
      if (value !== null) this.liveBytes += entryBytes(key, value)
      apply(this.live, key, value)
      this.pending.push(encodeRecord(key, value))
    }
  }

  // A key the atomic file holds stays there until deleted, even under a prefix since removed, so it is
  // always found where it is.
  private isAtomic(key: string): boolean {
    return this.atomic.has(key) || this.atomicPrefixes.some((prefix) => key.startsWith(prefix))
  }

  /**
   * Keys under atomic prefixes found in the log (a store from before the atomic file, or a prefix
   * added since) move out of it at open: the atomic file takes those it lacks (what it holds is newer),
   * then the log records their deletion, in that order (see sync). A crash in between leaves them in
   * both, and the next open does this again; once done, no stale copy in the log can come back after
   * the key is deleted from the atomic file.
   */
  private moveToAtomicFile(inLog: Map<string, Uint8Array>): void {
    for (const [key, value] of inLog) {
      if (!this.atomic.has(key)) {
        this.atomic.set(key, value)
        this.atomicDirty = true
      }
      this.pending.push(encodeRecord(key, null))
    }
    this.sync()
  }

  // The pending records stay pending until they are on disk (a failed append is cut back off).
  private append(batch: Buffer): void {
    appendSynced(this.fd, batch, this.fileBytes)
    this.pending = []
    this.fileBytes += batch.length
  }

  private compact(): void {
    const snapshot = encodeEntries(this.live)
    replaceFileAtomically(this.logPath, snapshot, join(this.dir, COMPACTING))
    closeSync(this.fd)
    this.fd = openSync(this.logPath, 'a+', 0o600)
    this.fileBytes = snapshot.length
  }
}

const entryBytes = (key: string, value: Uint8Array) => key.length + value.length + 16

function apply(map: Map<string, Uint8Array>, key: string, value: Uint8Array | null): void {
  if (value === null) map.delete(key)
  else map.set(key, value)
}

/** The atomic file's entries (none when there is no file). It is written whole, so any damage is refused. */
function readAtomicFile(path: string): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>()
  if (!existsSync(path)) return entries
  const bytes = readFileSync(path)
  const end = replayRecords(bytes, ([key, value]) => apply(entries, key, value))
  if (end < bytes.length) throw damaged(path, end, bytes.length, 'this file is replaced whole, so no crash leaves it so')
  return entries
}
