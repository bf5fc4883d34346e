import { Schema } from 'effect'

/** Exactly `n` bytes (keys, signatures, nonces). */
export const exactBytes = (n: number) => Schema.Uint8Array.check(Schema.isBetweenLength(n, n))

/** At most `max` bytes (payloads carried inside other messages). */
export const boundedBytes = (max: number) => Schema.Uint8Array.check(Schema.isMaxLength(max))

/** A non-negative safe integer (sequence numbers, epochs, counts). */
export const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER))

/** An Ed25519 public key. */
export const PublicKey = exactBytes(32)

/** An Ed25519 signature. */
export const Signature = exactBytes(64)
