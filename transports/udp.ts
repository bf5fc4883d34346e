import { createSocket, type Socket } from 'node:dgram'
import { TransportError, type BroadcastDomain, type Misbehaviour } from '../core/transport.ts'
import { TokenBucket } from './limits.ts'

export interface UdpBroadcastOptions {
  /** The UDP port every node of the LAN uses for discovery. */
  readonly port: number
  /**
   * Where to bind and send: the LAN's broadcast address (default 255.255.255.255). On loopback, bind
   * 127.255.255.255: sockets bound to 127.0.0.1 never receive broadcasts, but several sockets bound to
   * 127.255.255.255 on one port with SO_REUSEADDR each receive a copy of a datagram sent there.
   */
  readonly broadcastAddress?: string
  /** The largest datagram sent or accepted (default 1200 bytes: one unfragmented packet on any LAN). */
  readonly maxDatagramBytes?: number
  /** Datagrams per second accepted from one source address, and the burst above it. */
  readonly datagramsPerSecond?: number
  readonly burst?: number
}

const clock = () => performance.now() // real-runtime: rate limits on the wall clock

/**
 * LAN discovery by UDP broadcast (node:dgram). It carries opaque datagrams: what they say (signed
 * announcements) and whether to believe them is decided above. Oversized datagrams and sources that
 * send faster than their rate are dropped and reported as misbehaviour.
 */
export class UdpBroadcast implements BroadcastDomain {
  private readonly socket: Socket
  private readonly handlers: ((datagram: Uint8Array, from: string) => void)[] = []
  private readonly misbehaviourHandlers: ((event: Misbehaviour) => void)[] = []
  private readonly buckets = new Map<string, TokenBucket>()
  private readonly broadcastAddress: string
  private readonly maxBytes: number

  private constructor(private readonly options: UdpBroadcastOptions) {
    this.broadcastAddress = options.broadcastAddress ?? '255.255.255.255'
    this.maxBytes = options.maxDatagramBytes ?? 1200
    this.socket = createSocket({ type: 'udp4', reuseAddr: true })
    this.socket.on('message', (message, remote) => this.receive(message, `${remote.address}:${remote.port}`))
  }

  /** Opens a broadcast socket on `options.port`. */
  static async open(options: UdpBroadcastOptions): Promise<UdpBroadcast> {
    const udp = new UdpBroadcast(options)
    await new Promise<void>((resolve, reject) => {
      udp.socket.once('error', reject)
      udp.socket.bind(options.port, udp.broadcastAddress, () => {
        udp.socket.off('error', reject)
        udp.socket.setBroadcast(true)
        resolve()
      })
    })
    return udp
  }

  /** Broadcasts one datagram to the LAN (this socket receives its own copy too). */
  async send(datagram: Uint8Array): Promise<void> {
    if (datagram.byteLength > this.maxBytes) throw new TransportError('frame-too-large', `a ${datagram.byteLength}-byte datagram exceeds ${this.maxBytes}`)
    await new Promise<void>((resolve, reject) =>
      this.socket.send(datagram, this.options.port, this.broadcastAddress, (error) => (error ? reject(new TransportError('unreachable', error.message)) : resolve())),
    )
  }

  onDatagram(handler: (datagram: Uint8Array, from: string) => void): void {
    this.handlers.push(handler)
  }

  onMisbehaviour(handler: (event: Misbehaviour) => void): void {
    this.misbehaviourHandlers.push(handler)
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()))
  }

  private receive(datagram: Buffer, from: string): void {
    if (datagram.byteLength > this.maxBytes) return this.report(from, 'frame-too-large', `a ${datagram.byteLength}-byte datagram`)
    let bucket = this.buckets.get(from)
    if (bucket === undefined) {
      if (this.buckets.size >= 4096) this.buckets.clear() // bounded memory under spoofed sources
      this.buckets.set(from, (bucket = new TokenBucket(this.options.datagramsPerSecond ?? 50, this.options.burst ?? 100, clock)))
    }
    if (!bucket.take()) return this.report(from, 'rate-limited', 'datagrams over the rate')
    for (const handler of this.handlers) handler(datagram, from)
  }

  private report(remoteAddress: string, reason: 'frame-too-large' | 'rate-limited', detail: string): void {
    for (const handler of this.misbehaviourHandlers) handler({ identity: undefined, remoteAddress, reason, detail })
  }
}
