import fc from 'fast-check'
import sodium from 'sodium-native'
import { describe, expect, it, vi } from 'vitest'
import * as hash from './hash.ts'
import { ed25519FromSeed, isPrimeOrderKey } from './keys.ts'
import { SignatureVerifier, sign, verify } from './sign.ts'
import { SMALL_ORDER_POINTS, torsionSignature, withTorsion } from './torsion.fixtures.ts'

// Wraps BLAKE2b (behaviour unchanged) so a test can see which digest length the memo asks for.
vi.mock('./hash.ts', async (original) => {
  const actual = await original<typeof import('./hash.ts')>()
  return { ...actual, blake2b: vi.fn(actual.blake2b) }
})

const keys = ed25519FromSeed(new Uint8Array(32).fill(5))

describe('Ed25519 signatures', () => {
  it('verify accepts the signer’s signature and rejects any flipped bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (message, at, bit) => {
        const signature = Buffer.from(sign(keys.secretKey, message))
        expect(verify(keys.publicKey, message, signature)).toBe(true)
        const tampered = Buffer.from(message)
        tampered[at % tampered.length]! ^= 1 << bit
        expect(verify(keys.publicKey, tampered, signature)).toBe(false)
        signature[at % 64]! ^= 1 << bit
        expect(verify(keys.publicKey, message, signature)).toBe(false)
      }),
      { numRuns: 100 },
    )
  })

  it('matches RFC 8032 test 1 (empty message)', () => {
    const rfc = ed25519FromSeed(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'))
    expect(Buffer.from(rfc.publicKey).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    expect(Buffer.from(sign(rfc.secretKey, new Uint8Array(0))).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    )
  })

  it('verify answers false, never throws, for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 70 }), (key, message, signature) => {
        expect(verify(key, message, signature)).toBe(false)
      }),
    )
  })
})

describe('keys that may stand for an identity (prime order)', () => {
  const seeds = fc.uint8Array({ minLength: 32, maxLength: 32 })

  it('every honest key is one', () => {
    fc.assert(fc.property(seeds, (seed) => {
      expect(isPrimeOrderKey(ed25519FromSeed(seed).publicKey)).toBe(true)
    }), { numRuns: 50 })
  })

  it('none of the eight small-order points, no key plus a torsion component, no non-canonical encoding or wrong length', () => {
    for (const point of SMALL_ORDER_POINTS) expect(isPrimeOrderKey(point)).toBe(false)
    fc.assert(
      fc.property(seeds, fc.integer({ min: 1, max: 7 }), (seed, i) => {
        expect(isPrimeOrderKey(withTorsion(ed25519FromSeed(seed).publicKey, i))).toBe(false)
      }),
      { numRuns: 30 },
    )
    const nonCanonical = Buffer.alloc(32, 0xff) // y = 2^255 − 1 ≥ p
    nonCanonical[31] = 0x7f
    expect(isPrimeOrderKey(nonCanonical)).toBe(false)
    expect(isPrimeOrderKey(keys.publicKey.subarray(0, 31))).toBe(false)
  })

  it('verify refuses a key with a torsion component even when libsodium’s own check accepts the signature', () => {
    const seed = new Uint8Array(32).fill(5)
    const message = new TextEncoder().encode('one secret, eight identities')
    for (let i = 1; i < 8; i++) {
      const mixed = withTorsion(keys.publicKey, i)
      const signature = torsionSignature(seed, mixed, message)
      expect(sodium.crypto_sign_verify_detached(Buffer.from(signature), Buffer.from(message), Buffer.from(mixed))).toBe(true)
      expect(verify(mixed, message, signature)).toBe(false)
      expect(new SignatureVerifier().verify(mixed, message, signature)).toBe(false)
    }
  })
})

describe('SignatureVerifier', () => {
  it('gives the same answers as verify and answers repeats from its memo', () => {
    const verifier = new SignatureVerifier(4)
    const message = new Uint8Array([1, 2, 3])
    const good = sign(keys.secretKey, message)
    const bad = Buffer.from(good)
    bad[0]! ^= 1
    for (let i = 0; i < 3; i++) {
      expect(verifier.verify(keys.publicKey, message, good)).toBe(true)
      expect(verifier.verify(keys.publicKey, message, bad)).toBe(false)
    }
    expect(verifier.misses).toBe(2)
    expect(verifier.hits).toBe(4)
  })

  it('stays within its capacity, evicting the oldest result', () => {
    const verifier = new SignatureVerifier(2)
    const messages = [1, 2, 3].map((n) => new Uint8Array([n]))
    for (const m of messages) verifier.verify(keys.publicKey, m, sign(keys.secretKey, m))
    verifier.verify(keys.publicKey, messages[0]!, sign(keys.secretKey, messages[0]!))
    expect(verifier.misses).toBe(4) // the first was evicted by the third
  })

  it('keys its memo by a 256-bit digest: the memo answers true for whatever shares a digest with a valid triple', () => {
    const blake2b = vi.mocked(hash.blake2b)
    blake2b.mockClear()
    new SignatureVerifier().verify(keys.publicKey, new Uint8Array([9]), sign(keys.secretKey, new Uint8Array([9])))
    expect(blake2b).toHaveBeenCalled()
    for (const [, bytes] of blake2b.mock.calls) expect(bytes).toBeGreaterThanOrEqual(32)
  })

  it('stays bounded under a flood of distinct triples and keys, and still answers correctly', () => {
    const verifier = new SignatureVerifier(256, 64)
    const message = new Uint8Array([7])
    const good = sign(keys.secretKey, message)
    for (let i = 0; i < 5_000; i++) {
      const junk = Buffer.alloc(64)
      junk.writeUInt32LE(i)
      const stranger = ed25519FromSeed(Buffer.alloc(32, i % 200)).publicKey
      expect(verifier.verify(i % 2 === 0 ? keys.publicKey : stranger, message, junk)).toBe(false)
      expect(verifier.size).toBeLessThanOrEqual(256)
      expect(verifier.keysRemembered).toBeLessThanOrEqual(64)
    }
    expect(verifier.verify(keys.publicKey, message, good)).toBe(true)
  })

  it('checks a key’s subgroup once, not once per message', () => {
    const verifier = new SignatureVerifier()
    for (let n = 0; n < 20; n++) verifier.verify(keys.publicKey, Uint8Array.of(n), sign(keys.secretKey, Uint8Array.of(n)))
    expect(verifier.misses).toBe(20)
    expect(verifier.keysRemembered).toBe(1)
  })
})
