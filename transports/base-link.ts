import { TransportError, type CloseReason, type Link, type Misbehaviour, type TransportFailure } from '../core/transport.ts'
import { TokenBucket, type Limits } from './limits.ts'
import type { SendBudget } from './send-budget.ts'

/**
 * What every Link implementation shares: frame-size checks, the outbound-buffer bounds (the link's
 * own, and its transport's over all its links: send-budget.ts), inbound rate limiting, buffering of
 * frames that arrive before a handler, and exactly-once close. A concrete link supplies how bytes go
 * out, how many are still unsent, and how the underlying connection is torn down, and feeds every
 * inbound frame to `deliver` (or, for frames that carry nothing up, `admit`).
 */
export abstract class BaseLink implements Link {
  private frameHandler: ((frame: Uint8Array) => void) | undefined
  private readonly early: Uint8Array[] = []
  private earlyBytes = 0
  private readonly closeHandlers: ((reason: CloseReason) => void)[] = []
  private readonly bucket: TokenBucket
  private drops = 0
  private closedWith: CloseReason | undefined

  constructor(
    readonly remoteIdentity: Uint8Array,
    readonly remoteAddress: string,
    protected readonly limits: Limits,
    clock: () => number,
    private readonly report: (event: Misbehaviour) => void,
    /** The unsent bytes of all the transport's links, which this link's sends count against. */
    private readonly budget: SendBudget<BaseLink>,
  ) {
    this.bucket = new TokenBucket(limits.framesPerSecond, limits.burst, clock)
    budget.record(this, 0)
  }

  get open(): boolean {
    return this.closedWith === undefined
  }

  abstract readonly bufferedBytes: number

  send(frame: Uint8Array): void {
    if (!this.open) throw new TransportError('closed', `the link to ${this.remoteAddress} is closed`)
    if (frame.byteLength > this.limits.maxFrameBytes) {
      throw new TransportError('frame-too-large', `a ${frame.byteLength}-byte frame exceeds the link's limit of ${this.limits.maxFrameBytes}`)
    }
    const unsent = this.bufferedBytes
    if (unsent + frame.byteLength > this.limits.maxBufferedBytes) {
      const detail = `${unsent} bytes still unsent, and a ${frame.byteLength}-byte frame would pass the ${this.limits.maxBufferedBytes}-byte bound`
      this.cut('slow-reader', detail)
      throw new TransportError('slow-reader', `the link to ${this.remoteAddress} was cut: ${detail}`)
    }
    this.reserve(frame.byteLength)
    this.transmit(frame)
    this.budget.record(this, this.bufferedBytes)
  }

  close(): void {
    this.finish('local')
  }

  /**
   * Makes room for `bytes` more in the transport's budget: while all its links would pass it, the one
   * holding the most is cut as a slow reader. Throws 'slow-reader' if that is this link.
   */
  private reserve(bytes: number): void {
    for (let over = this.budget.overdraft(this, bytes); over !== undefined; over = this.budget.overdraft(this, bytes)) {
      const detail = `the transport's links hold ${over.total} unsent bytes and a ${bytes}-byte frame would pass their ${this.budget.maxBytes}-byte budget: this link holds the most`
      over.victim.cut('slow-reader', detail)
      if (over.victim === this) throw new TransportError('slow-reader', `the link to ${this.remoteAddress} was cut: ${detail}`)
    }
  }

  /** Closes this link because its identity opened a newer one (transports/inbound-links.ts). */
  supersede(): void {
    this.finish('replaced')
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.frameHandler = handler
    this.earlyBytes = 0
    for (const frame of this.early.splice(0)) if (this.open) handler(frame)
  }

  onClose(handler: (reason: CloseReason) => void): void {
    if (this.closedWith !== undefined) handler(this.closedWith)
    else this.closeHandlers.push(handler)
  }

  /** An inbound frame: checked against the limits, then handed on (or kept until a handler is set). */
  protected deliver(frame: Uint8Array): void {
    if (!this.open) return
    if (frame.byteLength > this.limits.maxFrameBytes) return this.cut('frame-too-large', `a ${frame.byteLength}-byte frame arrived`)
    if (!this.admit()) return
    if (this.frameHandler !== undefined) return this.frameHandler(frame)
    // Nobody reads yet: what is kept meanwhile is bounded like what waits to go out.
    this.earlyBytes += frame.byteLength
    if (this.earlyBytes > this.limits.maxBufferedBytes) return this.cut('rate-limited', `${this.earlyBytes} bytes arrived before the link was read`)
    this.early.push(frame)
  }

  /**
   * Counts one inbound frame against the rate limit: true if it is within it. A frame over it is to be
   * dropped; after `maxDropsBeforeCut` drops in a row the link is cut. Drops are not reported one by
   * one: the cut is the report.
   */
  protected admit(): boolean {
    if (!this.open) return false
    if (this.bucket.take()) {
      this.drops = 0
      return true
    }
    if (++this.drops >= this.limits.maxDropsBeforeCut) this.cut('rate-limited', `${this.drops} frames over ${this.limits.framesPerSecond}/s in a row`)
    return false
  }

  /** Ends the link for misbehaviour: reported, then closed. */
  protected cut(reason: TransportFailure, detail: string): void {
    if (!this.open) return
    this.report({ identity: this.remoteIdentity, remoteAddress: this.remoteAddress, reason, detail })
    this.finish(reason)
  }

  /** Records the end of the link once, tears the connection down, and tells the handlers. */
  protected finish(reason: CloseReason): void {
    if (this.closedWith !== undefined) return
    this.closedWith = reason
    this.early.length = 0
    this.budget.forget(this)
    this.teardown(reason)
    for (const handler of this.closeHandlers.splice(0)) handler(reason)
  }

  protected abstract transmit(frame: Uint8Array): void
  /** Tears the connection down; for 'slow-reader', at once, dropping whatever is still unsent. */
  protected abstract teardown(reason: CloseReason): void
}
