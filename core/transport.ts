import { ReasonedError } from './errors.ts'

/**
 * The Transport contract: how a real runtime moves frames (encoded messages) between nodes. A transport
 * knows no protocol: it authenticates the peer's Ed25519 identity, carries whole frames in order, and
 * enforces limits. Decoding frames through schemas is the runtime's job, above it.
 * transports/transport-compliance.suite.ts pins what every implementation guarantees.
 */

/** Why a link was refused, closed, or could not carry a frame. */
export type TransportFailure =
  | 'frame-too-large' // above the link's frame limit (refused on send; the link is cut on receive)
  | 'closed' // the link is closed
  | 'unreachable' // nothing answers at the address
  | 'handshake-failed' // the peer did not prove an identity in time, or proved it wrongly
  | 'identity-mismatch' // the peer proved an identity other than the one dialled
  | 'refused' // blacklisted identity, or too many links from one address
  | 'rate-limited' // the peer kept sending faster than its rate limit
  | 'slow-reader' // the peer did not read: a send would have passed the link's outbound-buffer bound, or the transport's over all links
  | 'protocol-violation' // the peer sent what the protocol never sends (a text frame, a plain HTTP request)

export class TransportError extends ReasonedError<TransportFailure> {
  readonly _tag = 'TransportError' as const
  override readonly name = 'TransportError'
}

/** An identity that can prove itself: its Ed25519 public key and a way to sign with it. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Uint8Array
}

/**
 * Why a link ended: a clean close by either side, a failure, or `replaced`: the same identity opened a
 * newer inbound link, which took this one's place (a transport keeps one inbound link per identity).
 */
export type CloseReason = 'local' | 'remote' | 'replaced' | TransportFailure

/**
 * An authenticated, ordered, bidirectional link to one peer. Frames arrive whole, unmodified and in
 * the order they were sent, until the link closes; frames that arrive before a handler is set are
 * kept for the first handler. `close` handlers run exactly once.
 */
export interface Link {
  /** The Ed25519 public key the peer proved it holds. */
  readonly remoteIdentity: Uint8Array
  /**
   * Where the peer is, for logs, per-address limits and network groups. A socket transport gives the
   * connected socket's `ip:port` (e.g. `127.0.0.1:7001`) on both the dialled and the accepted side,
   * never the URL dialled: many host names can point at one IP. An in-process transport may give a URL.
   */
  readonly remoteAddress: string
  readonly open: boolean
  /** Bytes accepted by `send` and not yet handed to the network (the outbound buffer). */
  readonly bufferedBytes: number
  /**
   * Sends one frame; throws TransportError 'closed' or 'frame-too-large' without side effects. If the
   * frame would take the outbound buffer past the link's bound (the peer is not reading), the link is
   * cut instead, its buffer released and the peer reported, and `send` throws 'slow-reader'. A
   * transport may also bound the unsent bytes of all its links together: a send that would pass that
   * cuts the link holding the most the same way (another link, or this one, which then throws).
   */
  send(frame: Uint8Array): void
  close(): void
  onFrame(handler: (frame: Uint8Array) => void): void
  onClose(handler: (reason: CloseReason) => void): void
}

/** A peer's misbehaviour a transport detected, for the reputation signals above it. */
export interface Misbehaviour {
  readonly identity: Uint8Array | undefined
  readonly remoteAddress: string
  readonly reason: TransportFailure
  readonly detail: string
}

export interface Transport {
  /** The identity this transport proves to its peers. */
  readonly identity: Uint8Array
  /** Starts accepting links and resolves with the address peers dial. */
  listen(): Promise<string>
  /** Opens a link to `address`; with `expected`, refuses a peer that proves another identity. */
  dial(address: string, expected?: Uint8Array): Promise<Link>
  /** Inbound links, once authenticated. */
  onLink(handler: (link: Link) => void): void
  onMisbehaviour(handler: (event: Misbehaviour) => void): void
  /** Closes every link and stops listening. */
  close(): Promise<void>
}

/**
 * A LAN broadcast domain (transports/udp): unauthenticated datagrams to and from every node of the
 * local network, for discovery. What they carry must prove itself (signed announcements); where they
 * come from is only a claim.
 */
export interface BroadcastDomain {
  /** Sends one datagram to the whole LAN. */
  send(datagram: Uint8Array): Promise<void>
  /** Datagrams received, with the source they claim (`host:port`). */
  onDatagram(handler: (datagram: Uint8Array, from: string) => void): void
  onMisbehaviour(handler: (event: Misbehaviour) => void): void
  close(): Promise<void>
}
