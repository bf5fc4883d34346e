import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { Misbehaviour } from '../../core/transport.ts'
import { transportCompliance } from '../transport-compliance.suite.ts'
import { testSigner } from '../test-signer.ts'
import { selfSignedCertificate } from './certificate.ts'
import { WsTransport } from './ws-transport.ts'

// One certificate for the whole suite: generating one per transport is real but slows nothing we test.
const tls = selfSignedCertificate()

transportCompliance('ws (TLS 1.3)', () => ({
  make: async (signer, limits) => WsTransport.create(signer, { limits, tls: await tls }),
}))

describe('ws identity binding', () => {
  const opened: { close(): unknown }[] = []
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close()
  })

  it('a man in the middle who terminates TLS on both sides fails the handshake', async () => {
    const server = await WsTransport.create(testSigner(1), { tls: await tls })
    opened.push(server)
    const reports: Misbehaviour[] = []
    server.onMisbehaviour((m) => reports.push(m))
    const target = await server.listen()
    // The attacker relays every WebSocket message between its own two TLS sessions, unmodified.
    const https = createServer({ ...(await tls) })
    const relay = new WebSocketServer({ server: https })
    relay.on('connection', (victim) => {
      const upstream = new WebSocket(target, { rejectUnauthorized: false })
      const queue: RawData[] = []
      upstream.on('open', () => queue.splice(0).forEach((m) => upstream.send(m)))
      victim.on('message', (m) => (upstream.readyState === WebSocket.OPEN ? upstream.send(m) : queue.push(m)))
      upstream.on('message', (m) => victim.send(m))
      upstream.on('close', () => victim.close())
    })
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve))
    opened.push({ close: () => new Promise((r) => (relay.close(), https.close(r))) })
    const client = await WsTransport.create(testSigner(2), { tls: await tls })
    opened.push(client)
    const port = (https.address() as AddressInfo).port
    await expect(client.dial(`wss://127.0.0.1:${port}`, server.identity)).rejects.toMatchObject({ reason: 'handshake-failed' })
    expect(reports.map((r) => r.reason)).toContain('handshake-failed')
  })

  it('refuses TLS below 1.3', async () => {
    const server = await WsTransport.create(testSigner(1), { tls: await tls })
    opened.push(server)
    const port = Number(new URL(await server.listen()).port)
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', rejectUnauthorized: false })
      socket.on('secureConnect', () => resolve(`connected with ${socket.getProtocol()}`))
      socket.on('error', (e) => resolve(`error: ${e.message}`))
    })
    expect(outcome).toMatch(/^error: .*(protocol version|alert)/i)
  })

  it('refuses a client that sends garbage instead of a hello', async () => {
    const server = await WsTransport.create(testSigner(1), { tls: await tls })
    opened.push(server)
    const reports: Misbehaviour[] = []
    server.onMisbehaviour((m) => reports.push(m))
    const raw = new WebSocket(await server.listen(), { rejectUnauthorized: false })
    const code = await new Promise<number>((resolve) => {
      raw.on('open', () => raw.send(Buffer.from('garbage')))
      raw.on('close', resolve)
    })
    expect(code).toBe(4002)
    expect(reports[0]).toMatchObject({ reason: 'handshake-failed' })
  })
})

describe('ws dialling by DNS name', () => {
  it('refuses to connect where a name resolves to an address the policy refuses (localhost → loopback)', async () => {
    const server = await WsTransport.create(testSigner(1), { tls: await tls })
    const seen: string[] = []
    const client = await WsTransport.create(testSigner(2), {
      tls: await tls,
      resolvedAddressProblem: (ip) => (seen.push(ip), ip.startsWith('127.') || ip === '::1' ? 'loopback' : undefined),
    })
    let accepted = 0
    server.onLink(() => accepted++)
    const port = new URL(await server.listen()).port
    try {
      await expect(client.dial(`wss://localhost:${port}`)).rejects.toMatchObject({ reason: 'refused' })
      expect(seen.some((ip) => ip === '127.0.0.1' || ip === '::1')).toBe(true)
      expect(accepted).toBe(0)
      // An IP literal is not looked up: the runtime's dial policy judges it before the dial.
      await expect(client.dial(`wss://127.0.0.1:${port}`)).resolves.toMatchObject({ open: true })
    } finally {
      await client.close()
      await server.close()
    }
  })

  it("gives a dialled link the socket's ip:port as its remote address, not the URL dialled", async () => {
    const server = await WsTransport.create(testSigner(1), { tls: await tls })
    const client = await WsTransport.create(testSigner(2), { tls: await tls })
    const port = new URL(await server.listen()).port
    try {
      const link = await client.dial(`wss://localhost:${port}/`)
      expect(link.remoteAddress).toBe(`127.0.0.1:${port}`) // the listener is on 127.0.0.1
    } finally {
      await client.close()
      await server.close()
    }
  })
})
