import { afterEach, describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../core/keys.ts'
import { sign } from '../core/sign.ts'
import { TransportError, type CloseReason, type Link, type Misbehaviour, type Signer, type Transport } from '../core/transport.ts'
import type { Limits } from './limits.ts'

/** Builds transports for the suite; `cleanup` runs after each test. */
export interface ComplianceFixture {
  make(signer: Signer, limits?: Partial<Limits>): Promise<Transport>
  cleanup?(): Promise<void>
}

/** An Ed25519 Signer from a one-byte seed (test identities). */
export function testSigner(seedByte: number): Signer {
  const keys = ed25519FromSeed(new Uint8Array(32).fill(seedByte))
  return { publicKey: keys.publicKey, sign: (m) => sign(keys.secretKey, m) }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms))

async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await tick(5)
  }
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'resolved'
  } catch (e) {
    expect(e).toBeInstanceOf(TransportError)
    return (e as TransportError).reason
  }
}

/**
 * The transport compliance suite: what actors and runtimes may rely on, whatever the link. Every
 * Transport implementation runs it (memory and ws here), as js-libp2p's transports run its
 * interface-compliance tests, so the in-process link and the real one are proven to behave alike.
 */
export function transportCompliance(name: string, fixture: () => ComplianceFixture): void {
  describe(`${name} transport compliance`, () => {
    let f: ComplianceFixture
    const transports: Transport[] = []
    const make = async (seed: number, limits?: Partial<Limits>) => {
      f ??= fixture()
      const t = await f.make(testSigner(seed), limits)
      transports.push(t)
      return t
    }
    /** A listening transport, a dialler, the dialler's link and the listener's link. */
    const connect = async (limitsA?: Partial<Limits>, limitsB?: Partial<Limits>) => {
      const a = await make(1, limitsA)
      const b = await make(2, limitsB)
      const accepted = new Promise<Link>((resolve) => a.onLink(resolve))
      const address = await a.listen()
      const dialled = await b.dial(address, a.identity)
      return { a, b, address, dialled, accepted: await accepted }
    }

    afterEach(async () => {
      for (const t of transports.splice(0)) await t.close()
      await f?.cleanup?.()
    })

    it('authenticates both ends: each link knows the identity of the other side', async () => {
      const { a, b, dialled, accepted } = await connect()
      expect(hex(dialled.remoteIdentity)).toBe(hex(a.identity))
      expect(hex(accepted.remoteIdentity)).toBe(hex(b.identity))
      expect(dialled.open && accepted.open).toBe(true)
    })

    it('carries frames whole, unmodified and in order, both ways', async () => {
      const { dialled, accepted } = await connect()
      const sizes = Array.from({ length: 300 }, (_, i) => (i * 7919) % 5000)
      const frames = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (i + j) & 0xff))
      const gotA: Uint8Array[] = []
      const gotB: Uint8Array[] = []
      accepted.onFrame((f) => gotA.push(f))
      dialled.onFrame((f) => gotB.push(f))
      for (const frame of frames) {
        dialled.send(frame)
        accepted.send(frame)
      }
      await eventually(() => gotA.length === frames.length && gotB.length === frames.length, 'all frames')
      for (const got of [gotA, gotB]) expect(got.map(hex)).toEqual(frames.map(hex))
    })

    it('keeps frames that arrive before a handler is set', async () => {
      const { dialled, accepted } = await connect()
      dialled.send(new Uint8Array([1]))
      dialled.send(new Uint8Array([2]))
      await tick(50)
      const got: number[] = []
      accepted.onFrame((f) => got.push(f[0]!))
      await eventually(() => got.length === 2, 'early frames')
      expect(got).toEqual([1, 2])
    })

    it('closes both ends exactly once, and refuses to send on a closed link', async () => {
      const { dialled, accepted } = await connect()
      const reasons: CloseReason[][] = [[], []]
      dialled.onClose((r) => reasons[0]!.push(r))
      accepted.onClose((r) => reasons[1]!.push(r))
      dialled.close()
      dialled.close()
      await eventually(() => reasons[1]!.length === 1, 'the remote close')
      expect(reasons).toEqual([['local'], ['remote']])
      expect(() => dialled.send(new Uint8Array(1))).toThrow(TransportError)
      expect(() => accepted.send(new Uint8Array(1))).toThrow(expect.objectContaining({ reason: 'closed' }))
    })

    it('refuses to send a frame above the limit and stays open', async () => {
      const { dialled } = await connect(undefined, { maxFrameBytes: 1024 })
      expect(() => dialled.send(new Uint8Array(1025))).toThrow(expect.objectContaining({ reason: 'frame-too-large' }))
      expect(dialled.open).toBe(true)
      dialled.send(new Uint8Array(1024))
    })

    it('cuts a peer that sends a frame above the receiver’s limit, and reports it', async () => {
      const { a, dialled, accepted } = await connect({ maxFrameBytes: 1024 }, { maxFrameBytes: 1 << 16 })
      const reports: Misbehaviour[] = []
      a.onMisbehaviour((m) => reports.push(m))
      const closed = new Promise<CloseReason>((resolve) => accepted.onClose(resolve))
      dialled.send(new Uint8Array(4096))
      expect(await closed).toBe('frame-too-large')
      expect(reports.map((r) => r.reason)).toContain('frame-too-large')
    })

    it('throttles a flooding peer, then cuts it off and reports it', async () => {
      const { a, b, dialled, accepted } = await connect({ framesPerSecond: 10, burst: 20, maxDropsBeforeCut: 100 })
      const reports: Misbehaviour[] = []
      a.onMisbehaviour((m) => reports.push(m))
      let got = 0
      accepted.onFrame(() => got++)
      const closed = new Promise<CloseReason>((resolve) => accepted.onClose(resolve))
      for (let i = 0; i < 400 && dialled.open; i++) dialled.send(new Uint8Array(8))
      expect(await closed).toBe('rate-limited')
      expect(got).toBeLessThan(60)
      expect(hex(reports.find((r) => r.reason === 'rate-limited')!.identity!)).toBe(hex(b.identity))
    })

    it('fails to dial nothing, or an identity other than the one expected', async () => {
      const a = await make(1)
      const b = await make(2)
      const address = await a.listen()
      expect(await failure(b.dial(address, testSigner(9).publicKey))).toBe('identity-mismatch')
      await a.close()
      expect(await failure(b.dial(address))).toBe('unreachable')
    })

    it('refuses a blacklisted identity at the handshake', async () => {
      const banned = testSigner(2).publicKey
      const a = await make(1, { isBlocked: (id) => hex(id) === hex(banned) })
      const reports: Misbehaviour[] = []
      a.onMisbehaviour((m) => reports.push(m))
      let links = 0
      a.onLink(() => links++)
      const address = await a.listen()
      const b = await make(2)
      expect(await failure(b.dial(address))).toBe('refused')
      expect(links).toBe(0)
      await eventually(() => reports.some((r) => r.reason === 'refused'), 'the refusal report')
    })

    it('caps the links from one address', async () => {
      const a = await make(1, { maxLinksPerAddress: 2 })
      const b = await make(2)
      const address = await a.listen()
      await b.dial(address)
      await b.dial(address)
      expect(await failure(b.dial(address))).toBe('refused')
    })

    it('closing a transport closes its links', async () => {
      const { a, accepted, dialled } = await connect()
      const closed = new Promise<CloseReason>((resolve) => dialled.onClose(resolve))
      await a.close()
      expect(await closed).toBe('remote')
      expect(accepted.open).toBe(false)
    })
  })
}
