import { crc32 } from 'node:zlib'
import { Result, Schema } from 'effect'
import { decodeFrame, encode } from '../core/codec.ts'

/**
 * The record format of FileStorage's files: per write, a 4-byte big-endian payload length, the
 * payload (msgpack `[key, value | null]`, null for a delete), and the payload's CRC-32. This module
 * reads and writes records; what to do with a bad one is the caller's decision.
 */
export type Entry = readonly [key: string, value: Uint8Array | null]

const EntrySchema = Schema.Tuple([Schema.String, Schema.NullOr(Schema.Uint8Array)])
const HEADER_BYTES = 4
const TRAILER_BYTES = 4
// Every payload is a msgpack array of two, so it starts with this byte: a cheap first test when
// resynchronising past damage, before a CRC over bytes that cannot be a record.
const FIXARRAY_OF_TWO = 0x92

export function encodeRecord(key: string, value: Uint8Array | null): Uint8Array {
  const payload = encode([key, value])
  const out = Buffer.alloc(HEADER_BYTES + payload.length + TRAILER_BYTES)
  out.writeUInt32BE(payload.length, 0)
  out.set(payload, HEADER_BYTES)
  out.writeUInt32BE(crc32(payload), HEADER_BYTES + payload.length)
  return out
}

/** The bytes of a log holding `entries`, one record each. */
export function encodeEntries(entries: Iterable<readonly [string, Uint8Array]>): Buffer {
  return Buffer.concat([...entries].map(([key, value]) => encodeRecord(key, value)))
}

/**
 * The record starting at `at`: its entry and end, or, when none verifies there, whether the bytes
 * left are too few for the record's header or its declared length (`short`: what an interrupted
 * append leaves).
 */
export type ReadRecord = { readonly entry: Entry; readonly end: number } | { readonly entry: undefined; readonly short: boolean }

export function readRecord(bytes: Buffer, at: number): ReadRecord {
  if (at + HEADER_BYTES > bytes.length) return { entry: undefined, short: true }
  const end = at + HEADER_BYTES + bytes.readUInt32BE(at) + TRAILER_BYTES
  if (end > bytes.length) return { entry: undefined, short: couldBeCutShort(bytes, at) }
  const entry = verify(bytes, at + HEADER_BYTES, end - TRAILER_BYTES)
  return entry === undefined ? { entry: undefined, short: false } : { entry, end }
}

// Whether the bytes from `at` could be the start of a record whose append was interrupted: what is
// there of the payload must begin as every payload does, a msgpack array of two whose first item is the
// key, a string. Anything else under a length that runs past the end is damage, not a torn append: a
// file overwritten with other bytes must be refused, not cut to nothing as if it were one record torn.
function couldBeCutShort(bytes: Buffer, at: number): boolean {
  const first = bytes[at + HEADER_BYTES]
  if (first === undefined) return true
  if (first !== FIXARRAY_OF_TWO) return false
  const key = bytes[at + HEADER_BYTES + 1]
  return key === undefined || (key >= 0xa0 && key <= 0xbf) || (key >= 0xd9 && key <= 0xdb) // fixstr, str 8/16/32
}

/** Applies records from the start of `bytes` until one does not verify; returns where that one starts. */
export function replayRecords(bytes: Buffer, apply: (entry: Entry) => void): number {
  let at = 0
  for (let next = readRecord(bytes, at); next.entry !== undefined; next = readRecord(bytes, at)) {
    apply(next.entry)
    at = next.end
  }
  return at
}

/** The first offset at or after `from` where a whole record verifies, if any: resynchronisation. */
export function nextRecordStart(bytes: Buffer, from: number): number | undefined {
  for (let at = from; at + HEADER_BYTES + TRAILER_BYTES < bytes.length; at++) {
    if (bytes[at + HEADER_BYTES] !== FIXARRAY_OF_TWO) continue
    if (readRecord(bytes, at).entry !== undefined) return at
  }
  return undefined
}

/**
 * Whether the bytes from `at` to the end are one whole record under their own length: a record whose
 * length field alone was damaged, which must not pass for an interrupted append.
 */
export function isWholeRecordWithBadLength(bytes: Buffer, at: number): boolean {
  return bytes.length - at >= HEADER_BYTES + TRAILER_BYTES && verify(bytes, at + HEADER_BYTES, bytes.length - TRAILER_BYTES) !== undefined
}

function verify(bytes: Buffer, start: number, end: number): Entry | undefined {
  const payload = bytes.subarray(start, end)
  if (payload[0] !== FIXARRAY_OF_TWO || crc32(payload) !== bytes.readUInt32BE(end)) return undefined
  const entry = decodeFrame(payload, EntrySchema, Number.MAX_SAFE_INTEGER)
  return Result.isSuccess(entry) ? entry.success : undefined
}
