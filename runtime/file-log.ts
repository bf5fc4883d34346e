import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync } from 'node:fs'
import { dirname } from 'node:path'
import { checkIndex, checkRecord, StoreError, type AppendLog, type StoreLimits } from '../core/storage.ts'
import { appendSynced, fsyncDirectory } from './atomic-file.ts'
import { checkTornTail } from './file-log-tail.ts'
import { encodeRecord, readRecord } from './record-log.ts'

/**
 * Opening reads the file in windows of this size (or of one record, if larger), never the whole file:
 * big enough that a scan costs few reads, small beside a node's memory.
 */
export const SCAN_WINDOW_BYTES = 4 << 20

/** Record starts, 8 bytes each: a log's only state in memory beyond its un-synced appends. */
class Offsets {
  private starts = new Float64Array(1024)
  length = 0

  push(offset: number): void {
    if (this.length === this.starts.length) {
      const grown = new Float64Array(this.starts.length * 2)
      grown.set(this.starts)
      this.starts = grown
    }
    this.starts[this.length++] = offset
  }

  at(index: number): number {
    return this.starts[index] as number
  }
}

/**
 * An AppendLog in one file of records in FileStorage's format (runtime/record-log.ts; a record is
 * `['', bytes]`, so the store's torn-tail rules and repair apply as they are). Opening scans the file
 * window by window to rebuild the index of record starts, cutting a torn final record and refusing any
 * other damage (StorageError 'damaged', nothing changed). Appends wait in memory until `sync()`, which
 * appends them in one write and fsyncs; a read of a synced record is one positioned read of the file.
 */
export class FileLog implements AppendLog {
  private pending: { readonly record: Uint8Array; readonly encoded: Uint8Array }[] = []

  private constructor(
    private readonly path: string,
    private readonly fd: number,
    private readonly offsets: Offsets,
    /** The end of the last whole record on disk. */
    private fileBytes: number,
    private readonly limits: StoreLimits,
    /** Bytes of a torn final record cut off at open. */
    readonly tornBytesCut: number,
  ) {}

  static open(path: string, limits: StoreLimits): FileLog {
    const created = !existsSync(path)
    const fd = openSync(path, 'a+', 0o600)
    try {
      if (created) fsyncDirectory(dirname(path))
      const size = fstatSync(fd).size
      const offsets = new Offsets()
      const end = scan(fd, size, path, offsets)
      if (end < size) {
        ftruncateSync(fd, end)
        fsyncSync(fd)
      }
      return new FileLog(path, fd, offsets, end, limits, size - end)
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }

  get length(): number {
    return this.offsets.length + this.pending.length
  }

  append(record: Uint8Array): number {
    checkRecord(record, this.limits)
    const copy = record.slice()
    this.pending.push({ record: copy, encoded: encodeRecord('', copy) })
    return this.length - 1
  }

  get(index: number): Uint8Array | undefined {
    checkIndex(index)
    const synced = this.offsets.length
    if (index >= synced) return this.pending[index - synced]?.record.slice()
    const start = this.offsets.at(index)
    const end = index + 1 < synced ? this.offsets.at(index + 1) : this.fileBytes
    const bytes = Buffer.alloc(end - start)
    const read = readSync(this.fd, bytes, 0, bytes.length, start)
    const found = readRecord(bytes.subarray(0, read), 0)
    if (found.entry === undefined || found.entry[1] === null) {
      throw new StoreError('corrupt', `record ${index} of ${this.path} (byte ${start}) no longer verifies: it was not returned`)
    }
    return Uint8Array.from(found.entry[1])
  }

  /** Appends the pending records in one write and fsyncs; a failed write is cut back off and they stay pending. */
  sync(): void {
    if (this.pending.length === 0) return
    const batch = Buffer.concat(this.pending.map((p) => p.encoded))
    appendSynced(this.fd, batch, this.fileBytes)
    for (const { encoded } of this.pending) {
      this.offsets.push(this.fileBytes)
      this.fileBytes += encoded.length
    }
    this.pending = []
  }

  close(): void {
    closeSync(this.fd)
  }
}

/**
 * Indexes the records of the file from its start, window by window; returns where the last whole
 * record ends. A record that does not verify is checked as a torn tail (checkTornTail throws for
 * anything else) with the rest of the file read: only on that path, and only from the bad record on.
 */
function scan(fd: number, size: number, path: string, offsets: Offsets): number {
  let at = 0
  while (at < size) {
    const window = readAt(fd, at, Math.min(size - at, SCAN_WINDOW_BYTES))
    let pos = 0
    for (let next = readRecord(window, pos); next.entry !== undefined; next = readRecord(window, pos)) {
      offsets.push(at + pos)
      pos = next.end
    }
    const windowIsTail = at + window.length === size
    if (pos === 0 && !windowIsTail) {
      // One record longer than a window, or damage: read the rest and look again from here.
      const rest = readAt(fd, at, size - at)
      for (let next = readRecord(rest, pos); next.entry !== undefined; next = readRecord(rest, pos)) {
        offsets.push(at + pos)
        pos = next.end
      }
      if (pos < rest.length) checkTornTail(rest, pos, path, at)
      return at + pos
    }
    if (windowIsTail && pos < window.length) {
      checkTornTail(window, pos, path, at)
      return at + pos
    }
    at += pos
  }
  return at
}

function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const read = readSync(fd, bytes, done, length - done, position + done)
    if (read === 0) break
    done += read
  }
  return bytes.subarray(0, done)
}
