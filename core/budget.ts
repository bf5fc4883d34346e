/**
 * A token bucket on the context's clock: `perSecond` tokens a second, at most `burst` saved up. It
 * bounds work a stranger can make a node do (probes it dials, records it hands off, relays it sends)
 * whatever the number of identities or links the stranger uses, because it is one budget per node.
 * Time comes in as an argument (`ctx.now()`), so it runs the same in simulation and in a real node.
 */
export class Budget {
  private tokens: number
  private at: number | undefined

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    if (!(perSecond >= 0) || !(burst >= 1)) throw new RangeError(`a Budget needs perSecond ≥ 0 and burst ≥ 1, got ${perSecond} and ${burst}`)
    this.tokens = burst
  }

  /** Whether there is a token at `now` (none is taken: for a cost paid only once the work is done). */
  ready(now: number): boolean {
    // A clock set back (a skewed or restarted node) refills nothing and never goes negative.
    if (this.at !== undefined && now > this.at) this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000)
    this.at = this.at === undefined ? now : Math.max(this.at, now)
    return this.tokens >= 1
  }

  /** Takes one token if there is one at `now`; says whether it did. */
  take(now: number): boolean {
    if (!this.ready(now)) return false
    this.tokens--
    return true
  }
}
