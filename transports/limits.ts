import { Budget } from '../core/budget.ts'
import { ConfigError } from '../core/errors.ts'

/** What a transport allows its peers. */
export interface Limits {
  /** The largest frame, in bytes, a link sends or accepts. */
  readonly maxFrameBytes: number
  /**
   * The most bytes a link may hold sent but not yet handed to the network. A send that would pass it
   * means the peer is not reading: the link is cut ('slow-reader') and its buffer released.
   */
  readonly maxBufferedBytes: number
  /**
   * The most bytes all of a transport's links together may hold sent but not yet handed to the network.
   * A send that would pass it cuts the link holding the most ('slow-reader'), which may be the sender.
   */
  readonly maxTransportBufferedBytes: number
  /** Sustained inbound frames per second per link, and the burst above it. */
  readonly framesPerSecond: number
  readonly burst: number
  /** Frames over the rate are dropped; after this many drops in a row the link is cut. */
  readonly maxDropsBeforeCut: number
  /**
   * Authenticated inbound links at once from one remote address (one more per identity replaces). An
   * address is an IPv4 address or an IPv6 /64 (core/network-address.ts `capKey`).
   */
  readonly maxLinksPerAddress: number
  /**
   * Connections from one remote address (as above) that have not yet proved an identity (TCP, TLS,
   * HTTP upgrade, hello). Past it, the oldest of them is closed. Transports with no such phase ignore it.
   */
  readonly maxPendingPerAddress: number
  /**
   * Inbound connections at once, in every phase, from everyone. At the cap a newcomer closes the oldest
   * pending connection of the address holding the most; only if none is pending is it refused.
   */
  readonly maxConnections: number
  /** How long a dialled or accepted peer has, from its first byte of connection, to prove its identity. */
  readonly handshakeTimeoutMs: number
  /** Identities refused at the handshake (convicted of misbehaviour). */
  readonly isBlocked: (identity: Uint8Array) => boolean
  /**
   * How much the node values a link from `identity` (default 0 for all). When one address holds
   * `maxLinksPerAddress` links, a newcomer of a higher priority takes the place of its lowest-priority
   * link; one of equal or lower priority is refused. Many identities behind one IP (an attacker beside
   * honest peers behind one NAT) can then fill the cap only with links the node values less than the
   * peers it knows: `vain node` ranks its routing-table contacts above strangers, and reputation tiers
   * will rank above that.
   */
  readonly priorityOf: (identity: Uint8Array) => number
}

/**
 * 8 MiB: eight frames of the largest size, so a burst of big replies (blob chunks, a DHT hand-off) to a
 * peer that reads at network speed never reaches it, while a peer that never reads pins at most this
 * much of the node's memory per link (the attack of issue 9 grew a node by 400 MB in 20 s with ten).
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 << 20

/**
 * 256 MiB: what a modest node (1–2 GiB of memory) can spare for outbound buffers, and the full buffers
 * of 32 links at once, far more than peers that read at network speed ever leave unsent together.
 * Without it the per-link bound alone lets `maxConnections` (512) links that never read pin 4 GiB.
 */
export const DEFAULT_MAX_TRANSPORT_BUFFERED_BYTES = 256 << 20

/**
 * 8: a handshake takes a few round trips, so even several honest nodes behind one NAT rarely have more
 * than one or two in flight at once; 8 leaves room for them and keeps an attacker's idle or slowloris
 * connections from one IP to 8 descriptors, each gone within the handshake timeout.
 */
export const DEFAULT_MAX_PENDING_PER_ADDRESS = 8

/**
 * 512: half the common 1,024-descriptor soft limit, so the node keeps descriptors for its own dials,
 * its store and its UDP socket however many peers connect. A newcomer beyond it evicts a pending
 * connection (transports/ws/connection-gate.ts), so idle connections cannot lock honest peers out.
 */
export const DEFAULT_MAX_CONNECTIONS = 512

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 1 << 20,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  maxTransportBufferedBytes: DEFAULT_MAX_TRANSPORT_BUFFERED_BYTES,
  framesPerSecond: 2_000,
  burst: 4_000,
  maxDropsBeforeCut: 1_000,
  maxLinksPerAddress: 32,
  maxPendingPerAddress: DEFAULT_MAX_PENDING_PER_ADDRESS,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  handshakeTimeoutMs: 5_000,
  isBlocked: () => false,
  priorityOf: () => 0,
}

const COUNTS = ['maxFrameBytes', 'maxBufferedBytes', 'maxTransportBufferedBytes', 'maxDropsBeforeCut', 'maxLinksPerAddress', 'maxPendingPerAddress', 'maxConnections'] as const

/** The defaults with `overrides` applied; a ConfigError names the first value that makes no sense. */
export function limitsWith(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  for (const name of COUNTS) {
    if (!Number.isInteger(limits[name]) || limits[name] < 1) throw new ConfigError(`limits.${name} must be a positive integer, got ${limits[name]}`)
  }
  for (const name of ['framesPerSecond', 'burst', 'handshakeTimeoutMs'] as const) {
    if (!(limits[name] > 0)) throw new ConfigError(`limits.${name} must be positive, got ${limits[name]}`)
  }
  // A frame that may be sent must fit in an empty outbound buffer, of the link and of the transport.
  for (const name of ['maxBufferedBytes', 'maxTransportBufferedBytes'] as const) {
    if (limits[name] < limits.maxFrameBytes) {
      throw new ConfigError(`limits.${name} (${limits[name]}) must hold at least one frame of limits.maxFrameBytes (${limits.maxFrameBytes})`)
    }
  }
  return limits
}

/** A Budget (core/budget.ts) read on a clock of its own: the transports' wall clock. */
export class TokenBucket {
  private readonly budget: Budget

  constructor(
    rate: number,
    burst: number,
    private readonly clock: () => number,
  ) {
    this.budget = new Budget(rate, burst)
  }

  /** Takes one token if there is one. */
  take(): boolean {
    return this.budget.take(this.clock())
  }
}
