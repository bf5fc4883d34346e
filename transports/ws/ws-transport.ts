import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { Result } from 'effect'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { TransportError, type CloseReason, type Link, type Misbehaviour, type Signer, type Transport, type TransportFailure } from '../../core/transport.ts'
import { BaseLink } from '../base-link.ts'
import { InboundLinks } from '../inbound-links.ts'
import { limitsWith, type Limits } from '../limits.ts'
import { ReportAggregator } from '../report-aggregator.ts'
import { SendBudget } from '../send-budget.ts'
import { selfSignedCertificate, type TlsCredentials } from './certificate.ts'
import { ConnectionGate, connectionKey, remoteIp } from './connection-gate.ts'
import { checkedLookup } from './checked-lookup.ts'
import { checkHello, hello, sessionBinding } from './identity-binding.ts'

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
  'slow-reader': 4005, // never seen by the peer, which is not reading: the socket is destroyed at once
  'protocol-violation': 4006,
  replaced: 4007,
}
const REASON_OF_CODE = new Map<number, TransportFailure>([
  [4001, 'identity-mismatch'],
  [4002, 'handshake-failed'],
  [4003, 'refused'],
  [4004, 'rate-limited'],
  [4006, 'protocol-violation'],
  [1009, 'frame-too-large'],
])

/**
 * 1 s: how long a closing link waits for the peer's close frame before its socket is destroyed. ws
 * waits 30 s by default, which would let every cut link hold a descriptor and its buffers that long.
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 1_000

/**
 * ws options for both ends. vAIn speaks binary frames only and never pings: a text frame cuts the link
 * before anything else, so its UTF-8 is never checked, and pings are counted against the rate limit
 * and never answered (an automatic pong is a send the link's outbound bound would not see).
 */
const WS_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true, autoPong: false, closeTimeout: DEFAULT_CLOSE_TIMEOUT_MS } as const
const TLS_OPTIONS = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const
const clock = () => performance.now() // real-runtime: rate limits on the wall clock

class WsLink extends BaseLink {
  constructor(
    private readonly socket: WebSocket,
    remoteIdentity: Uint8Array,
    remoteAddress: string,
    limits: Limits,
    report: (event: Misbehaviour) => void,
    budget: SendBudget<BaseLink>,
  ) {
    super(remoteIdentity, remoteAddress, limits, clock, report, budget)
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) this.deliver(toBytes(data))
      else this.cut('protocol-violation', 'a text frame: vAIn speaks binary frames only')
    })
    socket.on('ping', () => this.admit())
    socket.on('pong', () => this.admit())
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
    // A peer that does not read would never take the close frame: destroying the socket is what frees its buffer.
    if (reason === 'slow-reader') return this.socket.terminate()
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(CLOSE_CODE[reason])
    // A cut peer gets the reason, but nothing more of what it sends is read or parsed.
    if (reason !== 'local' && reason !== 'replaced') this.socket.pause()
  }
}

export interface WsTransportOptions {
  /** Where to listen: host (default 127.0.0.1) and port (default 0: any free port). */
  readonly host?: string
  readonly port?: number
  readonly limits?: Partial<Limits>
  /** TLS credentials; by default a fresh self-signed certificate. */
  readonly tls?: TlsCredentials
  /**
   * Why an address a dialled DNS name resolved to must not be connected to (e.g. loopback), or
   * undefined when it may. Default: any address (IP literals are judged by the runtime's dial policy).
   */
  readonly resolvedAddressProblem?: (ip: string) => string | undefined
}

/**
 * WebSocket links over TLS 1.3 only (ws on node:https), each bound to both ends' Ed25519 identities
 * (identity-binding.ts). Handshake, after TLS and the WebSocket upgrade: the dialer sends its hello;
 * the listener checks it (signature, blacklist) and answers with its own, or closes with a reason code;
 * the dialer checks that hello (signature, expected identity). Only then is either side a Link.
 *
 * Before that, an inbound connection is a stranger's: the gate (connection-gate.ts) counts it per
 * address (an IPv4 address, an IPv6 /64) from the TCP accept on and gives it `handshakeTimeoutMs` in
 * all; a plain HTTP request is answered 426 and closed; at `maxConnections` (all phases) a newcomer
 * evicts the oldest pending connection of the address with the most. After it, InboundLinks caps the links per address and keeps one per
 * identity. Refusals are reported thinned (report-aggregator.ts).
 */
export class WsTransport implements Transport {
  private server: Server | undefined
  private wss: WebSocketServer | undefined
  private readonly linkHandlers: ((link: Link) => void)[] = []
  private readonly misbehaviourHandlers: ((event: Misbehaviour) => void)[] = []
  private readonly links = new Set<WsLink>()
  /** Sockets this transport is dialling (inbound ones wait in the gate). */
  private readonly dialling = new Set<WebSocket>()
  private readonly inbound: InboundLinks<WsLink>
  private readonly gate: ConnectionGate
  private readonly reports: ReportAggregator
  private readonly budget: SendBudget<BaseLink>
  readonly limits: Limits

  private constructor(
    private readonly signer: Signer,
    private readonly tls: TlsCredentials,
    private readonly options: WsTransportOptions,
  ) {
    this.limits = limitsWith(options.limits)
    this.budget = new SendBudget(this.limits.maxTransportBufferedBytes)
    this.inbound = new InboundLinks(this.limits.maxLinksPerAddress, this.limits.priorityOf)
    this.reports = new ReportAggregator((event) => this.misbehaviourHandlers.forEach((handler) => handler(event)), clock)
    this.gate = new ConnectionGate(this.limits, (ip, reason, detail) => this.report(ip, { identity: undefined, remoteAddress: ip, reason, detail }))
  }

  static async create(signer: Signer, options: WsTransportOptions = {}): Promise<WsTransport> {
    return new WsTransport(signer, options.tls ?? (await selfSignedCertificate()), options)
  }

  get identity(): Uint8Array {
    return this.signer.publicKey
  }

  /** Inbound connections that have not proved an identity yet, from everyone. */
  get pendingConnections(): number {
    return this.gate.pending
  }

  async listen(): Promise<string> {
    if (this.server === undefined) {
      const server = createServer({ ...this.tls, ...TLS_OPTIONS })
      // The gate, not server.maxConnections, enforces the connection cap: at the cap it evicts a
      // pending connection for the newcomer, where the server would drop the newcomer.
      server.on('connection', (socket: Socket) => this.gate.accepted(socket))
      server.on('tlsClientError', (error, socket) => {
        socket.destroy()
        const ip = remoteIp(socket)
        this.report(ip, { identity: undefined, remoteAddress: ip, reason: 'handshake-failed', detail: `TLS: ${error.message}` })
      })
      server.on('request', (request: IncomingMessage, response: ServerResponse) => this.plainRequest(request, response))
      this.server = server
      const wss = new WebSocketServer({ server, maxPayload: this.limits.maxFrameBytes, ...WS_OPTIONS })
      this.wss = wss
      wss.on('connection', (socket, request) => this.accept(socket, request.socket as TLSSocket))
      await new Promise<void>((resolve, reject) => {
        // The WebSocketServer re-emits the server's errors: a failed listen (the port in use, an address
        // this machine lacks) is caught there, or it would be an unhandled 'error' event, not a rejection.
        wss.once('error', reject)
        server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
          wss.off('error', reject)
          resolve()
        })
      })
    }
    const { address, port } = this.server.address() as AddressInfo
    return `wss://${address.includes(':') ? `[${address}]` : address}:${port}`
  }

  dial(address: string, expected?: Uint8Array): Promise<Link> {
    return new Promise<Link>((resolve, reject) => {
      let socket: WebSocket
      try {
        const refuse = this.options.resolvedAddressProblem
        socket = new WebSocket(address, { ...TLS_OPTIONS, ...WS_OPTIONS, rejectUnauthorized: false, maxPayload: this.limits.maxFrameBytes, ...(refuse && { lookup: checkedLookup(refuse) }) })
      } catch (cause) {
        return reject(new TransportError('unreachable', `cannot dial ${address}: ${(cause as Error).message}`))
      }
      this.dialling.add(socket)
      let binding: Uint8Array | undefined
      // Where the socket connected (`ip:port`), as for an accepted link: the runtime groups a link by
      // its address, and a URL's host name would make one IP many groups (one per DNS name).
      let remoteAddress = address
      const fail = (error: TransportError, code?: number) => {
        clearTimeout(timer)
        this.dialling.delete(socket)
        if (code !== undefined && socket.readyState === WebSocket.OPEN) socket.close(code)
        else socket.terminate()
        reject(error)
      }
      const timer = setTimeout(() => { // real-runtime: the dial's handshake deadline on the wall clock
        fail(new TransportError('handshake-failed', `${address} did not complete the handshake in ${this.limits.handshakeTimeoutMs} ms`))
      }, this.limits.handshakeTimeoutMs)
      socket.on('upgrade', (response) => {
        remoteAddress = connectionKey(response.socket)
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
          return fail(new TransportError('identity-mismatch', `${address} proved identity ${toHex(proved.success)}, not the one dialled (${toHex(expected)})`), CLOSE_CODE['identity-mismatch'])
        }
        clearTimeout(timer)
        this.dialling.delete(socket)
        socket.removeAllListeners()
        resolve(this.track(new WsLink(socket, proved.success, remoteAddress, this.limits, (e) => this.reportLink(e), this.budget)))
      })
      socket.once('close', (code: number) => fail(new TransportError(REASON_OF_CODE.get(code) ?? 'handshake-failed', `${address} closed the connection during the handshake (code ${code})`)))
      socket.on('error', (error: Error & { code?: string }) => {
        if (error.code === 'EREFUSEDADDRESS') return fail(new TransportError('refused', `cannot dial ${address}: ${error.message}`))
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
    for (const socket of this.dialling) socket.terminate()
    this.dialling.clear()
    if (this.server === undefined) return
    const server = this.server
    this.server = undefined
    for (const client of this.wss?.clients ?? []) client.terminate()
    this.wss?.close()
    this.gate.closeAll()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** A plain HTTP request: vAIn answers only WebSocket upgrades. */
  private plainRequest(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(426, { connection: 'close', upgrade: 'websocket', 'content-length': 0 }).end()
    const ip = remoteIp(request.socket)
    this.report(ip, { identity: undefined, remoteAddress: ip, reason: 'protocol-violation', detail: `a plain HTTP ${request.method} request (answered 426 Upgrade Required)` })
  }

  private accept(socket: WebSocket, tls: TLSSocket): void {
    const ip = remoteIp(tls)
    const remoteAddress = connectionKey(tls)
    const refuse = (reason: TransportFailure, detail: string, identity?: Uint8Array) => {
      this.report(ip, { identity, remoteAddress, reason, detail })
      socket.close(CLOSE_CODE[reason])
    }
    // A frame ws cannot parse (oversized, bad opcode) makes ws close the socket and emit an error,
    // which with no listener would crash the process: one stranger's frame must not end the node.
    const invalidFrame = (error: Error & { code?: string }) =>
      this.report(ip, { identity: undefined, remoteAddress, reason: error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame-too-large' : 'protocol-violation', detail: `before the hello: ${error.message}` })
    socket.on('error', invalidFrame)
    let binding: Uint8Array
    try {
      binding = sessionBinding(tls)
    } catch (error) {
      return refuse('handshake-failed', (error as Error).message)
    }
    // The gate's deadline, from the TCP accept, bounds the wait for this hello.
    socket.once('message', (data: RawData) => {
      const proved = checkHello(toBytes(data), 'dialer', binding)
      if (Result.isFailure(proved)) return refuse('handshake-failed', proved.failure.message)
      if (this.limits.isBlocked(proved.success)) return refuse('refused', 'blacklisted identity', proved.success)
      const link = this.inbound.admit(ip, proved.success, () => new WsLink(socket, proved.success, remoteAddress, this.limits, (e) => this.reportLink(e), this.budget))
      if (!(link instanceof WsLink)) return refuse('refused', link.detail, proved.success)
      socket.off('error', invalidFrame) // the link handles errors from now on
      this.gate.authenticated(remoteAddress)
      socket.send(hello(this.signer, 'listener', binding), { binary: true })
      this.track(link)
      for (const handler of this.linkHandlers) handler(link)
    })
  }

  private track(link: WsLink): WsLink {
    this.links.add(link)
    link.onClose(() => this.links.delete(link))
    return link
  }

  /** A link's misbehaviour, thinned per identity. */
  private reportLink(event: Misbehaviour): void {
    this.report(event.identity === undefined ? event.remoteAddress : toHex(event.identity), event)
  }

  /** Misbehaviour, thinned per source (an IP before an identity is proved, the identity after). */
  private report(source: string, event: Misbehaviour): void {
    this.reports.report(source, event)
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}
