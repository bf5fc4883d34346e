import { isWholeRecordWithBadLength, nextRecordStart, readRecord } from './record-log.ts'
import { StorageError } from './storage-error.ts'

/**
 * A file of records (runtime/record-log.ts) stops verifying at `end` of `bytes`, which start at byte
 * `base` of the file at `path`. That is a torn final record, what an interrupted append leaves, only
 * when the bytes left are fewer than the record says, no whole record follows, and they are not a whole
 * record whose length field alone was damaged: then this returns, and the caller cuts it off. Anything
 * else would drop synced writes: it throws StorageError 'damaged', naming the file and offset.
 */
export function checkTornTail(bytes: Buffer, end: number, path: string, base = 0): void {
  const record = readRecord(bytes, end)
  const following = nextRecordStart(bytes, end + 1)
  const short = record.entry === undefined && record.short
  if (short && following === undefined && !isWholeRecordWithBadLength(bytes, end)) return
  const why =
    following !== undefined
      ? `valid records follow it (the next at byte ${base + following}), so cutting the log there would drop synced writes`
      : base + end === 0
        ? 'no record verifies at all: this is not a store log (zero-filled, or overwritten)'
        : 'it is not what an interrupted append leaves'
  throw damaged(path, base + end, base + bytes.length, why)
}

export function damaged(path: string, offset: number, size: number, why: string): StorageError {
  return new StorageError('damaged', `${path} is damaged at byte ${offset} of ${size}: ${why}; it was left as it is`, path, offset)
}
