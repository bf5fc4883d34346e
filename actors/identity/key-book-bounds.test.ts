import { Result, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { issueCertificate } from './certificate.ts'
import { EnvelopeOpener, envelopeSignedPart, type SignedEnvelope } from './envelope.ts'
import { KeyBook } from './key-book.ts'
import { MemoryKeyStore, ROOT_KEY, epochKey } from './key-store.ts'

const Note = Schema.Struct({ note: Schema.String })

const P = 'test/1'

function sealed(keys: MemoryKeyStore, seq: number): SignedEnvelope {
  const unsigned = { protocol: P, root: keys.publicKey(ROOT_KEY), epoch: 0, seq, body: encode({ note: 'hi' }) }
  return { type: 'signed', ...unsigned, sig: keys.sign(epochKey(0), envelopeSignedPart(unsigned)), cert: issueCertificate(keys, 0, 0) }
}

describe('the key book bounds confirmed identities too', () => {
  it('past the cap, the identity silent the longest is forgotten in memory and on disk, with its replay marks', () => {
    const ctx = new ManualContext('me')
    const verifier = new SignatureVerifier()
    const book = new KeyBook(verifier, { maxConfirmed: 2 })
    const opener = new EnvelopeOpener(book, verifier)
    opener.start(new Uint8Array(32).fill(9), ctx)
    const ids = [1, 2, 3].map((n) => new MemoryKeyStore(new Uint8Array(32).fill(n)))
    const rootOf = (k: MemoryKeyStore) => k.publicKey(ROOT_KEY)
    const confirmAndOpen = (keys: MemoryKeyStore) => {
      expect(Result.isSuccess(opener.open(sealed(keys, 1), P, Note, ctx))).toBe(true)
      expect(opener.confirm(rootOf(keys), ctx)).toBe(true)
      expect(Result.isSuccess(opener.open(sealed(keys, 2), P, Note, ctx))).toBe(true) // a durable mark
    }
    confirmAndOpen(ids[0]!)
    confirmAndOpen(ids[1]!)
    expect(Result.isSuccess(opener.open(sealed(ids[0]!, 3), P, Note, ctx))).toBe(true) // the first is now the more recent
    confirmAndOpen(ids[2]!)
    expect(ids.map((k) => book.isConfirmed(rootOf(k)))).toEqual([true, false, true])
    const forgotten = toHex(rootOf(ids[1]!))
    expect(ctx.storage.keys().filter((key) => key.includes(forgotten))).toEqual([])
    expect(ctx.storage.keys('peer/')).toHaveLength(2)
    // After a restart the book holds the same two, and their marks still refuse replays.
    const again = new EnvelopeOpener(new KeyBook(verifier, { maxConfirmed: 2 }), verifier)
    again.start(new Uint8Array(32).fill(9), ctx)
    expect(again.isConfirmed(rootOf(ids[0]!))).toBe(true)
    expect(again.isConfirmed(rootOf(ids[1]!))).toBe(false)
    expect(Result.isFailure(again.open(sealed(ids[2]!, 2), P, Note, ctx))).toBe(true)
  })

  it('never forgets a protected identity (a routing-table contact) to make room; with all protected, a newcomer stays provisional', () => {
    const ctx = new ManualContext('me')
    const verifier = new SignatureVerifier()
    const book = new KeyBook(verifier, { maxConfirmed: 2 })
    const opener = new EnvelopeOpener(book, verifier)
    opener.start(new Uint8Array(32).fill(9), ctx)
    const ids = [1, 2, 3, 4].map((n) => new MemoryKeyStore(new Uint8Array(32).fill(n)))
    const rootOf = (k: MemoryKeyStore) => k.publicKey(ROOT_KEY)
    const contacts = new Set([toHex(rootOf(ids[0]!))])
    book.protect((root) => contacts.has(toHex(root)))
    const confirm = (keys: MemoryKeyStore) => {
      expect(Result.isSuccess(opener.open(sealed(keys, 1), P, Note, ctx))).toBe(true)
      return opener.confirm(rootOf(keys), ctx)
    }
    expect(confirm(ids[0]!)).toBe(true) // the contact, now the least recently used
    expect(confirm(ids[1]!)).toBe(true)
    expect(confirm(ids[2]!)).toBe(true)
    expect(ids.slice(0, 3).map((k) => book.isConfirmed(rootOf(k)))).toEqual([true, false, true])
    expect(ctx.storage.keys('peer/')).toHaveLength(2)
    contacts.add(toHex(rootOf(ids[2]!)))
    expect(confirm(ids[3]!)).toBe(false)
    expect(ids.map((k) => book.isConfirmed(rootOf(k)))).toEqual([true, false, true, false])
    expect(ctx.storage.keys('peer/')).toHaveLength(2)
  })

  it('never forgets an unconfirmed routing-table contact for a flood of fresh identities', () => {
    const verifier = new SignatureVerifier()
    const book = new KeyBook(verifier, { maxProvisional: 4 })
    const contact = new MemoryKeyStore(new Uint8Array(32).fill(1))
    const contactRoot = toHex(contact.publicKey(ROOT_KEY))
    book.protect((root) => toHex(root) === contactRoot)
    const ctx = new ManualContext('me')
    expect(Result.isSuccess(book.learn(issueCertificate(contact, 0, 0), 0, ctx.storage))).toBe(true)
    for (let n = 2; n < 40; n++) book.learn(issueCertificate(new MemoryKeyStore(new Uint8Array(32).fill(n)), 0, 0), 0, ctx.storage)
    expect(book.provisionalCount).toBe(4)
    expect(book.certificate(contact.publicKey(ROOT_KEY))).toBeDefined()
    expect(ctx.storage.keys()).toEqual([]) // all of it in memory
  })
})
