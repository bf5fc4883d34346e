import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { envelopeSignedPart } from '../identity/envelope.ts'
import { NodeIdentity } from '../identity/identity.ts'
import { MemoryKeyStore, epochKey } from '../identity/key-store.ts'
import { Presence } from './presence.ts'

describe('Presence', () => {
  it('answers a signed hello with its own, and ignores any signed body that is not a presence message', () => {
    const ctx = new ManualContext('b', 2)
    const presence = new Presence({ listen: 'b', bootstrap: [], identity: new NodeIdentity() })
    presence.start(ctx)
    const aliceCtx = new ManualContext('a', 1)
    const alice = new NodeIdentity()
    alice.start(aliceCtx)
    const keys = new MemoryKeyStore(new Uint8Array(32).fill(4))
    fc.assert(
      fc.property(fc.anything(), (body) => {
        // A well-signed envelope (so only the body is wrong) from a sender whose certificate is attached.
        const identity = new NodeIdentity(keys)
        identity.start(new ManualContext('m', 3))
        const envelope = identity.seal(null, new ManualContext('m', 3), { withCertificate: true })
        const unsigned = { ...envelope, body: encode(body) }
        const signed = { ...unsigned, sig: keys.sign(epochKey(0), envelopeSignedPart(unsigned)) }
        presence.receive(signed, 'm', ctx)
        expect(ctx.sent).toEqual([])
      }),
      { numRuns: 100 },
    )
    presence.receive(alice.seal({ type: 'hello', listen: 'a' }, aliceCtx, { withCertificate: true }), 'a', ctx)
    expect(ctx.sent.map((s) => s.to)).toEqual(['a'])
  })
})
