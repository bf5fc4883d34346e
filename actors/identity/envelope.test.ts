import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { issueCertificate } from './certificate.ts'
import { DEFAULT_MARK_SYNC_BURST, DEFAULT_MARK_SYNCS_PER_SECOND, EnvelopeOpener, SignedEnvelope } from './envelope.ts'
import { ROTATION_TIMER, NodeIdentity } from './identity.ts'
import { KeyBook } from './key-book.ts'
import { MemoryKeyStore, epochKey } from './key-store.ts'

const Hello = Schema.Struct({ hello: Schema.String })
const DAY = 24 * 3600_000
const GRACE = 7 * DAY

function party(name: string, seed: number) {
  const ctx = new ManualContext(name, seed)
  const identity = new NodeIdentity(undefined, 90 * DAY)
  identity.start(ctx)
  const verifier = new SignatureVerifier()
  const opener = new EnvelopeOpener(new KeyBook(verifier, GRACE), verifier)
  opener.start(identity.root, ctx)
  return { ctx, identity, opener }
}

const reasonOf = (r: Result.Result<unknown, { reason: string }>) => (Result.isFailure(r) ? r.failure.reason : 'ok')

/** Bob, who has opened one of Alice's envelopes and confirmed her identity. */
function confirmedPair() {
  const alice = party('alice', 1)
  const bob = party('bob', 2)
  bob.opener.open(alice.identity.seal({ hello: 'first' }, alice.ctx, { withCertificate: true }), Hello, bob.ctx)
  bob.opener.confirm(alice.identity.root, bob.ctx)
  return { alice, bob }
}

/** `receiver` crashes (every unsynced write lost) and a fresh opener starts on what its disk kept. */
function crashAndRestart(receiver: ReturnType<typeof party>): EnvelopeOpener {
  receiver.ctx.storage.crash(0)
  const opener = new EnvelopeOpener(new KeyBook(new SignatureVerifier(), GRACE), new SignatureVerifier())
  opener.start(receiver.identity.root, receiver.ctx)
  return opener
}

describe('signed envelopes', () => {
  it('open once, then refuse the replay; the refusal is traced and changes nothing', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const envelope = alice.identity.seal({ hello: 'bob' }, alice.ctx, { to: bob.identity.root, withCertificate: true })
    const opened = bob.opener.open(envelope, Hello, bob.ctx)
    expect(Result.isSuccess(opened) && opened.success.message.hello).toBe('bob')
    const before = bob.ctx.storage.keys()
    expect(reasonOf(bob.opener.open(envelope, Hello, bob.ctx))).toBe('replay')
    expect(bob.ctx.traces.at(-1)).toMatchObject({ type: 'envelope-rejected', reason: 'replay' })
    expect(bob.ctx.storage.keys()).toEqual(before)
  })

  it('refuse a flipped bit anywhere in the signed fields', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    bob.opener.open(alice.identity.seal({ hello: 'first' }, alice.ctx, { withCertificate: true }), Hello, bob.ctx)
    fc.assert(
      fc.property(fc.constantFrom('body', 'sig', 'root'), fc.nat(), fc.integer({ min: 0, max: 7 }), (field, at, bit) => {
        const envelope = alice.identity.seal({ hello: 'x' }, alice.ctx, { to: bob.identity.root })
        const bytes = Buffer.from(envelope[field])
        bytes[at % bytes.length]! ^= 1 << bit
        expect(reasonOf(bob.opener.open({ ...envelope, [field]: bytes }, Hello, bob.ctx))).not.toBe('ok')
        expect(reasonOf(bob.opener.open(envelope, Hello, bob.ctx))).toBe('ok') // the genuine one still opens
      }),
      { numRuns: 60 },
    )
  })

  it('refuse what is addressed to someone else, from an unknown identity, or with a body off-schema', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const carol = party('carol', 3)
    expect(reasonOf(bob.opener.open(alice.identity.seal({ hello: 'x' }, alice.ctx), Hello, bob.ctx))).toBe('unknown-key')
    const toCarol = alice.identity.seal({ hello: 'carol' }, alice.ctx, { to: carol.identity.root, withCertificate: true })
    expect(reasonOf(bob.opener.open(toCarol, Hello, bob.ctx))).toBe('misdirected')
    expect(reasonOf(bob.opener.open(alice.identity.seal({ hello: 42 }, alice.ctx, { withCertificate: true }), Hello, bob.ctx))).toBe('malformed')
  })

  it('accept the old key during the grace window after a rotation, and refuse it after', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const old = () => alice.identity.seal({ hello: 'old' }, alice.ctx, { withCertificate: true })
    bob.opener.open(old(), Hello, bob.ctx)
    const oldEnvelopes = [old(), old()]
    alice.ctx.advance(90 * DAY)
    alice.identity.timerFired(ROTATION_TIMER, alice.ctx)
    expect(alice.identity.epoch).toBe(1)
    expect(reasonOf(bob.opener.open(alice.identity.seal({ hello: 'new' }, alice.ctx, { withCertificate: true }), Hello, bob.ctx))).toBe('ok')
    bob.ctx.advance(GRACE - 1)
    expect(reasonOf(bob.opener.open(oldEnvelopes[0]!, Hello, bob.ctx))).toBe('ok')
    bob.ctx.advance(2)
    expect(reasonOf(bob.opener.open(oldEnvelopes[1]!, Hello, bob.ctx))).toBe('expired-key')
  })

  it('refuse equivocation (two keys for one epoch) and a certificate that breaks the chain', () => {
    const bob = party('bob', 2)
    const keys = new MemoryKeyStore(new Uint8Array(32).fill(1))
    const book = new KeyBook(new SignatureVerifier(), GRACE)
    expect(Result.isSuccess(book.learn(issueCertificate(keys, 0, 0), 0, bob.ctx.storage))).toBe(true)
    const forged = { ...issueCertificate(keys, 0, 0), key: keys.publicKey(epochKey(5)) }
    expect(reasonOf(book.learn(forged, 0, bob.ctx.storage))).toBe('bad-certificate')
    const skipping = { ...issueCertificate(keys, 1, 0), prev: keys.publicKey(epochKey(3)) }
    expect(reasonOf(book.learn(skipping, 0, bob.ctx.storage))).toBe('bad-certificate')
    expect(reasonOf(book.learn(issueCertificate(keys, 3, 0), 0, bob.ctx.storage))).toBe('ok') // catch up on the root's word
  })

  it('survive a restart: no sequence number is reused, and the replay windows and key book persist', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const first = alice.identity.seal({ hello: '1' }, alice.ctx, { withCertificate: true })
    bob.opener.open(first, Hello, bob.ctx)
    bob.opener.confirm(alice.identity.root, bob.ctx)
    alice.ctx.storage.crash(0)
    const again = new NodeIdentity()
    again.start(alice.ctx)
    expect(again.seal({ hello: '2' }, alice.ctx).seq).toBeGreaterThan(first.seq)
    bob.ctx.storage.sync()
    const bobAgain = new EnvelopeOpener(new KeyBook(new SignatureVerifier(), GRACE), new SignatureVerifier())
    bobAgain.start(bob.identity.root, bob.ctx)
    expect(reasonOf(bobAgain.open(first, Hello, bob.ctx))).toBe('replay')
    expect(reasonOf(bobAgain.open(again.seal({ hello: '3' }, alice.ctx), Hello, bob.ctx))).toBe('ok')
  })

  it('hold unconfirmed identities in memory only, bounded; a flood never evicts a confirmed identity', () => {
    const bob = party('bob', 2)
    const verifier = new SignatureVerifier()
    const book = new KeyBook(verifier, GRACE, 10)
    const opener = new EnvelopeOpener(book, verifier, 10)
    opener.start(bob.identity.root, bob.ctx)
    const alice = party('alice', 1)
    const captured = alice.identity.seal({ hello: 'kept' }, alice.ctx, { withCertificate: true })
    expect(reasonOf(opener.open(captured, Hello, bob.ctx))).toBe('ok')
    expect(opener.confirm(alice.identity.root, bob.ctx)).toBe(true)
    const written = bob.ctx.storage.keys()
    for (let i = 0; i < 100; i++) {
      const stranger = party(`stranger${i}`, 100 + i)
      expect(reasonOf(opener.open(stranger.identity.seal({ hello: 'hi' }, stranger.ctx, { withCertificate: true }), Hello, bob.ctx))).toBe('ok')
      expect(book.provisionalCount).toBeLessThanOrEqual(10)
      expect(opener.provisionalCount).toBeLessThanOrEqual(10)
    }
    expect(bob.ctx.storage.keys()).toEqual(written) // nothing of a stranger reached the disk
    expect(opener.isConfirmed(alice.identity.root)).toBe(true)
    expect(reasonOf(opener.open(captured, Hello, bob.ctx))).toBe('replay')
    expect(reasonOf(opener.open(alice.identity.seal({ hello: 'no cert needed' }, alice.ctx), Hello, bob.ctx))).toBe('ok')
  })

  it('make acceptance durable for a confirmed identity: accept, crash, restart, replay is refused', () => {
    const { alice, bob } = confirmedPair()
    const captured = alice.identity.seal({ hello: 'second' }, alice.ctx)
    expect(reasonOf(bob.opener.open(captured, Hello, bob.ctx))).toBe('ok')
    const bobAgain = crashAndRestart(bob)
    expect(reasonOf(bobAgain.open(captured, Hello, bob.ctx))).toBe('replay')
  })

  it('1,000 envelopes of a confirmed identity in one second cost a bounded number of syncs; a restart still refuses a replay', () => {
    const { alice, bob } = confirmedPair()
    const sync = vi.spyOn(bob.ctx.storage, 'sync')
    const accepted: SignedEnvelope[] = []
    const reasons = new Set<string>()
    for (let i = 0; i < 1_000; i++) {
      bob.ctx.advance(1)
      const envelope = alice.identity.seal({ hello: `${i}` }, alice.ctx)
      const reason = reasonOf(bob.opener.open(envelope, Hello, bob.ctx))
      if (reason === 'ok') accepted.push(envelope)
      else reasons.add(reason)
    }
    expect(sync.mock.calls.length).toBeLessThanOrEqual(DEFAULT_MARK_SYNC_BURST + DEFAULT_MARK_SYNCS_PER_SECOND)
    expect(accepted.length).toBe(sync.mock.calls.length)
    expect([...reasons]).toEqual(['rate-limited'])
    const bobAgain = crashAndRestart(bob)
    expect(reasonOf(bobAgain.open(accepted.at(-1)!, Hello, bob.ctx))).toBe('replay')
    expect(reasonOf(bobAgain.open(alice.identity.seal({ hello: 'next' }, alice.ctx), Hello, bob.ctx))).toBe('ok')
  })

  it('only accepted envelopes spend the sync budget: forgeries and an old epoch cannot hold back the current key', () => {
    const { alice, bob } = confirmedPair()
    for (let i = 0; i < 100; i++) {
      const forged = alice.identity.seal({ hello: 'x' }, alice.ctx)
      expect(reasonOf(bob.opener.open({ ...forged, sig: new Uint8Array(64).fill(i) }, Hello, bob.ctx))).toBe('bad-signature')
    }
    expect(reasonOf(bob.opener.open(alice.identity.seal({ hello: 'genuine' }, alice.ctx), Hello, bob.ctx))).toBe('ok')
    // Spend epoch 0's budget, then rotate: the new epoch's envelopes (and certificate) still get in.
    const spent = Array.from({ length: 2 * DEFAULT_MARK_SYNC_BURST }, () => reasonOf(bob.opener.open(alice.identity.seal({ hello: 'spend' }, alice.ctx), Hello, bob.ctx)))
    expect(spent.at(-1)).toBe('rate-limited')
    alice.ctx.advance(90 * DAY)
    alice.identity.timerFired(ROTATION_TIMER, alice.ctx)
    expect(reasonOf(bob.opener.open(alice.identity.seal({ hello: 'new key' }, alice.ctx, { withCertificate: true }), Hello, bob.ctx))).toBe('ok')
  })

  it('decoding arbitrary bytes as an envelope gives a typed error, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = decodeFrame(bytes, SignedEnvelope)
        if (Result.isFailure(r)) expect(r.failure._tag).toBe('DecodeError')
      }),
    )
    const alice = party('alice', 1)
    const frame = encode(alice.identity.seal({ hello: 'x' }, alice.ctx, { withCertificate: true }))
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (at, value) => {
        const mutated = Buffer.from(frame)
        mutated[at % mutated.length] = value & 0xff
        const r = decodeFrame(mutated, SignedEnvelope)
        if (Result.isFailure(r)) expect(['malformed', 'schema']).toContain(r.failure.reason)
      }),
    )
  })
})
