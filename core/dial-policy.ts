import { BoundedMap } from './bounded-map.ts'
import { hostScope, parseHost } from './network-address.ts'

/*
 * What a node may dial. Addresses reach a node from strangers (announcements, DHT replies, PEX), so
 * a dial is a request made on a stranger's behalf: it must not reach a unix socket, an HTTP endpoint
 * with the stranger's path, or a service on this machine or its link. A peer is `wss://host:port` and
 * nothing else, and the runtime dials only that, a bounded number at once, backing off from URLs that
 * fail.
 */

export interface DialRules {
  /**
   * Whether loopback targets may be dialled: only for a node that itself listens on loopback (a local
   * cluster, a test), whose peers are all on this machine.
   */
  readonly allowLoopback: boolean
}

// host is an IP literal in brackets or a DNS name; the port is explicit. No userinfo, path, query or
// fragment: the authority is the whole URL.
const PEER_URL = /^wss:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/

/**
 * Why `url` is not a peer this node may dial, or undefined if it is: `wss://host:port` with a port in
 * 1..65535 and a host that is not unspecified, link-local, multicast or (unless allowed) loopback.
 * The host is judged as the WHATWG URL parser (which `ws` dials with) reads it, so `wss://2130706433:1`
 * or `wss://0x7f.1:1` is the loopback address it denotes. A DNS name is judged by its name only
 * (`localhost` is loopback): what it resolves to is the transport's business.
 */
export function dialProblem(url: string, rules: DialRules): string | undefined {
  const match = PEER_URL.exec(url)
  if (match === null) return 'not a wss://host:port URL (no other scheme, user, path or query)'
  const port = Number(match[2])
  if (port < 1 || port > 65_535) return `port ${port} is out of range`
  let hostname: string
  try {
    hostname = new URL(url).hostname
  } catch {
    return 'not a valid URL'
  }
  return hostProblem(hostname, rules)
}

/**
 * Why a host (an IP literal or a name) is not one to dial, or undefined: the host part of
 * `dialProblem`, also applied by the ws transport to what a DNS name resolved to.
 */
export function hostProblem(host: string, rules: DialRules): string | undefined {
  const scope = hostScope(parseHost(host))
  if (scope === 'global' || (scope === 'loopback' && rules.allowLoopback)) return undefined
  return `${host} is a ${scope} address`
}

export interface DialLimits {
  /** Dials under way at once, over all URLs. */
  readonly maxConcurrent: number
  /** The wait before dialling a URL again after its first failure; it doubles with each further one. */
  readonly backoffMinMs: number
  readonly backoffMaxMs: number
  /** URLs whose failures are remembered (least recently failed forgotten first). */
  readonly rememberedFailures: number
}

export const DEFAULT_DIAL_LIMITS: DialLimits = {
  // A node's own lookups run α = 3 queries each, a few at a time, plus its boot redials (at most
  // DEFAULT_SAVED_PEERS = 32): 32 leaves room for all of that, while a flood of announcements can
  // hold no more than 32 sockets in their handshake (each up to the transport's handshake timeout).
  maxConcurrent: 32,
  // One second lets a peer that is restarting come back; five minutes keeps a dead or hostile URL to
  // a dozen attempts an hour however often strangers name it.
  backoffMinMs: 1_000,
  backoffMaxMs: 300_000,
  // 4,096 URLs of ~60 bytes: a few hundred KiB at most; beyond that the oldest failures are retried.
  rememberedFailures: 4_096,
}

/** Why a dial that the policy allows is not started now. */
export type DialRefusal = 'busy' | 'backing-off'

/** Counts the dials under way and remembers which URLs failed lately, bounded both ways. */
export class DialGate {
  private inFlight = 0
  private readonly failures: BoundedMap<string, { readonly count: number; readonly retryAt: number }>

  constructor(
    private readonly limits: DialLimits,
    private readonly now: () => number,
  ) {
    this.failures = new BoundedMap(limits.rememberedFailures)
  }

  get dialling(): number {
    return this.inFlight
  }

  /** Starts a dial of `url`, or says why not; a started dial must be `end`ed exactly once. */
  begin(url: string): DialRefusal | undefined {
    if (this.inFlight >= this.limits.maxConcurrent) return 'busy'
    const failed = this.failures.peek(url)
    if (failed !== undefined && this.now() < failed.retryAt) return 'backing-off'
    this.inFlight++
    return undefined
  }

  end(url: string, succeeded: boolean): void {
    this.inFlight--
    if (succeeded) return void this.failures.delete(url)
    const count = (this.failures.peek(url)?.count ?? 0) + 1
    const wait = Math.min(this.limits.backoffMaxMs, this.limits.backoffMinMs * 2 ** Math.min(count - 1, 30))
    this.failures.set(url, { count, retryAt: this.now() + wait })
  }
}
