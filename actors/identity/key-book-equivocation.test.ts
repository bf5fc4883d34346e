import { Result, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { issueCertificate } from './certificate.ts'
import { EnvelopeOpener, envelopeSignedPart, type SignedEnvelope } from './envelope.ts'
import { KeyBook } from './key-book.ts'
import { MemoryKeyStore, ROOT_KEY, epochKey, type KeyLabel, type KeyStore } from './key-store.ts'
import { encode } from '../../core/codec.ts'

/**
 * The holder of a root key that certifies a second key for an epoch it already certified: both
 * certificates carry valid signatures (the root's and the previous key's), so only the key book's
 * equivocation check refuses the second. (A certificate with a swapped key field fails its
 * signatures instead and never reaches that check.)
 */
function equivocatingRoot(): { honest: KeyStore; twin: KeyStore } {
  const honest = new MemoryKeyStore(new Uint8Array(32).fill(1))
  const other = new MemoryKeyStore(new Uint8Array(32).fill(2))
  const twin: KeyStore = {
    publicKey: (label: KeyLabel) => (label.purpose === ROOT_KEY.purpose && label.index === ROOT_KEY.index ? honest : other).publicKey(label),
    sign: (label: KeyLabel, m: Uint8Array) => (label.purpose === ROOT_KEY.purpose && label.index === ROOT_KEY.index ? honest : other).sign(label, m),
  }
  return { honest, twin }
}

const Hello = Schema.Struct({ hello: Schema.String })

describe('equivocation: two keys certified for one epoch', () => {
  it('the second certificate is refused, though both are validly signed, and the first key stays', () => {
    const ctx = new ManualContext('bob')
    const verifier = new SignatureVerifier()
    const book = new KeyBook(verifier)
    const { honest, twin } = equivocatingRoot()
    const first = issueCertificate(honest, 0, 0)
    const second = issueCertificate(twin, 0, 0)
    expect(second.key).not.toEqual(first.key)
    expect(Result.isSuccess(book.learn(first, 0, ctx.storage))).toBe(true)
    const refused = book.learn(second, 0, ctx.storage)
    expect(Result.isFailure(refused) && refused.failure.message).toMatch(/equivocation/)
    expect(book.certificate(first.root)?.key).toEqual(first.key)
    // Confirmed identities too: the durable record is not replaced.
    book.confirm(first.root, ctx.storage)
    expect(Result.isFailure(book.learn(second, 0, ctx.storage))).toBe(true)
    expect(book.certificate(first.root)?.key).toEqual(first.key)
  })

  it('an envelope signed by the equivocating key is refused, whichever certificate it carries', () => {
    const ctx = new ManualContext('bob')
    const verifier = new SignatureVerifier()
    const opener = new EnvelopeOpener(new KeyBook(verifier), verifier)
    opener.start(new Uint8Array(32).fill(7), ctx)
    const { honest, twin } = equivocatingRoot()
    const seal = (keys: KeyStore, seq: number): SignedEnvelope => {
      const unsigned = { protocol: 'test/1', root: keys.publicKey(ROOT_KEY), epoch: 0, seq, body: encode({ hello: 'x' }) }
      return { type: 'signed', ...unsigned, sig: keys.sign(epochKey(0), envelopeSignedPart(unsigned)), cert: issueCertificate(keys, 0, 0) }
    }
    expect(Result.isSuccess(opener.open(seal(honest, 1), 'test/1', Hello, ctx))).toBe(true)
    const forged = opener.open(seal(twin, 2), 'test/1', Hello, ctx)
    expect(Result.isFailure(forged) && forged.failure.reason).toBe('bad-certificate')
    const { cert: _, ...bare } = seal(twin, 3)
    expect(Result.isFailure(opener.open(bare, 'test/1', Hello, ctx))).toBe(true)
  })
})
