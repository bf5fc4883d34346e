import { createHmac } from 'node:crypto'
import sodium from 'sodium-native'
import { asBuffer } from './bytes.ts'

/** An Ed25519 key pair: 32-byte public key, 64-byte libsodium secret key (seed ‖ public key). */
export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array
  readonly secretKey: Uint8Array
}

/** The Ed25519 key pair of a 32-byte seed (libsodium's crypto_sign_seed_keypair). Deterministic. */
export function ed25519FromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== sodium.crypto_sign_SEEDBYTES) throw new RangeError(`an Ed25519 seed is ${sodium.crypto_sign_SEEDBYTES} bytes, got ${seed.length}`)
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES)
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, Buffer.from(seed))
  return { publicKey, secretKey }
}

/**
 * HMAC-SHA512. libsodium's one-shot HMAC-SHA512 takes only 32-byte keys and sodium-native does not
 * expose its streaming form, so this uses Node's (OpenSSL's); it is a pure function.
 */
export function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createHmac('sha512', key).update(data).digest()
}

/**
 * Whether `publicKey` may stand for an identity: the canonical encoding of a point on the curve, in its
 * prime-order subgroup and not of small order (libsodium's crypto_core_ed25519_is_valid_point, which
 * checks all four). Every honest Ed25519 key, a·B, is such a point. A key with a torsion component
 * (A + T, T of order 2, 4 or 8) is not: one secret would then stand for eight identities, a
 * cofactorless check accepts its holder's signatures only for some challenges, and a proof over
 * ristretto255 (which identifies points that differ by 4-torsion) would prove a statement about another
 * point. Never throws; costs about one scalar multiplication (~28 µs, ≈ 0.8 of a verification).
 */
export function isPrimeOrderKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== sodium.crypto_core_ed25519_BYTES) return false
  return sodium.crypto_core_ed25519_is_valid_point(asBuffer(publicKey))
}
