import type { Socket } from 'node:net'
import type { TransportFailure } from '../../core/transport.ts'

/** A connection that has not yet proved an identity. */
interface Pending {
  readonly socket: Socket
  readonly ip: string
  readonly key: string
  readonly timer: NodeJS.Timeout
}

export interface GateLimits {
  readonly maxPendingPerAddress: number
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
 * Every inbound TCP connection, from the moment it is accepted (before TLS) until it proves an
 * identity: at most `maxPendingPerAddress` per remote IP (a newcomer past it closes the oldest, so an
 * attacker sharing an IP with honest peers must keep opening connections faster than they finish a
 * handshake to starve them, not just hold a few open), and each destroyed if it has not proved an
 * identity within `handshakeTimeoutMs` of being accepted: one deadline for the TCP idle, TLS
 * handshake, HTTP request, upgrade and hello phases together.
 *
 * Its maps hold live connections only, so they are bounded by the server's `maxConnections`.
 */
export class ConnectionGate {
  private readonly byIp = new Map<string, Set<Pending>>()
  private readonly byKey = new Map<string, Pending>()

  constructor(
    private readonly limits: GateLimits,
    private readonly refuse: (ip: string, reason: TransportFailure, detail: string) => void,
  ) {}

  /** Connections waiting to prove an identity, from everyone. */
  get pending(): number {
    return this.byKey.size
  }

  /** A newly accepted TCP connection (the server's `connection` event, before TLS). */
  accepted(socket: Socket): void {
    const ip = remoteIp(socket)
    const key = connectionKey(socket)
    const fromIp = this.byIp.get(ip) ?? new Set<Pending>()
    if (fromIp.size >= this.limits.maxPendingPerAddress) {
      const oldest = fromIp.values().next().value!
      this.drop(oldest)
      this.refuse(ip, 'refused', `more than ${this.limits.maxPendingPerAddress} connections from ${ip} without a proved identity: the oldest was closed`)
    }
    const timer = setTimeout(() => { // real-runtime: the handshake deadline on the wall clock
      this.drop(entry)
      this.refuse(ip, 'handshake-failed', `no identity proved within ${this.limits.handshakeTimeoutMs} ms of connecting`)
    }, this.limits.handshakeTimeoutMs)
    const entry: Pending = { socket, ip, key, timer }
    fromIp.add(entry)
    this.byIp.set(ip, fromIp)
    this.byKey.set(key, entry)
    socket.once('close', () => this.forget(entry))
  }

  /** The connection `key` proved an identity: it leaves the gate, and its deadline no longer runs. */
  authenticated(key: string): void {
    const entry = this.byKey.get(key)
    if (entry !== undefined) this.forget(entry)
  }

  /** Destroys every connection still waiting (the transport is closing). */
  closeAll(): void {
    for (const entry of [...this.byKey.values()]) this.drop(entry)
  }

  private drop(entry: Pending): void {
    this.forget(entry)
    entry.socket.destroy()
  }

  private forget(entry: Pending): void {
    if (this.byKey.get(entry.key) !== entry) return
    clearTimeout(entry.timer)
    this.byKey.delete(entry.key)
    const fromIp = this.byIp.get(entry.ip)!
    fromIp.delete(entry)
    if (fromIp.size === 0) this.byIp.delete(entry.ip)
  }
}
