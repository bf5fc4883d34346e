import { afterEach, describe, expect, it } from 'vitest'
import { TransportError, type CloseReason, type Link, type Misbehaviour, type Signer, type Transport } from '../core/transport.ts'
import type { Limits } from './limits.ts'
import { testSigner } from './test-signer.ts'

/**
 * Builds transports for the suite; `cleanup` runs after each test. Every transport it makes dials from
 * one address (one IP), as the per-address caps see it.
 */
export interface ComplianceFixture {
  make(signer: Signer, limits?: Partial<Limits>): Promise<Transport>
  cleanup?(): Promise<void>
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms)) // real-runtime: the suite waits on real links

async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs // real-runtime: a wall-clock deadline for real links
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`) // real-runtime
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

    it('keeps no more than maxBufferedBytes of frames that nobody reads yet: past it the link is cut', async () => {
      const bound = 16 << 10
      const { a, dialled, accepted } = await connect({ maxBufferedBytes: bound, maxFrameBytes: 4 << 10 })
      const reports: Misbehaviour[] = []
      a.onMisbehaviour((m) => reports.push(m))
      const frame = new Uint8Array(4 << 10)
      for (let i = 0; i < 8 && dialled.open; i++) {
        dialled.send(frame)
        await tick(5)
      }
      await eventually(() => !accepted.open, 'the unread link cut')
      expect(reports.map((r) => r.reason)).toEqual(['rate-limited'])
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

    it('caps the links from one address, counting each identity once', async () => {
      const a = await make(1, { maxLinksPerAddress: 2 })
      const reports: Misbehaviour[] = []
      a.onMisbehaviour((m) => reports.push(m))
      const address = await a.listen()
      await (await make(2)).dial(address)
      await (await make(3)).dial(address)
      expect(await failure((await make(4)).dial(address))).toBe('refused')
      await eventually(() => reports.some((r) => r.reason === 'refused'), 'the refusal report')
    })

    it('at the address cap, a peer of higher priority takes the place of the lowest-priority link; equals are refused', async () => {
      const known = hex(testSigner(5).publicKey)
      const a = await make(1, { maxLinksPerAddress: 2, priorityOf: (identity) => (hex(identity) === known ? 1 : 0) })
      const accepted: Link[] = []
      a.onLink((link) => accepted.push(link))
      const address = await a.listen()
      await (await make(2)).dial(address)
      await (await make(3)).dial(address)
      expect(await failure((await make(4)).dial(address))).toBe('refused') // a stranger among strangers
      await (await make(5)).dial(address) // the known peer gets in
      await eventually(() => accepted.length === 3, 'the known peer admitted')
      expect(accepted.map((l) => l.open)).toEqual([false, true, true])
      expect(hex(accepted[2]!.remoteIdentity)).toBe(known)
      expect(await failure((await make(6)).dial(address))).toBe('refused') // and cannot be pushed out
      expect(accepted[2]!.open).toBe(true)
    })

    it('keeps one inbound link per identity: a newer one replaces the older, which closes as replaced', async () => {
      const a = await make(1, { maxLinksPerAddress: 2 })
      const b = await make(2)
      const accepted: Link[] = []
      a.onLink((link) => accepted.push(link))
      const address = await a.listen()
      const first = await b.dial(address)
      const firstClosed = new Promise<CloseReason>((resolve) => first.onClose(resolve))
      await eventually(() => accepted.length === 1, 'the first link')
      const reasons: CloseReason[] = []
      accepted[0]!.onClose((r) => reasons.push(r))
      // Five more from one identity, against a cap of two per address: each replaces the one before.
      for (let i = 0; i < 5; i++) await b.dial(address)
      await eventually(() => accepted.length === 6, 'every replacement')
      expect(reasons).toEqual(['replaced'])
      expect(await firstClosed).toBe('remote')
      expect(accepted.filter((l) => l.open)).toHaveLength(1)
      await (await make(3)).dial(address) // the identity held one slot of two: another identity still fits
    })

    it('cuts a link whose unsent bytes would pass its bound: send throws slow-reader, the peer is reported and sees the close', async () => {
      const bound = 64 << 10
      const { b, dialled, accepted } = await connect(undefined, { maxBufferedBytes: bound, maxFrameBytes: bound })
      const reports: Misbehaviour[] = []
      b.onMisbehaviour((m) => reports.push(m))
      const closed = new Promise<CloseReason>((resolve) => accepted.onClose(resolve))
      // Sent without yielding, so the peer reads nothing meanwhile: 64 MiB against a 64 KiB bound.
      const frame = new Uint8Array(16 << 10)
      let thrown: unknown
      for (let i = 0; i < 4096 && thrown === undefined; i++) {
        try {
          dialled.send(frame)
        } catch (error) {
          thrown = error
        }
        expect(dialled.bufferedBytes).toBeLessThanOrEqual(bound)
      }
      expect(thrown).toMatchObject({ _tag: 'TransportError', reason: 'slow-reader' })
      expect(dialled.open).toBe(false)
      await eventually(() => dialled.bufferedBytes === 0, 'the unsent bytes released')
      expect(() => dialled.send(frame)).toThrow(expect.objectContaining({ reason: 'closed' }))
      expect(reports.map((r) => r.reason)).toEqual(['slow-reader'])
      expect(await closed).toBe('remote')
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
