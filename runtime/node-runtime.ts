import { Result } from 'effect'
import { checkTimerDelay, type Actor, type Address, type Context, type PeerSignal, type TimerId, type TimerTag, type TraceFields } from '../core/actor.ts'
import { datagramSource, isDatagramSource, isIdentityAddress } from '../core/address.ts'
import { BoundedMap } from '../core/bounded-map.ts'
import { fromHex, toHex } from '../core/bytes.ts'
import { decodeFrame, encode } from '../core/codec.ts'
import { acceptJob, type ComputeJob, type ComputeTag } from '../core/compute.ts'
import { ComputePool, poolClosed, type ComputePoolOptions } from './compute-pool.ts'
import { DEFAULT_DIAL_LIMITS, DialGate, dialProblem, type DialLimits } from '../core/dial-policy.ts'
import { DEFAULT_LOG_SAMPLING, LogSampler, type LogRecord, type LogSampling } from './log-sampler.ts'
import { hostOfSocketAddress, hostScope, networkGroup, parseHost } from '../core/network-address.ts'
import { NodeStartError } from './node-start-error.ts'
import { OsRandom } from './os-random.ts'
import { OutputCommit } from '../core/output-commit.ts'
import type { Storage } from '../core/storage.ts'
import type { BroadcastDomain, Link, Misbehaviour, Transport } from '../core/transport.ts'

export type { LogRecord } from './log-sampler.ts'

export interface RuntimeOptions {
  readonly actor: Actor
  readonly transport: Transport
  readonly storage: Storage
  readonly log: (record: LogRecord) => void
  /** The LAN (UDP broadcast) for `ctx.broadcast`; without one (LAN discovery off), broadcasts reach no one, silently. */
  readonly lan?: BroadcastDomain
  readonly maxFrameBytes?: number
  /**
   * Whether peers on loopback may be dialled, and count as networks of their own: only for a node that
   * itself listens on loopback (a local cluster), whose peers are all on this machine. Default false.
   */
  readonly allowLoopback?: boolean
  /**
   * Why a URL may not be dialled, or undefined when it may. Default: `dialProblem` (core/dial-policy.ts),
   * `wss://host:port` only; a test over in-memory links gives its own.
   */
  readonly dialProblem?: (url: string) => string | undefined
  readonly dialLimits?: DialLimits
  /** Frames that fail to decode within a minute before the link they came over is cut (default DEFAULT_MAX_DECODE_FAILURES). */
  readonly maxDecodeFailures?: number
  /** Links this node dialled that stay open at once (default DEFAULT_MAX_OUTBOUND_LINKS). */
  readonly maxOutboundLinks?: number
  readonly logSampling?: LogSampling
  /** The worker threads behind `ctx.compute` (default DEFAULT_COMPUTE_WORKERS, DEFAULT_MAX_QUEUED_JOBS). */
  readonly compute?: ComputePoolOptions
}

// setTimeout takes at most 2^31 − 1 ms (24.8 days); longer timers (a 90-day key rotation) re-arm.
const MAX_TIMEOUT_MS = 2 ** 31 - 1
/**
 * An honest peer sends frames our inbox decodes; a few may fail across a version upgrade (a message
 * kind we do not know yet). 16 tolerates that, and cuts a link sending garbage after 16 frames instead
 * of never (1,900 malformed frames a second were all read, decoded and logged before).
 */
export const DEFAULT_MAX_DECODE_FAILURES = 16
/**
 * The window the decode failures are counted in: a minute. A link that lives for days is not cut for
 * the sixteenth odd frame of its life; a link sending garbage reaches 16 within a second.
 */
export const DECODE_FAILURE_WINDOW_MS = 60_000
/**
 * Identities whose dial URL and network group are remembered: more than a routing table holds (a few
 * hundred contacts), so an honest contact is not forgotten, and ~1 MiB at most (~200 bytes each).
 */
export const DEFAULT_REMEMBERED_PEERS = 4_096
/**
 * Frames queued behind one dial: a lookup sends a few RPCs to a new contact, not more; past this a
 * stalled dial holds no more memory (the frames are dropped, and the DHT's timeouts deal with them).
 */
export const DEFAULT_MAX_FRAMES_PER_DIAL = 64
/**
 * Dialled links open at once. Inbound links are capped by the transport; dialled ones were not, so
 * announcements of ever new peers (each dialled to be pinged, within the peer actor's probe budgets)
 * would pile up links for ever. 256, so that with the transport's 512 inbound connections a node stays
 * within the common 1,024-descriptor limit with room for its store and sockets (a peer that dialled us
 * and that we ping at its announced URL holds one link each way). Past it the least recently used
 * link closes; the DHT's heartbeats keep the links of live contacts recent, and a contact whose link
 * closed is dialled again when next needed.
 */
export const DEFAULT_MAX_OUTBOUND_LINKS = 256
/** The one network group of every address whose group is not known (see `NodeRuntime.groupOf`). */
export const UNKNOWN_GROUP = 'unknown'

/**
 * The real-time runtime: one actor on the Node.js event loop, with the wall clock, the OS random
 * source, a Transport's authenticated links and durable Storage.
 *
 * Addresses are peers' identities (hex of the Ed25519 key a link proved); an address that is a URL is
 * dialled on first use if the dial policy allows it (core/dial-policy.ts: `wss://host:port`, no
 * loopback, link-local, unspecified or multicast host unless configured, a bounded number at once,
 * backing off from URLs that fail), and the peer's replies then come from its identity. An identity
 * whose link has closed is dialled again at the URL it was reached at, and must prove the same identity
 * there.
 *
 * Output commit (core/output-commit.ts): every frame the actor sends is held until the end of the
 * event-loop turn, when storage is synced (once, if anything was written) and the frames go out, so
 * nothing a peer sees acknowledged can be lost to a crash.
 *
 * Every inbound frame is decoded through the actor's inbox schema with a size limit before the actor
 * sees it; a frame that fails is dropped and, like the transport's misbehaviour reports, reaches the
 * actor's `signal` (for reputation); a link whose frames keep failing is cut. Logs are sampled: no
 * kind of record is written more than a bounded number of times per interval (core/log-sampler.ts).
 */
export class NodeRuntime {
  private readonly links = new Map<Address, Link>()
  private readonly gate: DialGate
  /** Frames waiting for each dial under way; the gate keeps it to maxConcurrent entries. */
  private readonly dialling: BoundedMap<string, Uint8Array[]>
  /** The URL each identity was last reached at by dialling, to dial it again once its link is gone. */
  private readonly reachedAt = new BoundedMap<Address, string>(DEFAULT_REMEMBERED_PEERS)
  /** The network group of each identity, from the link it came over, kept after the link closes. */
  private readonly groups = new BoundedMap<Address, string>(DEFAULT_REMEMBERED_PEERS)
  /** Links this node dialled, least recently used first; past the cap the idlest is closed. */
  private readonly outbound: BoundedMap<Link, Address>
  private readonly timers = new Map<TimerId, NodeJS.Timeout>()
  private readonly commit: OutputCommit
  private readonly sampler: LogSampler
  private readonly summaries: NodeJS.Timeout
  private readonly problem: (url: string) => string | undefined
  private readonly pool: ComputePool
  private nextTimer = 1
  private stopped = false
  readonly ctx: Context

  constructor(private readonly options: RuntimeOptions) {
    const runtime = this
    const now = () => Date.now()
    this.sampler = new LogSampler(options.log, now, options.logSampling ?? DEFAULT_LOG_SAMPLING)
    // The summary of what was suppressed comes out at the end of each interval, flood or not.
    this.summaries = setInterval(() => this.sampler.flush(), (options.logSampling ?? DEFAULT_LOG_SAMPLING).intervalMs)
    this.summaries.unref()
    const limits = options.dialLimits ?? DEFAULT_DIAL_LIMITS
    this.gate = new DialGate(limits, now)
    this.dialling = new BoundedMap(limits.maxConcurrent)
    this.outbound = new BoundedMap(options.maxOutboundLinks ?? DEFAULT_MAX_OUTBOUND_LINKS, (link, url) => {
      this.log({ event: 'link-cut', reason: 'outbound-cap', to: url, detail: `more than ${this.outbound.capacity} dialled links: the least recently used is closed` })
      link.close()
    })
    const allowLoopback = options.allowLoopback ?? false
    this.problem = options.dialProblem ?? ((url) => dialProblem(url, { allowLoopback }))
    this.pool = new ComputePool(options.compute)
    this.commit = new OutputCommit(
      options.storage,
      setImmediate,
      (error, dropped) => this.log({ event: 'sync-failed', dropped, detail: error instanceof Error ? error.message : String(error) }),
      (error) => this.log({ event: 'send-failed', detail: error instanceof Error ? error.message : String(error) }),
    )
    this.ctx = {
      self: toHex(options.transport.identity),
      now,
      random: new OsRandom(),
      send: (to, message) => runtime.send(to, message),
      broadcast: (message) => runtime.broadcast(message),
      setTimer: (delayMs, tag) => runtime.setTimer(delayMs, tag),
      cancelTimer: (id) => runtime.cancelTimer(id),
      storage: this.commit.storage,
      trace: (event: TraceFields) => runtime.log({ event: 'trace', ...event }),
      // A peer's address is the hex of the key its link proved: that is the key bound to it.
      keyOf: (address) => (isIdentityAddress(address) ? fromHex(address) : undefined),
      compute: (job, tag) => runtime.compute(job, tag),
    }
  }

  /**
   * Starts accepting links and boots the actor; the actor has started when this returns. An actor that
   * throws in `start` is fatal, unlike one that throws on an input (which loses that input): the
   * runtime stops, as `stop()` does, and the promise rejects with a NodeStartError naming what was
   * thrown. Otherwise the promise is resolved already.
   */
  start(): Promise<void> {
    const { transport, lan } = this.options
    transport.onLink((link) => this.adopt(link))
    transport.onMisbehaviour((m) => this.misbehaviour(m))
    // A datagram's source is unauthenticated and not dialable: the actor gets it as `udp://host:port`,
    // and must find a sender's real address in what the datagram proves (a signed announcement).
    lan?.onDatagram((frame, from) => this.deliver(frame, datagramSource(from)))
    lan?.onMisbehaviour((m) => this.misbehaviour(m))
    try {
      this.options.actor.start?.(this.ctx)
    } catch (error) {
      return this.startFailed(error)
    }
    return Promise.resolve()
  }

  private async startFailed(error: unknown): Promise<never> {
    const detail = error instanceof Error ? error.message : String(error)
    this.log({ event: 'start-failed', detail: error instanceof Error ? (error.stack ?? detail) : detail })
    // What the actor did before it threw is committed as at any stop; a failure to close is secondary.
    await this.stop().catch((closing: unknown) => this.log({ event: 'stop-failed', detail: closing instanceof Error ? closing.message : String(closing) }))
    throw new NodeStartError('actor-threw', `its actor threw in start: ${detail}`, error)
  }

  /** Sends what is held (after a sync), stops timers and links and syncs storage; the actor sees nothing more. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.commit.flush()
    this.stopped = true
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    clearInterval(this.summaries)
    await Promise.all([this.options.transport.close(), this.options.lan?.close(), this.pool.close()])
    this.options.storage.sync()
    this.sampler.flush(true)
  }

  /** Whether this runtime's dial policy lets it dial `url` (the peer actor checks announcements with it). */
  mayDial(url: string): boolean {
    return this.problem(url) === undefined
  }

  /**
   * The network group of `address`, for the routing table's diversity limits: the IPv4 /24 or IPv6 /48
   * of the link an identity came over (remembered after the link closes), of a URL's host, or of a
   * datagram's source. A loopback host is one group, unless loopback peers are allowed (a local
   * cluster: every peer is on this machine, and each identity counts as its own group). Identities
   * whose link this runtime no longer remembers (or never saw), and addresses it cannot read, share
   * one group: an attacker that churns identities to push its earlier ones out of the bounded map
   * must not turn each of them into a group of its own. Asking counts as a use, so the groups of the
   * routing table's contacts (asked at every insertion) stay remembered.
   */
  groupOf(address: Address): string {
    if (isIdentityAddress(address)) return this.groups.get(address) ?? UNKNOWN_GROUP
    if (isDatagramSource(address)) return this.groupOfHost(hostOfSocketAddress(address.slice('udp://'.length)), address)
    if (address.includes('://')) {
      try {
        return this.groupOfHost(new URL(address).hostname, address)
      } catch {
        return UNKNOWN_GROUP
      }
    }
    return UNKNOWN_GROUP
  }

  private groupOfHost(hostText: string, owner: Address): string {
    const host = parseHost(hostText)
    if (this.options.allowLoopback === true && hostScope(host) === 'loopback') return owner
    return networkGroup(host)
  }

  /** Syncs this runtime issued to commit output (for measurements). */
  get commitSyncs(): number {
    return this.commit.syncs
  }

  private log(record: LogRecord): void {
    this.sampler.log(record)
  }

  private send(to: Address, message: unknown): void {
    if (this.stopped) return
    // Neither an identity nor a URL: no link or dial could ever reach it (the simulator's unknown node).
    if (!isIdentityAddress(to) && !to.includes('://')) return this.log({ event: 'send-dropped', reason: 'unknown-address', to })
    const frame = encode(message)
    // To self: held like any frame, then handed back as an input of its own, decoded through the inbox.
    if (to === this.ctx.self) return this.commit.hold(() => void this.deliver(frame, to))
    this.commit.hold(() => this.route(to, frame))
  }

  private route(to: Address, frame: Uint8Array): void {
    const link = this.links.get(to)
    if (link?.open) return this.transmit(link, frame, to)
    if (to.includes('://') && !isDatagramSource(to)) return this.dial(to, frame)
    // An identity whose link is gone is dialled again at the URL it was reached at before, if any.
    const known = this.reachedAt.get(to)
    if (known !== undefined) return this.dial(known, frame, to)
    this.log({ event: 'send-dropped', reason: 'no-link', to })
  }

  // Dials `url` (once, however many frames queue meanwhile) and sends `frame` over the new link. With
  // `identity`, the link must prove that identity.
  private dial(url: string, frame: Uint8Array, identity?: Address): void {
    const queued = this.dialling.peek(url)
    if (queued !== undefined) {
      if (queued.length < DEFAULT_MAX_FRAMES_PER_DIAL) queued.push(frame)
      else this.log({ event: 'send-dropped', reason: 'dial-queue-full', to: url })
      return
    }
    const problem = this.problem(url)
    // The URL is a stranger's choice: it goes in `detail`, and the sampled kind stays 'dial-refused:policy'.
    if (problem !== undefined) return this.log({ event: 'dial-refused', reason: 'policy', to: url, detail: problem })
    const refusal = this.gate.begin(url)
    if (refusal !== undefined) return this.log({ event: 'dial-refused', reason: refusal, to: url })
    this.dialling.set(url, [frame])
    const expected = identity === undefined ? undefined : fromHex(identity)
    this.options.transport.dial(url, expected).then(
      (dialled) => {
        this.gate.end(url, true)
        const frames = this.dialling.peek(url) ?? []
        this.dialling.delete(url)
        this.links.set(url, dialled)
        this.reachedAt.set(toHex(dialled.remoteIdentity), url)
        this.adopt(dialled, url)
        if (dialled.open) this.outbound.set(dialled, url)
        for (const f of frames) this.transmit(dialled, f, url)
      },
      (error: Error & { reason?: string }) => {
        this.gate.end(url, false)
        this.dialling.delete(url)
        this.log({ event: 'dial-failed', to: url, reason: error.reason ?? 'error', detail: error.message })
      },
    )
  }

  private transmit(link: Link, frame: Uint8Array, to: Address): void {
    this.outbound.get(link) // a use: a dialled link moves to the recent end
    try {
      link.send(frame)
    } catch (error) {
      this.log({ event: 'send-dropped', reason: (error as { reason?: string }).reason ?? 'error', to, detail: (error as Error).message })
    }
  }

  private broadcast(message: unknown): void {
    const lan = this.options.lan
    if (this.stopped) return
    // No broadcast domain is LAN discovery turned off, the operator's choice (and `vain node` says so
    // once, at start): a broadcast then reaches no one, as a broadcast on an empty LAN would. Logging
    // it would repeat that choice on every announcement. A LAN that fails to send is logged below.
    if (lan === undefined) return
    const datagram = encode(message)
    this.commit.hold(() =>
      lan.send(datagram).catch((error: Error & { reason?: string }) =>
        this.log({ event: 'send-dropped', reason: error.reason ?? 'error', to: 'lan', detail: error.message }),
      ),
    )
  }

  private misbehaviour(m: Misbehaviour): void {
    const peer = m.identity === undefined ? undefined : toHex(m.identity)
    this.log({ event: 'misbehaviour', reason: m.reason, peer, address: m.remoteAddress, detail: m.detail })
    this.signal({ peer, reason: m.reason, detail: m.detail })
  }

  // `dialled`: the URL this node dialled the link at; none for a link the peer opened. Both are logged
  // as `link-up`, so two nodes that each dialled the other (a newcomer its bootstrap node, which then
  // checks the newcomer's announced URL by dialling it) show two links, each saying which side opened it.
  private adopt(link: Link, dialled?: string): void {
    const peer = toHex(link.remoteIdentity)
    this.links.set(peer, link)
    this.groups.set(peer, this.groupOfLink(link, peer))
    this.log({ event: 'link-up', peer, address: link.remoteAddress, opened: dialled === undefined ? 'by-peer' : 'by-us', ...(dialled !== undefined && { dialled }) })
    const maxFailures = this.options.maxDecodeFailures ?? DEFAULT_MAX_DECODE_FAILURES
    let failures = 0
    let windowStart = 0
    link.onFrame((frame) => {
      this.outbound.get(link)
      if (this.deliver(frame, peer) || !link.open) return
      const now = Date.now()
      if (now - windowStart > DECODE_FAILURE_WINDOW_MS) [windowStart, failures] = [now, 0]
      if (++failures < maxFailures) return
      this.log({ event: 'link-cut', reason: 'decode-failures', peer, address: link.remoteAddress, detail: `${failures} frames did not decode` })
      link.close()
    })
    link.onClose((reason) => {
      // The link may be filed under the peer's identity and under the URL it was dialled at.
      for (const [key, value] of this.links) if (value === link) this.links.delete(key)
      this.outbound.delete(link)
      this.log({ event: 'link-down', peer, address: link.remoteAddress, reason })
    })
  }

  // A link's remote address is the socket's host:port (ws, dialled or accepted), or a URL (the memory transport's dialled links).
  private groupOfLink(link: Link, peer: Address): string {
    const remote = link.remoteAddress
    if (!remote.includes('://')) return this.groupOfHost(hostOfSocketAddress(remote), peer)
    const group = this.groupOf(remote)
    return group === remote ? peer : group
  }

  /** Decodes and delivers one frame; false if it did not decode. */
  private deliver(frame: Uint8Array, from: Address): boolean {
    if (this.stopped) return true
    const message = decodeFrame(frame, this.options.actor.inbox, this.options.maxFrameBytes)
    if (Result.isFailure(message)) {
      this.log({ event: 'rejected', from, reason: message.failure.reason, detail: message.failure.message })
      this.signal({ peer: from, reason: message.failure.reason, detail: message.failure.message })
      return false
    }
    this.guard('receive', () => this.options.actor.receive(message.success, from, this.ctx))
    return true
  }

  private signal(signal: PeerSignal): void {
    if (!this.stopped) this.guard('signal', () => this.options.actor.signal?.(signal, this.ctx))
  }

  private setTimer(delayMs: number, tag: TimerTag): TimerId {
    checkTimerDelay(delayMs)
    const id = this.nextTimer++
    this.arm(id, Date.now() + delayMs, tag)
    return id
  }

  private arm(id: TimerId, at: number, tag: TimerTag): void {
    const wait = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - Date.now()))
    this.timers.set(
      id,
      setTimeout(() => {
        if (Date.now() < at) return this.arm(id, at, tag)
        this.timers.delete(id)
        // What earlier inputs sent (to self too) goes first: a message to self comes before a timer due
        // at the same instant, whichever phase of the event loop armed the timer.
        this.commit.flush()
        if (!this.stopped) this.guard('timer', () => this.options.actor.timer?.(tag, this.ctx))
      }, wait),
    )
  }

  private cancelTimer(id: TimerId): void {
    clearTimeout(this.timers.get(id))
    this.timers.delete(id)
  }

  /**
   * Runs the job on the pool; its outcome is an input of its own, like a frame from a link: handled
   * on the event loop after the worker answers, its sends held by output commit like any other's.
   */
  private compute<I>(job: ComputeJob<I>, tag: ComputeTag): void {
    const accepted = acceptJob(job)
    if (this.stopped) return
    void this.pool.run(accepted.kind, accepted.input).then((outcome) => {
      // The pool closes only when the runtime stops, and nothing reaches the actor after stop.
      if (this.stopped || poolClosed(outcome)) return
      this.guard('computed', () => this.options.actor.computed?.(tag, outcome, this.ctx))
    })
  }

  // An actor that throws loses the message it was handling, not the node: the error is logged.
  private guard(phase: string, body: () => void): void {
    try {
      body()
    } catch (error) {
      this.log({ event: 'actor-error', phase, detail: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
  }
}
