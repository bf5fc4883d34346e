import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier, sign } from '../../core/sign.ts'
import { DEFAULT_MAX_RECORD_TTL_MS, KademliaNode } from './kademlia.ts'
import { recordProblem, signRecord } from './record.ts'

const publisher = ed25519FromSeed(new Uint8Array(32).fill(42))
const recordExpiringAt = (expiresAt: number) =>
  signRecord(publisher.publicKey, (m) => sign(publisher.secretKey, m), { name: new Uint8Array([1]), value: new Uint8Array([2]), seq: 1, expiresAt })

describe('the maximum record lifetime', () => {
  it('a record may live up to the maximum TTL and not a millisecond more (property)', () => {
    const verifier = new SignatureVerifier()
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 7 * 24 * 3_600_000 }), fc.integer({ min: 1, max: 1e9 }), (now, maxTtl, beyond) => {
        expect(recordProblem(recordExpiringAt(now + maxTtl), now, maxTtl, verifier)).toBeUndefined()
        expect(recordProblem(recordExpiringAt(now + maxTtl + beyond), now, maxTtl, verifier)).toBe('expiry too far in the future')
      }),
      { numRuns: 50 },
    )
  })

  it('a holder refuses, and does not confirm, a STORE of a record that would outlive the default 24 h', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [] })
    node.start(ctx)
    const sender = ed25519FromSeed(new Uint8Array(32).fill(3)).publicKey
    const store = (expiresAt: number, n: number) => node.receive({ type: 'store', rpc: new Uint8Array(8).fill(n), key: sender, record: recordExpiringAt(expiresAt) }, 'peer', ctx)
    store(DEFAULT_MAX_RECORD_TTL_MS + 1, 1)
    expect(node.records.size).toBe(0)
    expect(ctx.sent).toEqual([])
    expect(ctx.traces.at(-1)).toMatchObject({ type: 'store-refused', reason: 'expiry too far in the future' })
    store(DEFAULT_MAX_RECORD_TTL_MS, 2)
    expect(node.records.size).toBe(1)
    expect(ctx.sent.map((s) => (s.message as { type: string }).type)).toEqual(['stored'])
  })
})
