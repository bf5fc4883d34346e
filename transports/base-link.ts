import { TransportError, type CloseReason, type Link, type Misbehaviour } from '../core/transport.ts'
import { TokenBucket, type Limits } from './limits.ts'

/**
 * What every Link implementation shares: frame-size checks, inbound rate limiting, buffering of frames
 * that arrive before a handler, and exactly-once close. A concrete link supplies how bytes go out and
 * how the underlying connection is torn down, and feeds inbound frames to `deliver`.
 */
export abstract class BaseLink implements Link {
  private frameHandler: ((frame: Uint8Array) => void) | undefined
  private readonly early: Uint8Array[] = []
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
  ) {
    this.bucket = new TokenBucket(limits.framesPerSecond, limits.burst, clock)
  }

  get open(): boolean {
    return this.closedWith === undefined
  }

  send(frame: Uint8Array): void {
    if (!this.open) throw new TransportError('closed', `the link to ${this.remoteAddress} is closed`)
    if (frame.byteLength > this.limits.maxFrameBytes) {
      throw new TransportError('frame-too-large', `a ${frame.byteLength}-byte frame exceeds the link's limit of ${this.limits.maxFrameBytes}`)
    }
    this.transmit(frame)
  }

  close(): void {
    this.finish('local')
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.frameHandler = handler
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
    if (!this.bucket.take()) {
      if (++this.drops >= this.limits.maxDropsBeforeCut) this.cut('rate-limited', `${this.drops} frames over ${this.limits.framesPerSecond}/s in a row`)
      return
    }
    this.drops = 0
    if (this.frameHandler === undefined) this.early.push(frame)
    else this.frameHandler(frame)
  }

  /** Ends the link for misbehaviour: reported, then closed. */
  protected cut(reason: 'frame-too-large' | 'rate-limited', detail: string): void {
    this.report({ identity: this.remoteIdentity, remoteAddress: this.remoteAddress, reason, detail })
    this.finish(reason)
  }

  /** Records the end of the link once, tears the connection down, and tells the handlers. */
  protected finish(reason: CloseReason): void {
    if (this.closedWith !== undefined) return
    this.closedWith = reason
    this.early.length = 0
    this.teardown(reason)
    for (const handler of this.closeHandlers.splice(0)) handler(reason)
  }

  protected abstract transmit(frame: Uint8Array): void
  protected abstract teardown(reason: CloseReason): void
}
