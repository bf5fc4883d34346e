import type { Socket } from 'node:net'
import { capKey } from '../../core/network-address.ts'
import type { TransportFailure } from '../../core/transport.ts'

/** A connection that has not yet proved an identity. */
interface Pending {
  readonly socket: Socket
  /** What the per-address cap counts it under: its IP, or its IPv6 /64 (core/network-address.ts capKey). */
  readonly address: string
  readonly key: string
  readonly timer: NodeJS.Timeout
  /** Frees its slot of `maxConnections` (once, at its close or its eviction, whichever comes first). */
  readonly release: () => void
}

export interface GateLimits {
  readonly maxPendingPerAddress: number
  readonly maxConnections: number
  readonly handshakeTimeoutMs: number
}

/** The remote IP of a socket, with IPv4-mapped IPv6 (`::ffff:1.2.3.4`) folded to IPv4. */
export function remoteIp(socket: Pick<Socket, 'remoteAddress'>): string {
  const address = socket.remoteAddress ?? 'unknown'
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/** `ip:port`: one TCP connection to the listening port, whatever layer (TCP, TLS, HTTP) sees it. */
export function connectionKey(socket: Pick<Socket, 'remoteAddress' | 'remotePort'>): string {
  return `${remoteIp(socket)}:${socket.remotePort ?? 0}`
}

/**
 * Every inbound TCP connection, from the moment it is accepted (before TLS) until it closes.
 *
 * Until it proves an identity it is *pending*: at most `maxPendingPerAddress` per address (an IPv4
 * address, or an IPv6 /64, which one host owns whole) — a newcomer past it closes the address's oldest,
 * so an attacker sharing an address with honest peers must keep opening connections faster than they
 * finish a handshake to starve them, not just hold a few open — and each destroyed if it has not
 * proved an identity within `handshakeTimeoutMs` of being accepted: one deadline for the TCP idle, TLS
 * handshake, HTTP request, upgrade and hello phases together.
 *
 * All phases together hold at most `maxConnections`. A newcomer at that cap closes the oldest pending
 * connection of the address holding the most pending ones (an attacker spread over many addresses
 * evicts itself first), and is refused only when every connection has proved an identity.
 *
 * Its maps hold live connections only, so they are bounded by `maxConnections`.
 */
export class ConnectionGate {
  private readonly byAddress = new Map<string, Set<Pending>>()
  private readonly byKey = new Map<string, Pending>()
  private live = 0

  constructor(
    private readonly limits: GateLimits,
    private readonly refuse: (ip: string, reason: TransportFailure, detail: string) => void,
  ) {}

  /** Connections waiting to prove an identity, from everyone. */
  get pending(): number {
    return this.byKey.size
  }

  /** Inbound connections open, in every phase. */
  get connections(): number {
    return this.live
  }

  /** A newly accepted TCP connection (the server's `connection` event, before TLS). */
  accepted(socket: Socket): void {
    const ip = remoteIp(socket)
    const address = capKey(ip)
    const fromAddress = this.byAddress.get(address)
    if (fromAddress !== undefined && fromAddress.size >= this.limits.maxPendingPerAddress) {
      this.evictOldest(fromAddress, `more than ${this.limits.maxPendingPerAddress} connections from ${address} without a proved identity: the oldest was closed`)
    }
    if (this.live >= this.limits.maxConnections) {
      const crowded = this.mostPending()
      if (crowded === undefined) {
        socket.destroy()
        return this.refuse(ip, 'refused', `the node is at its cap of ${this.limits.maxConnections} connections, all with proved identities`)
      }
      this.evictOldest(crowded, `the node is at its cap of ${this.limits.maxConnections} connections: the oldest of the most connections without a proved identity (from one address) was closed`)
    }
    this.live++
    let counted = true
    const release = () => {
      if (counted) this.live--
      counted = false
    }
    socket.once('close', release)
    const timer = setTimeout(() => { // real-runtime: the handshake deadline on the wall clock
      this.drop(entry)
      this.refuse(ip, 'handshake-failed', `no identity proved within ${this.limits.handshakeTimeoutMs} ms of connecting`)
    }, this.limits.handshakeTimeoutMs)
    const entry: Pending = { socket, address, key: connectionKey(socket), timer, release }
    const pending = this.byAddress.get(address) ?? new Set<Pending>()
    pending.add(entry)
    this.byAddress.set(address, pending)
    this.byKey.set(entry.key, entry)
    socket.once('close', () => this.forget(entry))
  }

  /** The connection `key` proved an identity: it leaves the pending set, and its deadline no longer runs. */
  authenticated(key: string): void {
    const entry = this.byKey.get(key)
    if (entry !== undefined) this.forget(entry)
  }

  /** Destroys every connection still waiting (the transport is closing). */
  closeAll(): void {
    for (const entry of [...this.byKey.values()]) this.drop(entry)
  }

  // Closes the oldest of `pending` (sets keep insertion order) and reports it against its own IP.
  private evictOldest(pending: Set<Pending>, detail: string): void {
    const oldest = pending.values().next().value!
    this.drop(oldest)
    oldest.release() // its 'close' comes later; the newcomer takes the slot now
    this.refuse(remoteIp(oldest.socket), 'refused', detail)
  }

  // The pending connections of the address that holds the most (a scan, only at the connection cap).
  private mostPending(): Set<Pending> | undefined {
    let most: Set<Pending> | undefined
    for (const pending of this.byAddress.values()) if (most === undefined || pending.size > most.size) most = pending
    return most
  }

  private drop(entry: Pending): void {
    this.forget(entry)
    entry.socket.destroy()
  }

  private forget(entry: Pending): void {
    if (this.byKey.get(entry.key) !== entry) return
    clearTimeout(entry.timer)
    this.byKey.delete(entry.key)
    const pending = this.byAddress.get(entry.address)!
    pending.delete(entry)
    if (pending.size === 0) this.byAddress.delete(entry.address)
  }
}
