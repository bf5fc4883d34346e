import { createSocket, type Socket } from 'node:dgram'
import { BoundedMap } from '../core/bounded-map.ts'
import { TransportError, type BroadcastDomain, type Misbehaviour } from '../core/transport.ts'
import { TokenBucket } from './limits.ts'
import { ReportAggregator, type AggregatorOptions } from './report-aggregator.ts'

export interface UdpBroadcastOptions {
  /** The UDP port every node of the LAN uses for discovery. */
  readonly port: number
  /**
   * Where to bind and send: the LAN's broadcast address (default 255.255.255.255). On loopback, bind
   * 127.255.255.255: sockets bound to 127.0.0.1 never receive broadcasts, but several sockets bound to
   * 127.255.255.255 on one port with SO_REUSEADDR each receive a copy of a datagram sent there.
   */
  readonly broadcastAddress?: string
  /** The largest datagram sent or accepted. */
  readonly maxDatagramBytes?: number
  /** Datagrams per second accepted from one source IP (whatever its ports), and the burst above it. */
  readonly datagramsPerSecond?: number
  readonly burst?: number
  /** Source IPs whose rate is tracked at once (LRU). */
  readonly maxSources?: number
  /** Datagrams per second accepted from all sources together, and the burst above it. */
  readonly totalDatagramsPerSecond?: number
  readonly totalBurst?: number
  /** How misbehaviour reports are thinned (one per source and reason per interval, with a count). */
  readonly reports?: AggregatorOptions
}

/** 1,200 bytes: one unfragmented packet on any LAN (an announcement is ~300). */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1_200
/** 50/s per source IP, burst 100: a node announces every few seconds; a few nodes behind one IP stay far below. */
export const DEFAULT_DATAGRAMS_PER_SECOND = 50
export const DEFAULT_DATAGRAM_BURST = 100
/**
 * 4,096 source IPs (~1 MiB of buckets): more than any LAN holds. A source evicted by a spoofed flood
 * comes back with a fresh bucket, which is why the total budget below exists.
 */
export const DEFAULT_MAX_UDP_SOURCES = 4_096
/**
 * 500/s in all, burst 1,000: each datagram that passes costs an announcement decode and an Ed25519
 * verification (~60 µs), so a flood from spoofed sources costs at most ~3% of a core, while a LAN of a
 * hundred nodes announcing every few seconds uses a tenth of it.
 */
export const DEFAULT_TOTAL_DATAGRAMS_PER_SECOND = 500
export const DEFAULT_TOTAL_DATAGRAM_BURST = 1_000

/** Where the total budget's drops are reported from: no one source is to blame. */
export const ALL_SOURCES = '*'

const clock = () => performance.now() // real-runtime: rate limits on the wall clock

/**
 * LAN discovery by UDP broadcast (node:dgram). It carries opaque datagrams: what they say (signed
 * announcements) and whether to believe them is decided above. A datagram is accepted only if it is
 * small enough, its source IP is within its rate and all sources together are within the total
 * budget; the rest are dropped, and reported, thinned to one report per source and reason per interval.
 */
export class UdpBroadcast implements BroadcastDomain {
  private readonly socket: Socket
  private readonly handlers: ((datagram: Uint8Array, from: string) => void)[] = []
  private readonly misbehaviourHandlers: ((event: Misbehaviour) => void)[] = []
  private readonly buckets: BoundedMap<string, TokenBucket>
  private readonly total: TokenBucket
  private readonly reports: ReportAggregator
  private readonly broadcastAddress: string
  private readonly maxBytes: number

  private constructor(private readonly options: UdpBroadcastOptions) {
    this.broadcastAddress = options.broadcastAddress ?? '255.255.255.255'
    this.maxBytes = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES
    this.buckets = new BoundedMap(options.maxSources ?? DEFAULT_MAX_UDP_SOURCES)
    this.total = new TokenBucket(options.totalDatagramsPerSecond ?? DEFAULT_TOTAL_DATAGRAMS_PER_SECOND, options.totalBurst ?? DEFAULT_TOTAL_DATAGRAM_BURST, clock)
    this.reports = new ReportAggregator((event) => this.misbehaviourHandlers.forEach((handler) => handler(event)), clock, options.reports)
    this.socket = createSocket({ type: 'udp4', reuseAddr: true })
    this.socket.on('message', (message, remote) => this.receive(message, remote.address, remote.port))
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

  /** Source IPs whose rate is tracked now (at most `maxSources`). */
  get trackedSources(): number {
    return this.buckets.size
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

  private receive(datagram: Buffer, ip: string, port: number): void {
    if (datagram.byteLength > this.maxBytes) return this.report(ip, 'frame-too-large', `a ${datagram.byteLength}-byte datagram (limit ${this.maxBytes})`)
    // Per source IP, not IP and port: a sender picks its ports freely.
    let bucket = this.buckets.get(ip)
    if (bucket === undefined) this.buckets.set(ip, (bucket = new TokenBucket(this.options.datagramsPerSecond ?? DEFAULT_DATAGRAMS_PER_SECOND, this.options.burst ?? DEFAULT_DATAGRAM_BURST, clock)))
    if (!bucket.take()) return this.report(ip, 'rate-limited', `datagrams from ${ip} over its rate`)
    // Checked after the source's own bucket, so one flooding IP cannot spend the budget of everyone.
    if (!this.total.take()) return this.report(ALL_SOURCES, 'rate-limited', 'datagrams over the total budget of all sources')
    const from = `${ip}:${port}`
    for (const handler of this.handlers) handler(datagram, from)
  }

  private report(source: string, reason: 'frame-too-large' | 'rate-limited', detail: string): void {
    this.reports.report(source, { identity: undefined, remoteAddress: source, reason, detail })
  }
}
