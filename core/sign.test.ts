import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from './keys.ts'
import { SignatureVerifier, sign, verify } from './sign.ts'

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
})
