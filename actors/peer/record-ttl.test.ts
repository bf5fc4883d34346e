import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../core/keys.ts'
import { SignatureVerifier, sign } from '../../core/sign.ts'
import { recordProblem, signRecord } from './record.ts'

/*
 * The record TTL bound (issue 9: removing the check in recordProblem failed no test). A holder keeps a
 * record until it expires, so an expiry far ahead would pin attacker records in every holder's memory
 * and disk; recordProblem refuses any record, however validly signed, that expires past now + maxTtlMs.
 */
const publisher = ed25519FromSeed(new Uint8Array(32).fill(3))
const HOUR = 3_600_000

function record(now: number, ttl: number) {
  const fields = { name: new TextEncoder().encode('note'), value: new Uint8Array([1, 2, 3]), seq: 1, expiresAt: now + ttl }
  return signRecord(publisher.publicKey, (m) => sign(publisher.secretKey, m), fields)
}

describe('DHT record expiry bound', () => {
  it('refuses a validly signed record that expires past now + maxTtlMs, and takes one up to it', () => {
    const verifier = new SignatureVerifier()
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 48 * HOUR }), fc.integer({ min: 1, max: 1e9 }), (now, maxTtl, beyond) => {
        expect(recordProblem(record(now, maxTtl), now, maxTtl, verifier)).toBeUndefined()
        expect(recordProblem(record(now, maxTtl + beyond), now, maxTtl, verifier)).toBe('expiry too far in the future')
      }),
      { numRuns: 60 },
    )
  })
})
