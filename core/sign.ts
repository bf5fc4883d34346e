import sodium from 'sodium-native'
import { BoundedMap } from './bounded-map.ts'
import { asBuffer } from './bytes.ts'
import { blake2b } from './hash.ts'
import type { Signer } from './transport.ts'
import { isPrimeOrderKey } from './keys.ts'

export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

/**
 * Signature results the memo keeps: a simulation of a few thousand nodes verifies each broadcast once per
 * receiver, and 65,536 recent results cover a round of them for ~7 MB at most (one entry is a 32-byte
 * string key and a boolean in a Map, ~100 bytes).
 */
export const DEFAULT_SIGNATURE_MEMO_CAPACITY = 65_536

/**
 * Public keys whose subgroup check the verifier remembers: two per identity (root and current epoch key),
 * so 16,384 covers the peers of a large simulation and any real node's contacts (~1.6 MB at most); a
 * stranger's keys beyond it only cost their check again.
 */
export const DEFAULT_KEY_MEMO_CAPACITY = 16_384

/**
 * The memo's key: BLAKE2b-256 of the triple. 256 bits, because the memo answers `true` for whatever shares
 * a digest with a valid triple: at 128 bits a birthday search (2^64 work) finds a forged triple that
 * collides with a signed one; at 256 bits that takes 2^128.
 */
const MEMO_DIGEST_BYTES = 32

/** An Ed25519 detached signature of `message` (libsodium's crypto_sign_detached). */
export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  if (secretKey.length !== sodium.crypto_sign_SECRETKEYBYTES) {
    throw new RangeError(`an Ed25519 secret key is ${sodium.crypto_sign_SECRETKEYBYTES} bytes, got ${secretKey.length}`)
  }
  const signature = Buffer.alloc(SIGNATURE_BYTES)
  sodium.crypto_sign_detached(signature, asBuffer(message), asBuffer(secretKey))
  return signature
}

/** A key pair as a Signer (core/transport.ts): for code that takes a signer where the secret is at hand. */
export function keyPairSigner(pair: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array }): Signer {
  return { publicKey: pair.publicKey, sign: (message) => sign(pair.secretKey, message) }
}

/**
 * Whether `signature` is `publicKey`'s Ed25519 signature of `message`, by a key that may stand for an
 * identity (a prime-order point: see isPrimeOrderKey; libsodium's own check refuses small-order keys but
 * takes keys with a torsion component). Input from the network goes straight in: wrong lengths and
 * invalid points give false, never an exception.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return isPrimeOrderKey(publicKey) && signatureHolds(publicKey, message, signature)
}

function signatureHolds(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false
  return sodium.crypto_sign_verify_detached(asBuffer(signature), asBuffer(message), asBuffer(publicKey))
}

/**
 * `verify` with bounded memos: of results, and of which keys passed the subgroup check. Verification is a
 * pure function of (key, message, signature), so its answer may be reused: in a simulation one broadcast
 * is verified by thousands of nodes, and the memo turns all but the first into a BLAKE2b of the triple
 * (~25× cheaper than a verification; see bench/ed25519). A key signs many messages, so its subgroup check
 * (~0.8 of a verification) is paid once per key, not per message. Both memos are LRU (BoundedMap): what
 * a stranger sends can evict entries but never grow them past their capacity.
 */
export class SignatureVerifier {
  private readonly memo: BoundedMap<string, boolean>
  private readonly keys: BoundedMap<string, boolean>
  hits = 0
  misses = 0

  constructor(capacity = DEFAULT_SIGNATURE_MEMO_CAPACITY, keyCapacity = DEFAULT_KEY_MEMO_CAPACITY) {
    this.memo = new BoundedMap(capacity)
    this.keys = new BoundedMap(keyCapacity)
  }

  /** How many results are remembered (at most the capacity). */
  get size(): number {
    return this.memo.size
  }

  /** How many keys' subgroup checks are remembered (at most the key capacity). */
  get keysRemembered(): number {
    return this.keys.size
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false
    const key = memoKey(publicKey, message, signature)
    const known = this.memo.get(key)
    if (known !== undefined) {
      this.hits++
      return known
    }
    this.misses++
    const valid = this.isIdentityKey(publicKey) && signatureHolds(publicKey, message, signature)
    this.memo.set(key, valid)
    return valid
  }

  private isIdentityKey(publicKey: Uint8Array): boolean {
    const id = asBuffer(publicKey).toString('latin1')
    let valid = this.keys.get(id)
    if (valid === undefined) this.keys.set(id, (valid = isPrimeOrderKey(publicKey)))
    return valid
  }
}

// The triple is length-prefixed by construction (fixed-size key and signature first), so two different
// triples cannot share a preimage.
function memoKey(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): string {
  const input = Buffer.allocUnsafe(PUBLIC_KEY_BYTES + SIGNATURE_BYTES + message.length)
  input.set(publicKey, 0)
  input.set(signature, PUBLIC_KEY_BYTES)
  input.set(message, PUBLIC_KEY_BYTES + SIGNATURE_BYTES)
  return blake2b(input, MEMO_DIGEST_BYTES).toString('latin1')
}
