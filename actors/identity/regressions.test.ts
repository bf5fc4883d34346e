import { Result, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { encode } from '../../core/codec.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { torsionSignature, withTorsion } from '../../core/torsion.fixtures.ts'
import { certificateSignaturesHold, issueCertificate, type RotationCertificate } from './certificate.ts'
import { identityStack } from './identity-stack.ts'
import { KeyBook } from './key-book.ts'
import { MemoryKeyStore, ROOT_KEY, epochKey, labelName, type KeyLabel, type KeyStore } from './key-store.ts'

/*
 * Each test here fails on one mutation of the identity checks that the rest of the suite let through
 * (issue 9): every forged certificate below is validly signed except in the one respect under test, so
 * only the check for that respect can refuse it.
 */

const Hello = Schema.Struct({ hello: Schema.String })
const alice = new MemoryKeyStore(new Uint8Array(32).fill(1))
const mallory = new MemoryKeyStore(new Uint8Array(32).fill(2))

/**
 * A KeyStore that is `base` except under the labels of `swapped`, whose public keys and signatures come
 * from another store: how a forger (or an equivocating owner) assembles a certificate from keys it holds.
 */
function spliced(base: KeyStore, swapped: readonly (readonly [KeyLabel, KeyStore])[]): KeyStore {
  const from = (label: KeyLabel) => swapped.find(([l]) => labelName(l) === labelName(label))?.[1] ?? base
  return { publicKey: (label) => from(label).publicKey(label), sign: (label, message) => from(label).sign(label, message) }
}

/** A KeyStore that claims `publicKey` under `label` while signing with `base`'s key there. */
function claiming(base: KeyStore, label: KeyLabel, publicKey: Uint8Array): KeyStore {
  return { publicKey: (l) => (labelName(l) === labelName(label) ? publicKey : base.publicKey(l)), sign: (l, m) => base.sign(l, m) }
}

/** What a certificate's signatures cover (the format of certificate.ts, written out to sign by hand). */
const signedPart = (c: Omit<RotationCertificate, 'byPrev' | 'byRoot'>) => encode(['vain.rotation-certificate.v1', c.root, c.epoch, c.key, c.prev, c.issuedAt])

function bookKnowing(...certs: RotationCertificate[]) {
  const storage = new ManualContext('bob', 2).storage
  const book = new KeyBook(new SignatureVerifier())
  for (const cert of certs) expect(reasonOf(book.learn(cert, 0, storage))).toBe('ok')
  return { book, learn: (cert: RotationCertificate) => book.learn(cert, 0, storage) }
}

const reasonOf = (r: Result.Result<unknown, { reason: string }>) => (Result.isFailure(r) ? r.failure.reason : 'ok')
const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'))
const keyFor = (book: KeyBook, epoch: number) => {
  const key = book.keyFor(alice.publicKey(ROOT_KEY), epoch, 0)
  return Result.isSuccess(key) ? hex(key.success) : key.failure.reason
}

describe('identity regressions (mutations the suite used to miss)', () => {
  it('a certificate needs the root’s signature: a thief of epoch key 0 cannot certify a key of its own for epoch 1', () => {
    // byPrev is genuine (the thief holds epoch key 0); byRoot is by the thief's own root key, over the same bytes.
    const forged = issueCertificate(spliced(alice, [[epochKey(1), mallory]]), 1, 0)
    const withMalloryRoot = { ...forged, byRoot: mallory.sign(ROOT_KEY, signedPart(forged)) }
    expect(certificateSignaturesHold(withMalloryRoot)).toBe(false)
    const { book, learn } = bookKnowing(issueCertificate(alice, 0, 0))
    expect(reasonOf(learn(withMalloryRoot))).toBe('bad-certificate')
    expect(keyFor(book, 1)).toBe('unknown-key')
    expect(keyFor(book, 0)).toBe(hex(alice.publicKey(epochKey(0))))
  })

  it('the certificate’s signatures cover its domain string: the root’s signature of the same fields without it is no certificate', () => {
    const genuine = issueCertificate(alice, 0, 0)
    const undomained = encode([genuine.root, genuine.epoch, genuine.key, genuine.prev, genuine.issuedAt])
    const signature = alice.sign(ROOT_KEY, undomained)
    const lookalike = { ...genuine, byPrev: signature, byRoot: signature }
    expect(certificateSignaturesHold(genuine)).toBe(true)
    expect(certificateSignaturesHold(lookalike)).toBe(false)
    expect(reasonOf(bookKnowing().learn(lookalike))).toBe('bad-certificate')
  })

  it('equivocation is refused: a second, validly signed key for a known epoch changes nothing', () => {
    const { book, learn } = bookKnowing(issueCertificate(alice, 0, 0), issueCertificate(alice, 1, 0))
    const other = issueCertificate(spliced(alice, [[epochKey(1), mallory]]), 1, 0)
    expect(certificateSignaturesHold(other)).toBe(true)
    const refused = learn(other)
    expect(reasonOf(refused)).toBe('bad-certificate')
    expect(Result.isFailure(refused) && refused.failure.message).toMatch(/equivocation/)
    expect(keyFor(book, 1)).toBe(hex(alice.publicKey(epochKey(1))))
    expect(keyFor(book, 0)).toBe(hex(alice.publicKey(epochKey(0)))) // in its grace window, as before
  })

  it('the next epoch must replace the known key: a validly signed certificate naming another previous key is refused', () => {
    const { book, learn } = bookKnowing(issueCertificate(alice, 0, 0))
    const offChain = issueCertificate(spliced(alice, [[epochKey(0), mallory]]), 1, 0)
    expect(certificateSignaturesHold(offChain)).toBe(true)
    expect(reasonOf(learn(offChain))).toBe('bad-certificate')
    expect(keyFor(book, 1)).toBe('unknown-key')
    expect(keyFor(book, 0)).toBe(hex(alice.publicKey(epochKey(0))))
  })

  it('an epoch-0 certificate must be handed over by the root itself', () => {
    const body = { root: alice.publicKey(ROOT_KEY), epoch: 0, key: alice.publicKey(epochKey(0)), prev: mallory.publicKey(ROOT_KEY), issuedAt: 0 }
    const handedByOther = { ...body, byPrev: mallory.sign(ROOT_KEY, signedPart(body)), byRoot: alice.sign(ROOT_KEY, signedPart(body)) }
    expect(certificateSignaturesHold(handedByOther)).toBe(true)
    expect(reasonOf(bookKnowing().learn(handedByOther))).toBe('bad-certificate')
  })

  it('no key with a torsion component is certified, as the epoch key or as the identity', () => {
    const mixedEpochKey = issueCertificate(claiming(alice, epochKey(1), withTorsion(alice.publicKey(epochKey(1)), 4)), 1, 0)
    expect(certificateSignaturesHold(mixedEpochKey)).toBe(false)
    expect(reasonOf(bookKnowing(issueCertificate(alice, 0, 0)).learn(mixedEpochKey))).toBe('bad-certificate')

    // An identity a·B + T, signed by the holder of a so that libsodium's cofactorless check accepts it.
    const seed = new Uint8Array(32).fill(9)
    const mixedRoot = withTorsion(ed25519FromSeed(seed).publicKey, 1)
    const body = { root: mixedRoot, epoch: 0, key: alice.publicKey(epochKey(0)), prev: mixedRoot, issuedAt: 0 }
    const signature = torsionSignature(seed, mixedRoot, signedPart(body))
    expect(reasonOf(bookKnowing().learn({ ...body, byPrev: signature, byRoot: signature }))).toBe('bad-certificate')
  })

  it('the envelope signature covers `to`: re-addressed or stripped of its addressee, an envelope does not open', () => {
    const party = (name: string, seed: number) => {
      const identity = identityStack()
      identity.start(new ManualContext(name, seed))
      return identity
    }
    const [sender, bob, carol] = [party('sender', 1), party('bob', 2), party('carol', 3)]
    const toBob = sender.seal('test/1', { hello: 'bob' }, { to: bob.root, withCertificate: true })
    const { to: _, ...stripped } = toBob
    expect(reasonOf(carol.open({ ...toBob, to: carol.root }, 'test/1', Hello))).toBe('bad-signature')
    expect(reasonOf(carol.open(stripped, 'test/1', Hello))).toBe('bad-signature')
    expect(reasonOf(bob.open(toBob, 'test/1', Hello))).toBe('ok')
  })
})
