import sodium from 'sodium-native'
import { asBuffer } from './bytes.ts'
import { blake2b } from './hash.ts'

export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

/** An Ed25519 detached signature of `message` (libsodium's crypto_sign_detached). */
export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  if (secretKey.length !== sodium.crypto_sign_SECRETKEYBYTES) {
    throw new RangeError(`an Ed25519 secret key is ${sodium.crypto_sign_SECRETKEYBYTES} bytes, got ${secretKey.length}`)
  }
  const signature = Buffer.alloc(SIGNATURE_BYTES)
  sodium.crypto_sign_detached(signature, asBuffer(message), asBuffer(secretKey))
  return signature
}

/**
 * Whether `signature` is `publicKey`'s Ed25519 signature of `message`. Input from the network goes
 * straight in: wrong lengths and invalid points give false, never an exception.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false
  return sodium.crypto_sign_verify_detached(asBuffer(signature), asBuffer(message), asBuffer(publicKey))
}

/**
 * Signature verification with a bounded memo of results. Verification is a pure function of (key,
 * message, signature), so its answer may be reused: in a simulation one broadcast is verified by
 * thousands of nodes, and the memo turns all but the first into a BLAKE2b of the triple (~30× cheaper
 * than a verification; see bench/ed25519). The memo evicts its oldest entry once full.
 */
export class SignatureVerifier {
  private readonly memo = new Map<string, boolean>()
  hits = 0
  misses = 0

  constructor(private readonly capacity = 65_536) {}

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false
    const key = memoKey(publicKey, message, signature)
    const known = this.memo.get(key)
    if (known !== undefined) {
      this.hits++
      return known
    }
    this.misses++
    const valid = verify(publicKey, message, signature)
    if (this.memo.size >= this.capacity) this.memo.delete(this.memo.keys().next().value as string)
    this.memo.set(key, valid)
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
  return blake2b(input, 16).toString('latin1')
}
