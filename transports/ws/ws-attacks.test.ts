import { request } from 'node:https'
import { connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { CloseReason, Link, Misbehaviour } from '../../core/transport.ts'
import type { Limits } from '../limits.ts'
import { testSigner } from '../test-signer.ts'
import { selfSignedCertificate } from './certificate.ts'
import { hello, sessionBinding } from './identity-binding.ts'
import { WsTransport } from './ws-transport.ts'

/**
 * The attacks of issue 9 on a real listener, over loopback, each asserting that what the attacker can
 * make the node hold stays bounded and that an honest dialler still gets a link. Timeouts are generous:
 * these run beside other suites on a shared machine.
 */
const tls = selfSignedCertificate()
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Every open link sends 64 KiB frames as fast as it can (a node answering a flood of find_value
 * requests), until every link is cut or 256 MiB went out; resolves with the peak of `measure` (over
 * all the links), taken after each round.
 */
async function answerUntilCut(links: readonly Link[], measure: (all: readonly Link[]) => number): Promise<number> {
  const frame = new Uint8Array(64 << 10)
  let peak = 0
  let sent = 0
  while (links.some((link) => link.open) && sent < 256 << 20) {
    for (const link of links) {
      if (!link.open) continue
      try {
        link.send(frame)
        sent += frame.byteLength
      } catch {
        // slow-reader: the link is cut
      }
    }
    peak = Math.max(peak, measure(links))
    await new Promise((resolve) => setImmediate(resolve))
  }
  return peak
}

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await wait(10)
  }
}

describe('ws under attack', () => {
  const closers: (() => unknown)[] = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  const listener = async (limits: Partial<Limits> = {}) => {
    const server = await WsTransport.create(testSigner(1), { tls: await tls, limits })
    closers.push(() => server.close())
    const reports: Misbehaviour[] = []
    server.onMisbehaviour((m) => reports.push(m))
    const links: Link[] = []
    server.onLink((link) => links.push(link))
    const url = await server.listen()
    return { server, reports, links, url, port: Number(new URL(url).port) }
  }

  /** An honest dialler from the same IP (loopback) as the attacker. */
  const honestDial = async (url: string, seed = 50) => {
    const honest = await WsTransport.create(testSigner(seed), { tls: await tls })
    closers.push(() => honest.close())
    return honest.dial(url)
  }

  /** A raw ws client that completes the identity handshake as `seed`, then does what the test says. */
  const rawPeer = (url: string, seed: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false })
      closers.push(() => socket.terminate())
      let binding: Uint8Array
      socket.on('upgrade', (response) => (binding = sessionBinding(response.socket as TLSSocket)))
      socket.on('open', () => socket.send(hello(testSigner(seed), 'dialer', binding), { binary: true }))
      socket.once('message', () => resolve(socket)) // the listener's hello: the link is up
      socket.once('error', reject)
    })

  /** Plain TCP connections that never send a byte. */
  const idleTcp = (port: number, count: number) =>
    Promise.all(
      Array.from({ length: count }, () =>
        new Promise<Socket>((resolve) => {
          const socket = tcpConnect(port, '127.0.0.1', () => resolve(socket))
          socket.on('error', () => {})
          closers.push(() => socket.destroy())
        }),
      ),
    )

  it('cuts ten links that never read, and what they pin stays under the bound', async () => {
    const bound = 1 << 20
    const { links, reports, url } = await listener({ maxBufferedBytes: bound, maxFrameBytes: 64 << 10 })
    const readers = await Promise.all(Array.from({ length: 10 }, (_, i) => rawPeer(url, 10 + i)))
    for (const reader of readers) reader.pause() // reads nothing more: the kernel's buffers fill, then the node's
    await eventually(() => links.length === 10, 'ten links')
    const reasons = links.map((link) => new Promise<CloseReason>((resolve) => link.onClose(resolve)))
    // Every link answers as fast as it can, as a node answering a flood of find_value requests would.
    // ~50 MiB goes into the kernel's buffers first; `send` throws slow-reader once a link is cut.
    const peak = await answerUntilCut(links, (all) => Math.max(...all.map((link) => link.bufferedBytes)))
    expect(links.filter((link) => link.open)).toHaveLength(0)
    expect(await Promise.all(reasons)).toEqual(Array(10).fill('slow-reader'))
    expect(peak).toBeLessThanOrEqual(bound)
    expect(reports.filter((r) => r.reason === 'slow-reader')).toHaveLength(10)
    await eventually(() => links.every((link) => link.bufferedBytes === 0), 'every buffer released')
    expect((await honestDial(url)).open).toBe(true)
  }, 60_000)

  it("holds the unsent bytes of all links within the transport's budget, cutting the link holding the most", async () => {
    const budget = 4 << 20
    // Each link alone may hold 2 MiB: ten would pin 20 MiB without the budget.
    const { links, reports, url } = await listener({ maxBufferedBytes: 2 << 20, maxTransportBufferedBytes: budget, maxFrameBytes: 64 << 10 })
    const readers = await Promise.all(Array.from({ length: 10 }, (_, i) => rawPeer(url, 30 + i)))
    for (const reader of readers) reader.pause()
    await eventually(() => links.length === 10, 'ten links')
    const reasons = links.map((link) => new Promise<CloseReason>((resolve) => link.onClose(resolve)))
    // A send throws slow-reader when its link was the one holding the most.
    const peak = await answerUntilCut(links, (all) => all.reduce((sum, link) => sum + (link.open ? link.bufferedBytes : 0), 0))
    expect(await Promise.all(reasons)).toEqual(Array(10).fill('slow-reader'))
    expect(peak).toBeLessThanOrEqual(budget + 1024) // + the WebSocket header of the last frame sent
    expect(reports.filter((r) => r.reason === 'slow-reader').length).toBe(10)
    expect((await honestDial(url)).open).toBe(true)
  }, 60_000)

  it('holds at most maxPendingPerAddress idle connections from one IP, closes each at the deadline, and lets an honest dialler in', async () => {
    const { server, reports, url, port } = await listener({ maxPendingPerAddress: 8, handshakeTimeoutMs: 1_000 })
    const sockets = await idleTcp(port, 300)
    let closed = 0
    for (const socket of sockets) socket.once('close', () => closed++)
    await eventually(() => closed >= 292, 'the oldest 292 closed')
    expect(server.pendingConnections).toBeLessThanOrEqual(8)
    // The honest dialler evicts the oldest idle connection and finishes its handshake long before the deadline.
    const link = await honestDial(url)
    expect(link.open).toBe(true)
    await eventually(() => closed === 300, 'every idle connection closed at its deadline')
    expect(server.pendingConnections).toBe(0)
    const refusals = reports.filter((r) => r.reason === 'refused')
    expect(refusals).toHaveLength(1) // ~293 evictions, one report
    expect(refusals[0]!.detail).toMatch(/\d+ more from 127\.0\.0\.1|connections from 127\.0\.0\.1/)
  }, 60_000)

  it('closes a TLS connection that never finishes its HTTP request (slowloris) at the deadline', async () => {
    const { port } = await listener({ handshakeTimeoutMs: 500 })
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
    closers.push(() => socket.destroy())
    socket.on('error', () => {})
    await new Promise((resolve) => socket.once('secureConnect', resolve))
    socket.write('GET / HTTP/1.1\r\nHost: vain\r\nX-Slow: ')
    const start = performance.now()
    await new Promise((resolve) => socket.once('close', resolve))
    expect(performance.now() - start).toBeLessThan(20_000) // Node's own header timeout is 60 s, checked every 30 s
  }, 30_000)

  it('answers plain HTTPS requests with 426 and closes them, reported once', async () => {
    const { reports, url, port } = await listener()
    const get = () =>
      new Promise<{ status: number; closed: Promise<void> }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/v1/delete', method: 'GET', rejectUnauthorized: false, agent: false }, (response) => {
          response.resume()
          resolve({ status: response.statusCode!, closed: new Promise((done) => response.socket.once('close', () => done())) })
        })
        req.on('error', reject)
        req.end()
      })
    const answers = await Promise.all(Array.from({ length: 40 }, get))
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(426))
    await Promise.all(answers.map((a) => a.closed))
    expect(reports.filter((r) => r.reason === 'protocol-violation')).toHaveLength(1)
    expect((await honestDial(url)).open).toBe(true)
  }, 30_000)

  it('holds at most maxConnections at once, a newcomer evicting the oldest pending connection', async () => {
    const { server, reports, url, port } = await listener({ maxConnections: 20, maxPendingPerAddress: 1_000, handshakeTimeoutMs: 1_000 })
    const sockets = await idleTcp(port, 60)
    let closed = 0
    for (const socket of sockets) socket.once('close', () => closed++)
    await eventually(() => closed >= 40, 'the connections past the cap dropped')
    expect(server.pendingConnections).toBeLessThanOrEqual(20)
    expect(reports.filter((r) => r.reason === 'refused')).toHaveLength(1)
    await eventually(() => closed === 60, 'the rest closed at the deadline')
    expect((await honestDial(url)).open).toBe(true)
  }, 30_000)

  it('at maxConnections full of idle connections, an honest dialler evicts one instead of being dropped', async () => {
    const { server, reports, url, port } = await listener({ maxConnections: 20, maxPendingPerAddress: 1_000, handshakeTimeoutMs: 30_000 })
    const sockets = await idleTcp(port, 20)
    await eventually(() => server.pendingConnections === 20, 'the cap filled')
    let closed = 0
    for (const socket of sockets) socket.once('close', () => closed++)
    const link = await honestDial(url) // long before any idle connection's deadline
    expect(link.open).toBe(true)
    expect(closed).toBeGreaterThanOrEqual(1)
    expect(server.pendingConnections).toBeLessThanOrEqual(19)
    expect(reports.some((r) => r.reason === 'refused' && /cap of 20 connections/.test(r.detail))).toBe(true)
  }, 60_000)

  it('survives a frame ws cannot parse before the hello (it used to crash the process), and reports it', async () => {
    const { reports, url } = await listener({ maxFrameBytes: 1 << 10, maxBufferedBytes: 1 << 20 })
    const raw = new WebSocket(url, { rejectUnauthorized: false })
    closers.push(() => raw.terminate())
    const code = await new Promise<number>((resolve) => {
      raw.on('open', () => raw.send(new Uint8Array(4 << 10)))
      raw.on('close', resolve)
    })
    expect(code).toBe(1009)
    await eventually(() => reports.some((r) => r.reason === 'frame-too-large'), 'the report')
    expect((await honestDial(url)).open).toBe(true)
  }, 30_000)

  it('cuts a link that sends a text frame, without reading the rest', async () => {
    const { links, reports, url } = await listener()
    const peer = await rawPeer(url, 7)
    const code = new Promise<number>((resolve) => peer.once('close', resolve))
    await eventually(() => links.length === 1, 'the link')
    const closed = new Promise<CloseReason>((resolve) => links[0]!.onClose(resolve))
    peer.send('x'.repeat(1 << 19))
    expect(await closed).toBe('protocol-violation')
    expect(await code).toBe(4006)
    expect(reports.map((r) => r.reason)).toEqual(['protocol-violation'])
  }, 30_000)

  it('counts pings against the rate limit, never answers them, and cuts a ping flood', async () => {
    const { links, url } = await listener({ framesPerSecond: 10, burst: 20, maxDropsBeforeCut: 50 })
    const peer = await rawPeer(url, 8)
    let pongs = 0
    peer.on('pong', () => pongs++)
    await eventually(() => links.length === 1, 'the link')
    const closed = new Promise<CloseReason>((resolve) => links[0]!.onClose(resolve))
    const code = new Promise<number>((resolve) => peer.once('close', resolve))
    for (let i = 0; i < 200; i++) peer.ping()
    expect(await closed).toBe('rate-limited')
    expect(await code).toBe(4004) // everything the node sent before the close has arrived by now
    expect(pongs).toBe(0)
  }, 30_000)
})
