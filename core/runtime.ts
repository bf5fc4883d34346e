import { Result } from 'effect'
import type { Actor, Address, Context, PeerSignal, TimerId, TimerTag, TraceFields } from './actor.ts'
import { datagramSource, isDatagramSource } from './address.ts'
import { fromHex, toHex } from './bytes.ts'
import { decodeFrame, encode } from './codec.ts'
import { OsRandom } from './os-random.ts'
import type { Storage } from './storage.ts'
import type { BroadcastDomain, Link, Misbehaviour, Transport } from './transport.ts'

/** One structured log record. */
export type LogRecord = { readonly event: string } & Readonly<Record<string, unknown>>

export interface RuntimeOptions {
  readonly actor: Actor
  readonly transport: Transport
  readonly storage: Storage
  readonly log: (record: LogRecord) => void
  /** The LAN (UDP broadcast) for `ctx.broadcast`; without one, broadcasts are logged and dropped. */
  readonly lan?: BroadcastDomain
  readonly maxFrameBytes?: number
}

// setTimeout takes at most 2^31 − 1 ms (24.8 days); longer timers (a 90-day key rotation) re-arm.
const MAX_TIMEOUT_MS = 2 ** 31 - 1
const MAX_REMEMBERED_URLS = 65_536

/**
 * The real-time runtime: one actor on the Node.js event loop, with the wall clock, the OS random
 * source, a Transport's authenticated links and durable Storage. Addresses are peers' identities (hex
 * of the Ed25519 key a link proved); an address that is a URL (`wss://…`) is dialled on first use, and
 * the peer's replies then come from its identity. An identity whose link has closed is dialled again
 * at the URL it was reached at, and must prove the same identity there. Every inbound frame is
 * decoded through the actor's inbox schema with a size limit before the actor sees it; a frame that
 * fails is logged and dropped, and, like the transport's misbehaviour reports, reaches the actor's
 * `signal` (for reputation).
 */
export class NodeRuntime {
  private readonly links = new Map<Address, Link>()
  private readonly dialling = new Map<string, Uint8Array[]>()
  /** The URL each identity was last reached at by dialling, to dial it again once its link is gone. */
  private readonly reachedAt = new Map<Address, string>()
  private readonly timers = new Map<TimerId, NodeJS.Timeout>()
  private nextTimer = 1
  private stopped = false
  readonly ctx: Context

  constructor(private readonly options: RuntimeOptions) {
    const runtime = this
    this.ctx = {
      self: toHex(options.transport.identity),
      now: () => Date.now(), // real-runtime: the wall clock
      random: new OsRandom(),
      send: (to, message) => runtime.send(to, message),
      broadcast: (message) => runtime.broadcast(message),
      setTimer: (delayMs, tag) => runtime.setTimer(delayMs, tag),
      cancelTimer: (id) => runtime.cancelTimer(id),
      storage: options.storage,
      trace: (event: TraceFields) => options.log({ event: 'trace', ...event }),
    }
  }

  /** Starts accepting links and boots the actor. */
  start(): void {
    const { transport, lan } = this.options
    transport.onLink((link) => this.adopt(link))
    transport.onMisbehaviour((m) => this.misbehaviour(m))
    // A datagram's source is unauthenticated and not dialable: the actor gets it as `udp://host:port`,
    // and must find a sender's real address in what the datagram proves (a signed announcement).
    lan?.onDatagram((frame, from) => this.deliver(frame, datagramSource(from)))
    lan?.onMisbehaviour((m) => this.misbehaviour(m))
    this.guard('start', () => this.options.actor.start?.(this.ctx))
  }

  /** Stops timers and links and syncs storage; the actor sees nothing more. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    await Promise.all([this.options.transport.close(), this.options.lan?.close()])
    this.options.storage.sync()
  }

  private send(to: Address, message: unknown): void {
    if (this.stopped) return
    const frame = encode(message)
    const link = this.links.get(to)
    if (link?.open) return this.transmit(link, frame, to)
    if (to.includes('://') && !isDatagramSource(to)) return this.dial(to, frame)
    // An identity whose link is gone is dialled again at the URL it was reached at before, if any.
    const known = this.reachedAt.get(to)
    if (known !== undefined) return this.dial(known, frame, to)
    this.options.log({ event: 'drop', reason: 'no-link', to })
  }

  // Dials `url` (once, however many frames queue meanwhile) and sends `frame` over the new link. With
  // `identity`, the link must prove that identity.
  private dial(url: string, frame: Uint8Array, identity?: Address): void {
    const queued = this.dialling.get(url)
    if (queued !== undefined) return void queued.push(frame)
    this.dialling.set(url, [frame])
    const expected = identity === undefined ? undefined : fromHex(identity)
    this.options.transport.dial(url, expected).then(
      (dialled) => {
        const frames = this.dialling.get(url) ?? []
        this.dialling.delete(url)
        this.links.set(url, dialled)
        if (this.reachedAt.size >= MAX_REMEMBERED_URLS) this.reachedAt.clear()
        this.reachedAt.set(toHex(dialled.remoteIdentity), url)
        this.adopt(dialled)
        for (const f of frames) this.transmit(dialled, f, url)
      },
      (error: Error & { reason?: string }) => {
        this.dialling.delete(url)
        this.options.log({ event: 'dial-failed', to: url, reason: error.reason ?? 'error', detail: error.message })
      },
    )
  }

  private transmit(link: Link, frame: Uint8Array, to: Address): void {
    try {
      link.send(frame)
    } catch (error) {
      this.options.log({ event: 'drop', reason: (error as { reason?: string }).reason ?? 'error', to, detail: (error as Error).message })
    }
  }

  private broadcast(message: unknown): void {
    const lan = this.options.lan
    if (this.stopped) return
    if (lan === undefined) return this.options.log({ event: 'drop', reason: 'no-broadcast-domain' })
    lan.send(encode(message)).catch((error: Error & { reason?: string }) =>
      this.options.log({ event: 'drop', reason: error.reason ?? 'error', to: 'lan', detail: error.message }),
    )
  }

  private misbehaviour(m: Misbehaviour): void {
    const peer = m.identity === undefined ? undefined : toHex(m.identity)
    this.options.log({ event: 'misbehaviour', reason: m.reason, peer, address: m.remoteAddress, detail: m.detail })
    this.signal({ peer, reason: m.reason, detail: m.detail })
  }

  private adopt(link: Link): void {
    const peer = toHex(link.remoteIdentity)
    this.links.set(peer, link)
    this.options.log({ event: 'link-up', peer, address: link.remoteAddress })
    link.onFrame((frame) => this.deliver(frame, peer))
    link.onClose((reason) => {
      // The link may be filed under the peer's identity and under the URL it was dialled at.
      for (const [key, value] of this.links) if (value === link) this.links.delete(key)
      this.options.log({ event: 'link-down', peer, reason })
    })
  }

  private deliver(frame: Uint8Array, from: Address): void {
    if (this.stopped) return
    const message = decodeFrame(frame, this.options.actor.inbox, this.options.maxFrameBytes)
    if (Result.isFailure(message)) {
      this.options.log({ event: 'rejected', from, reason: message.failure.reason, detail: message.failure.message })
      return this.signal({ peer: from, reason: message.failure.reason, detail: message.failure.message })
    }
    this.guard('receive', () => this.options.actor.receive(message.success, from, this.ctx))
  }

  private signal(signal: PeerSignal): void {
    if (!this.stopped) this.guard('signal', () => this.options.actor.signal?.(signal, this.ctx))
  }

  private setTimer(delayMs: number, tag: TimerTag): TimerId {
    const id = this.nextTimer++
    this.arm(id, Date.now() + Math.max(0, delayMs), tag) // real-runtime: the wall clock
    return id
  }

  private arm(id: TimerId, at: number, tag: TimerTag): void {
    const wait = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - Date.now())) // real-runtime
    this.timers.set(
      id,
      setTimeout(() => { // real-runtime: the event loop's timers
        if (Date.now() < at) return this.arm(id, at, tag) // real-runtime: a long timer, re-armed
        this.timers.delete(id)
        if (!this.stopped) this.guard('timer', () => this.options.actor.timer?.(tag, this.ctx))
      }, wait),
    )
  }

  private cancelTimer(id: TimerId): void {
    clearTimeout(this.timers.get(id))
    this.timers.delete(id)
  }

  // An actor that throws loses the message it was handling, not the node: the error is logged.
  private guard(phase: string, body: () => void): void {
    try {
      body()
    } catch (error) {
      this.options.log({ event: 'actor-error', phase, detail: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
  }
}
