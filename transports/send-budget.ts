/** What the budget reads of a link: its unsent bytes now. */
export interface Unsent {
  readonly bufferedBytes: number
}

/** The link to cut so a send fits the budget, and what all links held when it was chosen. */
export interface Overdraft<L> {
  readonly victim: L
  readonly total: number
}

/**
 * The unsent bytes of all of one transport's links, held under `maxBytes`
 * (`Limits.maxTransportBufferedBytes`).
 *
 * A send must stay cheap however many links there are, so the budget does not sum every link's
 * buffer on each send. It keeps, per link, the unsent bytes seen at that link's last send, and their
 * sum. A link's buffer grows only by its sends and drains on its own, so each kept value is at least
 * what the link holds now, and the sum is an upper bound of the true total. Only when that bound would
 * pass the budget does it read every link again (O(links)), and only if the true total would still pass
 * does it name the link holding the most (which may be the sender) to be cut.
 */
export class SendBudget<L extends Unsent> {
  private readonly seen = new Map<L, number>()
  private estimate = 0

  constructor(readonly maxBytes: number) {}

  /** Every link the budget counts: from when it opens until `forget`. */
  get links(): number {
    return this.seen.size
  }

  /** `link` now holds `unsent` bytes (it just sent, or it opened with 0). */
  record(link: L, unsent: number): void {
    this.estimate += unsent - (this.seen.get(link) ?? 0)
    this.seen.set(link, unsent)
  }

  /** `link` closed: its bytes are released. */
  forget(link: L): void {
    this.estimate -= this.seen.get(link) ?? 0
    this.seen.delete(link)
  }

  /**
   * Whether `sender` may add `bytes`: undefined if all links would stay within the budget, else the
   * link holding the most (the sender counted with `bytes`), to be cut before asking again.
   */
  overdraft(sender: L, bytes: number): Overdraft<L> | undefined {
    if (this.estimate + bytes <= this.maxBytes) return undefined
    let total = 0
    let victim = sender
    let most = -1
    for (const link of this.seen.keys()) {
      const unsent = link.bufferedBytes
      this.seen.set(link, unsent)
      total += unsent
      const would = unsent + (link === sender ? bytes : 0)
      if (would > most) [victim, most] = [link, would]
    }
    this.estimate = total
    return total + bytes <= this.maxBytes ? undefined : { victim, total }
  }
}
