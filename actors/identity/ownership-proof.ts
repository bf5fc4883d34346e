import { ed25519, ristretto255 } from '@noble/curves/ed25519.js'
import { concatBytes } from '../../core/bytes.ts'
import { blake2b } from '../../core/hash.ts'
import { isPrimeOrderKey } from '../../core/keys.ts'

/**
 * A zero-knowledge proof that the prover knows the secret of an Ed25519 public key, without signing
 * anything: a non-interactive Schnorr proof of knowledge of the discrete log (Fiat–Shamir) over
 * ristretto255, the prime-order group of Curve25519 (RFC 9496).
 *
 * An honest Ed25519 public key A is a·B for the clamped secret scalar a, and ristretto255 encodes the
 * same group element, so the statement is "I know a with a·B = A". The proof is R ‖ s (64 bytes):
 *   k = H(nonce domain, secret prefix, entropy, A, context) mod ℓ   (hedged: safe with weak entropy)
 *   R = k·B,  c = H(challenge domain, A, R, context) mod ℓ,  s = k + c·a mod ℓ
 * and it verifies when s·B = R + c·A. `context` binds the proof to one verifier's challenge, so a proof
 * overheard on the wire cannot be replayed to anyone else.
 *
 * The key must be a prime-order point (isPrimeOrderKey). ristretto255 identifies Edwards points that
 * differ by 4-torsion, so for a key with a torsion component T the equation is checked only up to
 * torsion: c·T is 4-torsion, which counts as zero, for every c when T's order is 2 or 4 and every even c
 * when it is 8. Then s·B = R + c·A holds for R = s·B with no secret at all (a forged proof for an
 * order-8 point passed for every even c), and the holder of a proves "ownership" of a·B + T, another
 * identity.
 *
 * libsodium has ristretto255, but sodium-native does not bind it; this uses @noble/curves (audited,
 * constant-time where it matters) rather than hand-written field arithmetic.
 */
export const OWNERSHIP_PROOF_BYTES = 64

const Point = ristretto255.Point
const ORDER = Point.Fn.ORDER
const NONCE_DOMAIN = new TextEncoder().encode('vain.ownership-proof.nonce.v1')
const CHALLENGE_DOMAIN = new TextEncoder().encode('vain.ownership-proof.challenge.v1')

/** Proves knowledge of the secret behind the Ed25519 key of `seed` (32 bytes), for `context`. */
export function proveOwnership(seed: Uint8Array, context: Uint8Array, entropy: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`)
  const { scalar, prefix, pointBytes } = ed25519.utils.getExtendedPublicKey(seed)
  const a = scalar % ORDER
  const k = hashToScalar(NONCE_DOMAIN, prefix, lengthPrefixed(entropy), pointBytes, lengthPrefixed(context))
  const R = Point.BASE.multiply(k === 0n ? 1n : k).toBytes()
  const c = hashToScalar(CHALLENGE_DOMAIN, pointBytes, R, lengthPrefixed(context))
  const s = Point.Fn.create(k + c * a)
  return concatBytes(R, Point.Fn.toBytes(s))
}

/** Whether `proof` shows knowledge of the secret of Ed25519 key `publicKey` for `context`. Never throws. */
export function verifyOwnership(publicKey: Uint8Array, context: Uint8Array, proof: Uint8Array): boolean {
  if (proof.length !== OWNERSHIP_PROOF_BYTES || !isPrimeOrderKey(publicKey)) return false
  const sBytes = proof.subarray(32)
  const s = littleEndian(sBytes)
  if (s >= ORDER) return false // non-canonical scalars would make proofs malleable
  try {
    const A = new Point(ed25519.Point.fromBytes(publicKey))
    const R = Point.fromBytes(proof.subarray(0, 32))
    const c = hashToScalar(CHALLENGE_DOMAIN, publicKey, proof.subarray(0, 32), lengthPrefixed(context))
    const lhs = s === 0n ? Point.ZERO : Point.BASE.multiply(s)
    const rhs = c === 0n ? R : R.add(A.multiply(c))
    return lhs.equals(rhs)
  } catch {
    return false // not a point, or not a canonical encoding
  }
}

function hashToScalar(...parts: Uint8Array[]): bigint {
  return littleEndian(blake2b(concatBytes(...parts), 64)) % ORDER
}

function lengthPrefixed(data: Uint8Array): Uint8Array {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  return concatBytes(length, data)
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!)
  return value
}
