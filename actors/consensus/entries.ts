import { Result, Schema } from 'effect'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame } from '../../core/codec.ts'
import { blake2b } from '../../core/hash.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import type { Committee } from './committee.ts'
import { EVIDENCE_KIND, Evidence, evidenceFlaw, evidenceKey, type EvidenceFlaw } from './evidence.ts'
import { MAX_ENTRY_BYTES } from './messages.ts'

/**
 * What a block's entries are, so that a ledger (issue 14) tells their kinds apart. An entry is a byte
 * string of at most MAX_ENTRY_BYTES. A **typed entry** is the MessagePack encoding of a map whose `kind`
 * field is a string: `{ kind: 'evidence', … }` (evidence.ts) is the one kind consensus itself reads, and
 * a block holding an evidence entry that does not verify is not valid. Every other entry (bytes that do
 * not decode to such a map, or a kind consensus does not know: the ledger's own events) is opaque to
 * consensus and goes to the log as it is. So an application must not tag its entries `kind: 'evidence'`
 * unless they are evidence; the other `kind` values are the ledger's to allot.
 */

/** Just the tag of a typed entry; the rest of the map is read by the kind's own schema. */
const Tagged = Schema.Struct({ kind: Schema.String })

/** What an entry is to consensus. */
export type EntryReading =
  | { readonly kind: 'evidence'; readonly evidence: Evidence }
  /** Tagged evidence that does not decode as evidence: a block that holds it is not valid. */
  | { readonly kind: 'malformed-evidence'; readonly detail: string }
  /** Anything else: the application's (or the ledger's), opaque here. */
  | { readonly kind: 'other' }

const OTHER: EntryReading = { kind: 'other' }

/**
 * Whether `entry` may be a MessagePack map (fixmap 0x80–0x8f, map16 0xde, map32 0xdf): every typed
 * entry is one. Anything else is read as `other` without decoding it, since a refused decode builds an
 * error and its message (measured: with every node reading every entry, it nearly doubled a 16-member
 * run's CPU time, 3.5 s to 6.6 s).
 */
function mayBeMap(entry: Uint8Array): boolean {
  const first = entry[0]
  return first !== undefined && ((first & 0xf0) === 0x80 || first === 0xde || first === 0xdf)
}

export function readEntry(entry: Uint8Array): EntryReading {
  if (!mayBeMap(entry)) return OTHER
  const tagged = decodeFrame(entry, Tagged, MAX_ENTRY_BYTES)
  if (Result.isFailure(tagged) || tagged.success.kind !== EVIDENCE_KIND) return OTHER
  const evidence = decodeFrame(entry, Evidence, MAX_ENTRY_BYTES)
  return Result.isSuccess(evidence) ? { kind: 'evidence', evidence: evidence.success } : { kind: 'malformed-evidence', detail: evidence.failure.message }
}

/** Why an entry may not be in a block. */
export type EntryFlaw = 'too-large' | 'malformed-evidence' | EvidenceFlaw

/** Why `entry` may not be in a block of `committee`'s, or undefined when it may (every block's entries are checked with it). */
export function entryFlaw(entry: Uint8Array, committee: Committee, verifier?: SignatureVerifier, reading: EntryReading = readEntry(entry)): EntryFlaw | undefined {
  if (entry.length > MAX_ENTRY_BYTES) return 'too-large'
  if (reading.kind === 'malformed-evidence') return 'malformed-evidence'
  return reading.kind === 'evidence' ? evidenceFlaw(reading.evidence, committee, verifier) : undefined
}

/**
 * What a pool dedupes an entry by: evidence by its offender, height and round (one piece per round is
 * enough, whoever reported it and whichever pair it holds), any other entry by its BLAKE2b hash, so
 * the same bytes submitted twice are one entry.
 */
export function entryKey(entry: Uint8Array, reading: EntryReading = readEntry(entry)): string {
  return reading.kind === 'evidence' ? `evidence:${evidenceKey(reading.evidence)}` : `entry:${toHex(blake2b(entry))}`
}
