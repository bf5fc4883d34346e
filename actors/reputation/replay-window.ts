/**
 * A signer's counters the ledger has taken: its highest, and which of the `size` below it. Evidence
 * reaches the log through gossip, so a signer's entries may be committed out of order; each counter
 * still counts once. Memory per signer is bounded by the window, whatever the signer sends.
 */
export class ReplayWindow {
  highest = -1
  /** Taken counters in (highest − size, highest], ascending. */
  seen: number[] = []

  /** Whether `seq` is new and inside the window: what `take` would accept. Changes nothing. */
  admits(seq: number, size: number): boolean {
    return seq > this.highest || (seq > this.highest - size && !this.seen.includes(seq))
  }

  /** Records `seq` (after `admits` said yes). */
  take(seq: number, size: number): void {
    this.highest = Math.max(this.highest, seq)
    this.seen = [...this.seen, seq].filter((s) => s > this.highest - size).sort((a, b) => a - b)
  }
}
