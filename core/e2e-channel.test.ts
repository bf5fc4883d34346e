import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from './keys.ts'
import { Random } from './random.ts'
import { kxFromSeed, x25519FromEd25519, x25519PublicOf } from './seal.ts'
import type { Link } from './transport.ts'
import { MemoryNetwork } from '../transports/memory.ts'
import { testSigner } from '../transports/test-signer.ts'
import { E2eChannel } from './e2e-channel.ts'

const random = Random.fromSeed('e2e-test')
const nonces = (n: number) => random.bytes(n)
const alice = kxFromSeed(new Uint8Array(32).fill(1))
const bob = kxFromSeed(new Uint8Array(32).fill(2))
const mallory = kxFromSeed(new Uint8Array(32).fill(3))

describe('E2eChannel', () => {
  it('round-trips any message, and any altered bit is refused', () => {
    const a = new E2eChannel(alice, bob.publicKey, nonces)
    const b = new E2eChannel(bob, alice.publicKey, nonces)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (message, at, bit) => {
        const frame = Buffer.from(a.seal(message))
        const opened = b.open(frame)
        expect(Result.isSuccess(opened) && Buffer.from(opened.success).equals(Buffer.from(message))).toBe(true)
        frame[at % frame.length]! ^= 1 << bit
        expect(Result.isFailure(b.open(frame))).toBe(true)
      }),
    )
  })

  it('cannot be read by a third key, reflected to its sender, or opened under other associated data', () => {
    const a = new E2eChannel(alice, bob.publicKey, nonces)
    const frame = a.seal(new TextEncoder().encode('secret'), new Uint8Array([1]))
    expect(Result.isFailure(new E2eChannel(mallory, alice.publicKey, nonces).open(frame, new Uint8Array([1])))).toBe(true)
    expect(Result.isFailure(a.open(frame, new Uint8Array([1])))).toBe(true) // reflection
    expect(Result.isFailure(new E2eChannel(bob, alice.publicKey, nonces).open(frame, new Uint8Array([2])))).toBe(true)
    expect(Result.isSuccess(new E2eChannel(bob, alice.publicKey, nonces).open(frame, new Uint8Array([1])))).toBe(true)
    expect(new E2eChannel(bob, alice.publicKey, nonces).open(new Uint8Array(10))).toMatchObject({ failure: { reason: 'truncated' } })
  })

  it('works with keys converted from Ed25519 identities (encrypt to anyone whose identity you know)', () => {
    const ed = ed25519FromSeed(new Uint8Array(32).fill(7))
    const converted = x25519FromEd25519(ed.secretKey)
    expect(Buffer.from(converted.publicKey).equals(Buffer.from(x25519PublicOf(ed.publicKey)))).toBe(true)
    const frame = new E2eChannel(alice, x25519PublicOf(ed.publicKey), nonces).seal(new Uint8Array([42]))
    const opened = new E2eChannel(converted, alice.publicKey, nonces).open(frame)
    expect(Result.isSuccess(opened) && opened.success[0]).toBe(42)
  })

  it('passes through a relay that sees only ciphertext', async () => {
    const network = new MemoryNetwork()
    const [ta, tr, tb] = [1, 2, 3].map((s) => network.transport(testSigner(s)))
    const relayed: Uint8Array[] = []
    const toB = new Promise<Link>((resolve) => tb!.onLink(resolve))
    tr!.onLink(async (fromA) => {
      const onward = await tr!.dial(await tb!.listen())
      fromA.onFrame((frame) => {
        relayed.push(frame)
        onward.send(frame)
      })
    })
    const link = await ta!.dial(await tr!.listen())
    const plaintext = new TextEncoder().encode('model update for bob only')
    link.send(new E2eChannel(alice, bob.publicKey, nonces).seal(plaintext))
    const atB = await toB
    const frame = await new Promise<Uint8Array>((resolve) => atB.onFrame(resolve))
    expect(Buffer.from(relayed[0]!).includes(Buffer.from('bob only'))).toBe(false)
    const opened = new E2eChannel(bob, alice.publicKey, nonces).open(frame)
    expect(Result.isSuccess(opened) && new TextDecoder().decode(opened.success)).toBe('model update for bob only')
  })
})

describe('E2eChannel.open on arbitrary bytes', () => {
  it('gives a typed error, never a throw', () => {
    const b = new E2eChannel(bob, alice.publicKey, nonces)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const opened = b.open(bytes)
        expect(Result.isFailure(opened) && ['truncated', 'forged'].includes(opened.failure.reason)).toBe(true)
      }),
    )
  })
})
