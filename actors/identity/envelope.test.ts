import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { decodeFrame, encode } from '../../core/codec.ts'
import { PROTOCOL_ID } from '../../core/component.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { issueCertificate } from './certificate.ts'
import { DEFAULT_MARK_SYNC_BURST, DEFAULT_MARK_SYNCS_PER_SECOND, SignedEnvelope } from './envelope.ts'
import { ROTATION_TIMER } from './identity.ts'
import { identityStack, type IdentityStack, type IdentityStackInit } from './identity-stack.ts'
import { KeyBook } from './key-book.ts'
import { MemoryKeyStore, epochKey } from './key-store.ts'

const Hello = Schema.Struct({ hello: Schema.String })
const DAY = 24 * 3600_000
const GRACE = 7 * DAY
const P = 'test/1'

/** A node's context and its started identity stack (rotation every 90 days, a 7-day grace window). */
function party(name: string, seed: number, init: IdentityStackInit = {}) {
  const ctx = new ManualContext(name, seed)
  const identity = identityStack({ rotationMs: 90 * DAY, graceMs: GRACE, ...init })
  identity.start(ctx)
  return { ctx, identity }
}
type Party = ReturnType<typeof party>

const reasonOf = (r: Result.Result<unknown, { reason: string }>) => (Result.isFailure(r) ? r.failure.reason : 'ok')

/** Bob, who has opened one of Alice's envelopes and confirmed her identity. */
function confirmedPair() {
  const alice = party('alice', 1)
  const bob = party('bob', 2)
  bob.identity.open(alice.identity.seal(P, { hello: 'first' }, { withCertificate: true }), P, Hello)
  bob.identity.confirm(alice.identity.root)
  return { alice, bob }
}

/** `receiver` crashes (every unsynced write lost) and a fresh stack starts on what its disk kept. */
function crashAndRestart(receiver: Party): IdentityStack {
  receiver.ctx.storage.crash(0)
  const again = identityStack({ graceMs: GRACE })
  again.start(receiver.ctx)
  return again
}

/** Rotates `who`'s epoch key: 90 days on its clock, then its rotation timer. */
function rotate(who: Party): void {
  who.ctx.advance(90 * DAY)
  expect(who.identity.timer(ROTATION_TIMER, who.ctx)).toBe(true)
}

describe('signed envelopes', () => {
  it('open once, then refuse the replay; the refusal is traced and changes nothing', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const envelope = alice.identity.seal(P, { hello: 'bob' }, { to: bob.identity.root, withCertificate: true })
    const opened = bob.identity.open(envelope, P, Hello)
    expect(Result.isSuccess(opened) && opened.success.message.hello).toBe('bob')
    const before = bob.ctx.storage.keys()
    expect(reasonOf(bob.identity.open(envelope, P, Hello))).toBe('replay')
    expect(bob.ctx.traces.at(-1)).toMatchObject({ type: 'envelope-rejected', reason: 'replay', protocol: P })
    expect(bob.ctx.storage.keys()).toEqual(before)
  })

  it('refuse a flipped bit anywhere in the signed fields', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    bob.identity.open(alice.identity.seal(P, { hello: 'first' }, { withCertificate: true }), P, Hello)
    fc.assert(
      fc.property(fc.constantFrom('body', 'sig', 'root'), fc.nat(), fc.integer({ min: 0, max: 7 }), (field, at, bit) => {
        const envelope = alice.identity.seal(P, { hello: 'x' }, { to: bob.identity.root })
        const bytes = Buffer.from(envelope[field])
        bytes[at % bytes.length]! ^= 1 << bit
        expect(reasonOf(bob.identity.open({ ...envelope, [field]: bytes }, P, Hello))).not.toBe('ok')
        expect(reasonOf(bob.identity.open(envelope, P, Hello))).toBe('ok') // the genuine one still opens
      }),
      { numRuns: 60 },
    )
  })

  it('refuse what is addressed to someone else, from an unknown identity, or with a body off-schema', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const carol = party('carol', 3)
    expect(reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 'x' }), P, Hello))).toBe('unknown-key')
    const toCarol = alice.identity.seal(P, { hello: 'carol' }, { to: carol.identity.root, withCertificate: true })
    expect(reasonOf(bob.identity.open(toCarol, P, Hello))).toBe('misdirected')
    expect(reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 42 }, { withCertificate: true }), P, Hello))).toBe('malformed')
  })

  it('accept the old key during the grace window after a rotation, and refuse it after', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2)
    const old = () => alice.identity.seal(P, { hello: 'old' }, { withCertificate: true })
    bob.identity.open(old(), P, Hello)
    const oldEnvelopes = [old(), old()]
    rotate(alice)
    expect(alice.identity.epoch).toBe(1)
    expect(reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 'new' }, { withCertificate: true }), P, Hello))).toBe('ok')
    bob.ctx.advance(GRACE - 1)
    expect(reasonOf(bob.identity.open(oldEnvelopes[0]!, P, Hello))).toBe('ok')
    bob.ctx.advance(2)
    expect(reasonOf(bob.identity.open(oldEnvelopes[1]!, P, Hello))).toBe('expired-key')
  })

  it('refuse equivocation (two keys for one epoch) and a certificate that breaks the chain', () => {
    const bob = party('bob', 2)
    const keys = new MemoryKeyStore(new Uint8Array(32).fill(1))
    const book = new KeyBook(new SignatureVerifier(), { graceMs: GRACE })
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
    const first = alice.identity.seal(P, { hello: '1' }, { withCertificate: true })
    bob.identity.open(first, P, Hello)
    bob.identity.confirm(alice.identity.root)
    const aliceAgain = crashAndRestart(alice)
    expect(aliceAgain.root).toEqual(alice.identity.root) // its seed was synced at first boot
    expect(aliceAgain.seal(P, { hello: '2' }).seq).toBeGreaterThan(first.seq)
    bob.ctx.storage.sync()
    const bobAgain = crashAndRestart(bob)
    expect(reasonOf(bobAgain.open(first, P, Hello))).toBe('replay')
    expect(reasonOf(bobAgain.open(aliceAgain.seal(P, { hello: '3' }), P, Hello))).toBe('ok')
  })

  it('hold unconfirmed identities in memory only, bounded; a flood never evicts a confirmed identity', () => {
    const bob = party('bob', 2, { maxProvisional: 10 })
    const alice = party('alice', 1)
    const captured = alice.identity.seal(P, { hello: 'kept' }, { withCertificate: true })
    expect(reasonOf(bob.identity.open(captured, P, Hello))).toBe('ok')
    expect(bob.identity.confirm(alice.identity.root)).toBe(true)
    const written = bob.ctx.storage.keys()
    for (let i = 0; i < 100; i++) {
      const stranger = party(`stranger${i}`, 100 + i)
      expect(reasonOf(bob.identity.open(stranger.identity.seal(P, { hello: 'hi' }, { withCertificate: true }), P, Hello))).toBe('ok')
      expect(bob.identity.provisionalCount).toBeLessThanOrEqual(10)
    }
    expect(bob.ctx.storage.keys()).toEqual(written) // nothing of a stranger reached the disk
    expect(bob.identity.isConfirmed(alice.identity.root)).toBe(true)
    expect(reasonOf(bob.identity.open(captured, P, Hello))).toBe('replay')
    expect(reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 'no cert needed' }), P, Hello))).toBe('ok')
  })

  it('make acceptance durable for a confirmed identity: accept, crash, restart, replay is refused', () => {
    const { alice, bob } = confirmedPair()
    const captured = alice.identity.seal(P, { hello: 'second' })
    expect(reasonOf(bob.identity.open(captured, P, Hello))).toBe('ok')
    const bobAgain = crashAndRestart(bob)
    expect(reasonOf(bobAgain.open(captured, P, Hello))).toBe('replay')
  })

  it('1,000 envelopes of a confirmed identity in one second cost a bounded number of syncs; a restart still refuses a replay', () => {
    const { alice, bob } = confirmedPair()
    const sync = vi.spyOn(bob.ctx.storage, 'sync')
    const accepted: SignedEnvelope[] = []
    const reasons = new Set<string>()
    for (let i = 0; i < 1_000; i++) {
      bob.ctx.advance(1)
      const envelope = alice.identity.seal(P, { hello: `${i}` })
      const reason = reasonOf(bob.identity.open(envelope, P, Hello))
      if (reason === 'ok') accepted.push(envelope)
      else reasons.add(reason)
    }
    expect(sync.mock.calls.length).toBeLessThanOrEqual(DEFAULT_MARK_SYNC_BURST + DEFAULT_MARK_SYNCS_PER_SECOND)
    expect(accepted.length).toBe(sync.mock.calls.length)
    expect([...reasons]).toEqual(['rate-limited'])
    const bobAgain = crashAndRestart(bob)
    expect(reasonOf(bobAgain.open(accepted.at(-1)!, P, Hello))).toBe('replay')
    expect(reasonOf(bobAgain.open(alice.identity.seal(P, { hello: 'next' }), P, Hello))).toBe('ok')
  })

  it('only accepted envelopes spend the sync budget: forgeries and an old epoch cannot hold back the current key', () => {
    const { alice, bob } = confirmedPair()
    for (let i = 0; i < 100; i++) {
      const forged = alice.identity.seal(P, { hello: 'x' })
      expect(reasonOf(bob.identity.open({ ...forged, sig: new Uint8Array(64).fill(i) }, P, Hello))).toBe('bad-signature')
    }
    expect(reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 'genuine' }), P, Hello))).toBe('ok')
    // Spend epoch 0's budget, then rotate: the new epoch's envelopes (and certificate) still get in.
    const spent = Array.from({ length: 2 * DEFAULT_MARK_SYNC_BURST }, () => reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 'spend' }), P, Hello)))
    expect(spent.at(-1)).toBe('rate-limited')
    rotate(alice)
    expect(reasonOf(bob.identity.open(alice.identity.seal(P, { hello: 'new key' }, { withCertificate: true }), P, Hello))).toBe('ok')
  })

  it('decoding arbitrary bytes as an envelope gives a typed error, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = decodeFrame(bytes, SignedEnvelope)
        if (Result.isFailure(r)) expect(r.failure._tag).toBe('DecodeError')
      }),
    )
    const alice = party('alice', 1)
    const frame = encode(alice.identity.seal(P, { hello: 'x' }, { withCertificate: true }))
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

describe('the protocol is signed: a message for one protocol is never opened as another', () => {
  it('an envelope sealed for kad/1 is refused when opened as bft/1 (typed, traced, nothing changed), and still opens as kad/1', () => {
    const { alice, bob } = confirmedPair()
    const envelope = alice.identity.seal('kad/1', { hello: 'dht' })
    const before = bob.ctx.storage.keys().map((key) => [key, bob.ctx.storage.get(key)])
    const refused = bob.identity.open(envelope, 'bft/1', Hello)
    expect(Result.isFailure(refused) && refused.failure).toMatchObject({ _tag: 'IdentityError', reason: 'wrong-protocol' })
    expect(bob.ctx.traces.at(-1)).toMatchObject({ type: 'envelope-rejected', reason: 'wrong-protocol', protocol: 'kad/1' })
    expect(bob.ctx.storage.keys().map((key) => [key, bob.ctx.storage.get(key)])).toEqual(before)
    expect(reasonOf(bob.identity.authenticate(envelope, 'bft/1', Hello))).toBe('wrong-protocol')
    expect(reasonOf(bob.identity.open(envelope, 'kad/1', Hello))).toBe('ok') // the refusal did not spend it
  })

  it('any change of the protocol field breaks the signature (property)', () => {
    const alice = party('alice', 1)
    const bob = party('bob', 2) // holds alice's certificate unconfirmed: no sync budget to spend
    bob.identity.open(alice.identity.seal(P, { hello: 'first' }, { withCertificate: true }), P, Hello)
    const protocolId = fc.stringMatching(PROTOCOL_ID)
    fc.assert(
      fc.property(protocolId, protocolId, fc.boolean(), (from, to, withCertificate) => {
        fc.pre(from !== to)
        const envelope = alice.identity.seal(from, { hello: 'x' }, { withCertificate })
        expect(reasonOf(bob.identity.open({ ...envelope, protocol: to }, to, Hello))).toBe('bad-signature')
        expect(reasonOf(bob.identity.authenticate({ ...envelope, protocol: to }, to, Hello))).toBe('bad-signature')
        expect(reasonOf(bob.identity.open(envelope, from, Hello))).toBe('ok')
      }),
      { numRuns: 200 },
    )
  })

  it('an envelope whose protocol is not a protocol id does not decode, and none can be sealed', () => {
    const alice = party('alice', 1)
    const envelope = alice.identity.seal(P, { hello: 'x' })
    for (const protocol of ['KAD/1', 'kad', 'kad/1/2', '', `${'a'.repeat(40)}/1`]) {
      const r = decodeFrame(encode({ ...envelope, protocol }), SignedEnvelope)
      expect(Result.isFailure(r) && r.failure.reason, protocol).toBe('schema')
      expect(() => alice.identity.seal(protocol, { hello: 'x' }), protocol).toThrow(RangeError)
    }
  })
})
