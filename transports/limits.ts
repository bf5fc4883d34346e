/** What a transport allows its peers. */
export interface Limits {
  /** The largest frame, in bytes, a link sends or accepts. */
  readonly maxFrameBytes: number
  /** Sustained inbound frames per second per link, and the burst above it. */
  readonly framesPerSecond: number
  readonly burst: number
  /** Frames over the rate are dropped; after this many drops in a row the link is cut. */
  readonly maxDropsBeforeCut: number
  /** Links at once from one remote IP address. */
  readonly maxLinksPerAddress: number
  /** How long a dialled or accepted peer has to prove its identity. */
  readonly handshakeTimeoutMs: number
  /** Identities refused at the handshake (convicted of misbehaviour). */
  readonly isBlocked: (identity: Uint8Array) => boolean
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 1 << 20,
  framesPerSecond: 2_000,
  burst: 4_000,
  maxDropsBeforeCut: 1_000,
  maxLinksPerAddress: 32,
  handshakeTimeoutMs: 5_000,
  isBlocked: () => false,
}

/**
 * A token bucket: `rate` tokens per second up to `burst`. The clock is passed in (milliseconds), so the
 * same code runs on a wall clock or a virtual one.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: () => number,
  ) {
    this.tokens = burst
    this.last = clock()
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.clock()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** Counts links per remote address against a cap. */
export class AddressCaps {
  private readonly counts = new Map<string, number>()

  constructor(private readonly max: number) {}

  /** Reserves a slot for `address`; false when it already has `max` links. */
  admit(address: string): boolean {
    const count = this.counts.get(address) ?? 0
    if (count >= this.max) return false
    this.counts.set(address, count + 1)
    return true
  }

  release(address: string): void {
    const count = (this.counts.get(address) ?? 1) - 1
    if (count <= 0) this.counts.delete(address)
    else this.counts.set(address, count)
  }
}
