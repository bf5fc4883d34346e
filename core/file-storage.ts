import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { Result, Schema } from 'effect'
import { decodeFrame, encode } from './codec.ts'
import type { Storage } from './storage.ts'

const Entry = Schema.Tuple([Schema.String, Schema.NullOr(Schema.Uint8Array)])
const HEADER_BYTES = 4
const TRAILER_BYTES = 4
const COMPACT_ABOVE_BYTES = 4 << 20

/**
 * Durable Storage in one append-only log file: a record per write (length, msgpack [key, value or
 * null], CRC-32), appended and fsynced by `sync()`, so that when `sync()` returns the writes are on
 * disk, which is the Storage contract, kept synchronously. (LevelDB through classic-level only syncs
 * asynchronously; see docs/runtime.md and `vain bench storage`.) All live entries are also held in
 * memory, which suits an actor's state: reads never touch the disk.
 *
 * Opening replays the log and stops at the first torn or corrupt record, the tail a crash in the middle
 * of an append can leave, and cuts it off. When the log grows past 4 MiB and twice the live data, it
 * is compacted: the live entries are written to a new file, fsynced, and renamed over the old one.
 */
export class FileStorage implements Storage {
  private readonly live = new Map<string, Uint8Array>()
  private pending: Uint8Array[] = []
  private fd: number
  private fileBytes = 0

  private constructor(private readonly path: string) {
    this.fd = openSync(path, 'a+', 0o600)
  }

  /** Opens (or creates) the store in directory `dir`. */
  static open(dir: string): FileStorage {
    mkdirSync(dir, { recursive: true })
    const storage = new FileStorage(join(dir, 'store.log'))
    storage.replay()
    return storage
  }

  get(key: string): Uint8Array | undefined {
    return this.live.get(key)?.slice()
  }

  put(key: string, value: Uint8Array): void {
    const copy = value.slice()
    this.live.set(key, copy)
    this.pending.push(record(key, copy))
  }

  delete(key: string): void {
    this.live.delete(key)
    this.pending.push(record(key, null))
  }

  keys(prefix = ''): string[] {
    return [...this.live.keys()].filter((k) => k.startsWith(prefix)).sort()
  }

  sync(): void {
    if (this.pending.length === 0) return
    const batch = Buffer.concat(this.pending)
    this.pending = []
    writeAll(this.fd, batch)
    fsyncSync(this.fd)
    this.fileBytes += batch.length
    if (this.fileBytes > COMPACT_ABOVE_BYTES && this.fileBytes > 2 * this.measureLive()) this.compact()
  }

  /** Syncs and closes the file. */
  close(): void {
    this.sync()
    closeSync(this.fd)
  }

  private replay(): void {
    const bytes = readFileSync(this.path)
    let at = 0
    while (at + HEADER_BYTES <= bytes.length) {
      const length = bytes.readUInt32BE(at)
      const end = at + HEADER_BYTES + length + TRAILER_BYTES
      if (end > bytes.length) break
      const payload = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)
      if (crc32(payload) !== bytes.readUInt32BE(end - TRAILER_BYTES)) break
      const entry = decodeFrame(payload, Entry, Number.MAX_SAFE_INTEGER)
      if (Result.isFailure(entry)) break
      const [key, value] = entry.success
      if (value === null) this.live.delete(key)
      else this.live.set(key, value)
      at = end
    }
    if (at < bytes.length) {
      ftruncateSync(this.fd, at) // a torn or corrupt tail: what a crash mid-append leaves
      fsyncSync(this.fd)
    }
    this.fileBytes = at
  }

  private measureLive(): number {
    let bytes = 0
    for (const [key, value] of this.live) bytes += key.length + value.length + 16
    return bytes
  }

  private compact(): void {
    const temporary = `${this.path}.compacting`
    const fd = openSync(temporary, 'w', 0o600)
    const snapshot = Buffer.concat([...this.live].map(([key, value]) => record(key, value)))
    writeAll(fd, snapshot)
    fsyncSync(fd)
    closeSync(fd)
    renameSync(temporary, this.path)
    closeSync(this.fd)
    this.fd = openSync(this.path, 'a+', 0o600)
    const dir = openSync(join(this.path, '..'), 'r')
    fsyncSync(dir)
    closeSync(dir)
    this.fileBytes = snapshot.length
  }
}

function record(key: string, value: Uint8Array | null): Uint8Array {
  const payload = encode([key, value])
  const out = Buffer.alloc(HEADER_BYTES + payload.length + TRAILER_BYTES)
  out.writeUInt32BE(payload.length, 0)
  out.set(payload, HEADER_BYTES)
  out.writeUInt32BE(crc32(payload), HEADER_BYTES + payload.length)
  return out
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0
  while (written < bytes.length) written += writeSync(fd, bytes, written)
}
