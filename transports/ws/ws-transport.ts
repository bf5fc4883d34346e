import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { Result } from 'effect'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { TransportError, type CloseReason, type Link, type Misbehaviour, type Signer, type Transport, type TransportFailure } from '../../core/transport.ts'
import { BaseLink } from '../base-link.ts'
import { AddressCaps, DEFAULT_LIMITS, type Limits } from '../limits.ts'
import { selfSignedCertificate, type TlsCredentials } from './certificate.ts'
import { checkHello, hello, sessionBinding, type Role } from './identity-binding.ts'

/** WebSocket close codes for the reasons a link ends (4000–4999 are the application's). */
const CLOSE_CODE: Readonly<Record<CloseReason, number>> = {
  local: 1000,
  remote: 1000,
  closed: 1000,
  'frame-too-large': 1009,
  unreachable: 1011,
  'handshake-failed': 4002,
  'identity-mismatch': 4001,
  refused: 4003,
  'rate-limited': 4004,
}
const REASON_OF_CODE = new Map<number, TransportFailure>([
  [4001, 'identity-mismatch'],
  [4002, 'handshake-failed'],
  [4003, 'refused'],
  [4004, 'rate-limited'],
  [1009, 'frame-too-large'],
])

const TLS_OPTIONS = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const
const clock = () => performance.now() // real-runtime: rate limits on the wall clock

class WsLink extends BaseLink {
  constructor(
    private readonly socket: WebSocket,
    remoteIdentity: Uint8Array,
    remoteAddress: string,
    limits: Limits,
    report: (event: Misbehaviour) => void,
  ) {
    super(remoteIdentity, remoteAddress, limits, clock, report)
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) this.deliver(toBytes(data))
    })
    socket.on('close', () => this.finish('remote'))
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.cut('frame-too-large', error.message)
      else this.finish('remote')
    })
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount
  }

  protected transmit(frame: Uint8Array): void {
    this.socket.send(frame, { binary: true })
  }

  protected teardown(reason: CloseReason): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(CLOSE_CODE[reason])
  }
}

export interface WsTransportOptions {
  /** Where to listen: host (default 127.0.0.1) and port (default 0: any free port). */
  readonly host?: string
  readonly port?: number
  readonly limits?: Partial<Limits>
  /** TLS credentials; by default a fresh self-signed certificate. */
  readonly tls?: TlsCredentials
}

/**
 * WebSocket links over TLS 1.3 only (ws on node:https), each bound to both ends' Ed25519 identities
 * (identity-binding.ts). Handshake, after TLS and the WebSocket upgrade: the dialer sends its hello;
 * the listener checks it (signature, blacklist) and answers with its own, or closes with a reason code;
 * the dialer checks that hello (signature, expected identity). Only then is either side a Link.
 */
export class WsTransport implements Transport {
  private server: Server | undefined
  private wss: WebSocketServer | undefined
  private readonly linkHandlers: ((link: Link) => void)[] = []
  private readonly misbehaviourHandlers: ((event: Misbehaviour) => void)[] = []
  private readonly links = new Set<WsLink>()
  private readonly pending = new Set<WebSocket>()
  private readonly caps: AddressCaps
  readonly limits: Limits

  private constructor(
    private readonly signer: Signer,
    private readonly tls: TlsCredentials,
    private readonly options: WsTransportOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.caps = new AddressCaps(this.limits.maxLinksPerAddress)
  }

  static async create(signer: Signer, options: WsTransportOptions = {}): Promise<WsTransport> {
    return new WsTransport(signer, options.tls ?? (await selfSignedCertificate()), options)
  }

  get identity(): Uint8Array {
    return this.signer.publicKey
  }

  async listen(): Promise<string> {
    if (this.server === undefined) {
      const server = createServer({ ...this.tls, ...TLS_OPTIONS })
      this.server = server
      this.wss = new WebSocketServer({ server, maxPayload: this.limits.maxFrameBytes, perMessageDeflate: false })
      this.wss.on('connection', (socket, request) => this.accept(socket, request.socket as TLSSocket))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve())
      })
    }
    const { address, port } = this.server.address() as AddressInfo
    return `wss://${address.includes(':') ? `[${address}]` : address}:${port}`
  }

  dial(address: string, expected?: Uint8Array): Promise<Link> {
    return new Promise<Link>((resolve, reject) => {
      let socket: WebSocket
      try {
        socket = new WebSocket(address, { ...TLS_OPTIONS, rejectUnauthorized: false, maxPayload: this.limits.maxFrameBytes, perMessageDeflate: false })
      } catch (cause) {
        return reject(new TransportError('unreachable', `cannot dial ${address}: ${(cause as Error).message}`))
      }
      this.pending.add(socket)
      let binding: Uint8Array | undefined
      const fail = (error: TransportError, code?: number) => {
        clearTimeout(timer)
        this.pending.delete(socket)
        if (code !== undefined && socket.readyState === WebSocket.OPEN) socket.close(code)
        else socket.terminate()
        reject(error)
      }
      const timer = setTimeout(() => fail(new TransportError('handshake-failed', `${address} did not complete the handshake in ${this.limits.handshakeTimeoutMs} ms`)), this.limits.handshakeTimeoutMs)
      socket.on('upgrade', (response) => {
        try {
          binding = sessionBinding(response.socket as TLSSocket)
        } catch (error) {
          fail(error as TransportError)
        }
      })
      socket.on('open', () => {
        if (binding !== undefined) socket.send(hello(this.signer, 'dialer', binding), { binary: true })
      })
      socket.once('message', (data: RawData) => {
        const proved = checkHello(toBytes(data), 'listener', binding ?? new Uint8Array(0))
        if (Result.isFailure(proved)) return fail(proved.failure, CLOSE_CODE['handshake-failed'])
        if (expected !== undefined && !bytesEqual(expected, proved.success)) {
          return fail(new TransportError('identity-mismatch', `${address} proved identity ${toHex(proved.success).slice(0, 16)}…, not the one dialled`), CLOSE_CODE['identity-mismatch'])
        }
        clearTimeout(timer)
        this.pending.delete(socket)
        socket.removeAllListeners()
        resolve(this.track(new WsLink(socket, proved.success, address, this.limits, (e) => this.report(e))))
      })
      socket.once('close', (code: number) => fail(new TransportError(REASON_OF_CODE.get(code) ?? 'handshake-failed', `${address} closed the connection during the handshake (code ${code})`)))
      socket.once('error', (error: Error & { code?: string }) => {
        const reason = error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EHOSTUNREACH' ? 'unreachable' : 'handshake-failed'
        fail(new TransportError(reason, `cannot dial ${address}: ${error.message}`))
      })
    })
  }

  onLink(handler: (link: Link) => void): void {
    this.linkHandlers.push(handler)
  }

  onMisbehaviour(handler: (event: Misbehaviour) => void): void {
    this.misbehaviourHandlers.push(handler)
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) link.close()
    for (const socket of this.pending) socket.terminate()
    this.pending.clear()
    if (this.server === undefined) return
    const server = this.server
    this.server = undefined
    for (const client of this.wss?.clients ?? []) client.terminate()
    this.wss?.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private accept(socket: WebSocket, tls: TLSSocket): void {
    const ip = tls.remoteAddress ?? 'unknown'
    const remoteAddress = `${ip}:${tls.remotePort ?? 0}`
    if (!this.caps.admit(ip)) {
      this.report({ identity: undefined, remoteAddress, reason: 'refused', detail: `more than ${this.limits.maxLinksPerAddress} links from ${ip}` })
      return socket.close(CLOSE_CODE.refused)
    }
    this.pending.add(socket)
    let released = false
    const release = () => {
      if (!released) this.caps.release(ip)
      released = true
    }
    socket.once('close', release)
    const refuse = (reason: TransportFailure, detail: string, identity?: Uint8Array) => {
      clearTimeout(timer)
      this.pending.delete(socket)
      this.report({ identity, remoteAddress, reason, detail })
      socket.close(CLOSE_CODE[reason])
    }
    const timer = setTimeout(() => refuse('handshake-failed', `no hello in ${this.limits.handshakeTimeoutMs} ms`), this.limits.handshakeTimeoutMs)
    let binding: Uint8Array
    try {
      binding = sessionBinding(tls)
    } catch (error) {
      return refuse('handshake-failed', (error as Error).message)
    }
    socket.once('message', (data: RawData) => {
      const proved = checkHello(toBytes(data), 'dialer', binding)
      if (Result.isFailure(proved)) return refuse('handshake-failed', proved.failure.message)
      if (this.limits.isBlocked(proved.success)) return refuse('refused', 'blacklisted identity', proved.success)
      clearTimeout(timer)
      this.pending.delete(socket)
      socket.removeAllListeners('message')
      socket.send(hello(this.signer, 'listener', binding), { binary: true })
      const link = this.track(new WsLink(socket, proved.success, remoteAddress, this.limits, (e) => this.report(e)))
      link.onClose(release)
      for (const handler of this.linkHandlers) handler(link)
    })
  }

  private track(link: WsLink): WsLink {
    this.links.add(link)
    link.onClose(() => this.links.delete(link))
    return link
  }

  private report(event: Misbehaviour): void {
    for (const handler of this.misbehaviourHandlers) handler(event)
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}
