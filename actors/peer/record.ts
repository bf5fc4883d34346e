import { Schema } from 'effect'
import { bytesEqual, concatBytes } from '../../core/bytes.ts'
import { encode } from '../../core/codec.ts'
import { blake2b } from '../../core/hash.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import { Count, PublicKey, Signature, boundedBytes, exactBytes } from '../../core/schemas.ts'
import { ID_BYTES, asId, type NodeId } from './node-id.ts'

export const MAX_RECORD_VALUE_BYTES = 1024
export const MAX_RECORD_NAME_BYTES = 64

/**
 * A record in the DHT: `value` published by `publisher` under `name`, version `seq`, valid until
 * `expiresAt`. It lives at key BLAKE2b-256(publisher ‖ name), so only the publisher can write its own
 * keys, and every holder checks the signature before storing or serving it.
 */
export const DhtRecord = Schema.Struct({
  key: exactBytes(ID_BYTES),
  name: boundedBytes(MAX_RECORD_NAME_BYTES),
  value: boundedBytes(MAX_RECORD_VALUE_BYTES),
  publisher: PublicKey,
  seq: Count,
  expiresAt: Schema.Number.check(Schema.isFinite()),
  sig: Signature,
})
export type DhtRecord = typeof DhtRecord.Type

const DOMAIN = 'vain.dht-record.v1'

/** The DHT key of `name` published by `publisher`. */
export function recordKey(publisher: Uint8Array, name: Uint8Array): NodeId {
  return asId(blake2b(concatBytes(publisher, name), ID_BYTES))
}

function signedPart(r: Omit<DhtRecord, 'sig'>): Uint8Array {
  return encode([DOMAIN, r.key, r.name, r.value, r.publisher, r.seq, r.expiresAt])
}

/** A record signed with `sign` (the publisher's key). */
export function signRecord(
  publisher: Uint8Array,
  sign: (message: Uint8Array) => Uint8Array,
  fields: { readonly name: Uint8Array; readonly value: Uint8Array; readonly seq: number; readonly expiresAt: number },
): DhtRecord {
  const unsigned = { key: recordKey(publisher, fields.name), publisher, ...fields }
  return { ...unsigned, sig: sign(signedPart(unsigned)) }
}

/** Why a record is refused, or undefined when it may be stored and served at `now`. */
export function recordProblem(record: DhtRecord, now: number, maxTtlMs: number, verifier: SignatureVerifier): string | undefined {
  if (record.expiresAt <= now) return 'expired'
  if (record.expiresAt > now + maxTtlMs) return 'expiry too far in the future'
  if (!bytesEqual(record.key, recordKey(record.publisher, record.name))) return 'key is not BLAKE2b(publisher ‖ name)'
  if (!verifier.verify(record.publisher, signedPart(record), record.sig)) return 'bad signature'
  return undefined
}

/** Whether `a` and `b` are the same record, field by field (as held in memory, or read back from disk). */
export function sameRecord(a: DhtRecord, b: DhtRecord): boolean {
  return (
    a.seq === b.seq &&
    a.expiresAt === b.expiresAt &&
    bytesEqual(a.key, b.key) &&
    bytesEqual(a.publisher, b.publisher) &&
    bytesEqual(a.name, b.name) &&
    bytesEqual(a.value, b.value) &&
    bytesEqual(a.sig, b.sig)
  )
}
