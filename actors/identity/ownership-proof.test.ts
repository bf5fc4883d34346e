import { ed25519, ristretto255 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blake2b } from '../../core/hash.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { SMALL_ORDER_POINTS, withTorsion } from '../../core/torsion.fixtures.ts'
import { OWNERSHIP_PROOF_BYTES, proveOwnership, verifyOwnership } from './ownership-proof.ts'

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })

describe('proof of key ownership (Schnorr over ristretto255)', () => {
  it('verifies for the prover’s own key and context', () => {
    fc.assert(
      fc.property(bytes(32), fc.uint8Array({ maxLength: 64 }), bytes(32), (seed, context, entropy) => {
        const proof = proveOwnership(seed, context, entropy)
        expect(proof.length).toBe(OWNERSHIP_PROOF_BYTES)
        expect(verifyOwnership(ed25519FromSeed(seed).publicKey, context, proof)).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  it('rejects any single flipped bit of the proof, the key or the context', () => {
    fc.assert(
      fc.property(bytes(32), bytes(16), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.constantFrom('proof', 'key', 'context'), (seed, context, at, bit, target) => {
        const key = Buffer.from(ed25519FromSeed(seed).publicKey)
        const proof = Buffer.from(proveOwnership(seed, context, new Uint8Array(32)))
        const ctx = Buffer.from(context)
        const victim = target === 'proof' ? proof : target === 'key' ? key : ctx
        victim[at % victim.length]! ^= 1 << bit
        expect(verifyOwnership(key, ctx, proof)).toBe(false)
      }),
      { numRuns: 150 },
    )
  })

  it('does not verify for another key, and rejects garbage without throwing', () => {
    const proof = proveOwnership(new Uint8Array(32).fill(1), new Uint8Array(0), new Uint8Array(32))
    expect(verifyOwnership(ed25519FromSeed(new Uint8Array(32).fill(2)).publicKey, new Uint8Array(0), proof)).toBe(false)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }), (key, junk) => {
        expect(verifyOwnership(key, new Uint8Array(0), junk)).toBe(false)
      }),
    )
  })

  it('is zero-knowledge in form: fresh entropy gives an unlinkable proof of the same statement', () => {
    const seed = new Uint8Array(32).fill(9)
    const a = proveOwnership(seed, new Uint8Array(0), new Uint8Array(32).fill(1))
    const b = proveOwnership(seed, new Uint8Array(0), new Uint8Array(32).fill(2))
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(verifyOwnership(ed25519FromSeed(seed).publicKey, new Uint8Array(0), b)).toBe(true)
  })

  it('rejects a non-canonical s (s + ℓ) that would otherwise verify', () => {
    const seed = new Uint8Array(32).fill(3)
    const proof = Buffer.from(proveOwnership(seed, new Uint8Array(0), new Uint8Array(32)))
    let s = 0n
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(proof[i]!)
    const bumped = s + 2n ** 252n + 27742317777372353535851937790883648493n
    for (let i = 32; i < 64; i++) proof[i] = Number((bumped >> BigInt(8 * (i - 32))) & 0xffn)
    expect(verifyOwnership(ed25519FromSeed(seed).publicKey, new Uint8Array(0), proof)).toBe(false)
  })

  it('refuses every forgery for the eight small-order points (R = s·B passed for an order-8 point whenever c was even)', () => {
    for (const point of SMALL_ORDER_POINTS) {
      for (let n = 1n; n <= 16n; n++) {
        const forged = Buffer.concat([Point.BASE.multiply(n).toBytes(), Point.Fn.toBytes(n)])
        expect(verifyOwnership(point, new Uint8Array(0), forged)).toBe(false)
      }
    }
  })

  it('refuses a key plus a torsion component, even proven by the holder of the key’s secret', () => {
    const seed = new Uint8Array(32).fill(4)
    const honest = ed25519FromSeed(seed).publicKey
    for (let i = 1; i < 8; i++) {
      const mixed = withTorsion(honest, i)
      for (let n = 0; n < 8; n++) expect(verifyOwnership(mixed, Uint8Array.of(n), schnorrProof(seed, mixed, Uint8Array.of(n)))).toBe(false)
    }
    expect(verifyOwnership(honest, Uint8Array.of(0), schnorrProof(seed, honest, Uint8Array.of(0)))).toBe(true) // the helper is sound
  })
})

const Point = ristretto255.Point

/** The protocol of ownership-proof.ts, run for any claimed key (proveOwnership always claims a·B). */
function schnorrProof(seed: Uint8Array, claimedKey: Uint8Array, context: Uint8Array): Uint8Array {
  const a = ed25519.utils.getExtendedPublicKey(seed).scalar % Point.Fn.ORDER
  const k = 12345n
  const R = Point.BASE.multiply(k).toBytes()
  const length = Buffer.alloc(4)
  length.writeUInt32BE(context.length)
  const digest = blake2b(Buffer.concat([new TextEncoder().encode('vain.ownership-proof.challenge.v1'), claimedKey, R, length, context]), 64)
  let c = 0n
  for (let i = digest.length - 1; i >= 0; i--) c = (c << 8n) | BigInt(digest[i]!)
  return Buffer.concat([R, Point.Fn.toBytes(Point.Fn.create(k + (c % Point.Fn.ORDER) * a))])
}
