import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sign } from '../../core/sign.ts'
import { MemoryKeyStore, ROOT_KEY } from '../identity/key-store.ts'
import { rootKeyPair } from './validator-key.ts'

describe('rootKeyPair', () => {
  it("is the key pair of the identity's root key: same public key, and the same (deterministic) signatures", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (seed, message) => {
        const store = new MemoryKeyStore(seed)
        const pair = rootKeyPair(seed)
        expect(pair.publicKey).toEqual(store.publicKey(ROOT_KEY))
        expect(sign(pair.secretKey, message)).toEqual(store.sign(ROOT_KEY, message))
      }),
      { numRuns: 50 },
    )
  })
})
