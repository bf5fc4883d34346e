/**
 * Anti-replay for one sender's sequence numbers (the sliding window of IPsec, RFC 4303 §3.4.3, widened
 * to 1024 because a sender's numbers are shared by all its destinations, so any one receiver sees them
 * with gaps and reordered by the network). A number is fresh once: above the highest seen, or within
 * the window below it and not yet seen. Anything older than the window is refused as a possible replay.
 */
export const REPLAY_WINDOW = 1024

export class ReplayWindow {
  private readonly seen = new Uint32Array(REPLAY_WINDOW / 32)

  /** Everything at or below `highest` counts as seen (after a restart, the persisted high-water mark). */
  constructor(private top = -1) {
    if (top >= 0) this.seen.fill(0xffffffff)
  }

  get highest(): number {
    return this.top
  }

  /** Whether `seq` is fresh; if so it is recorded and will not be fresh again. */
  accept(seq: number): boolean {
    if (seq > this.top) {
      this.slide(seq)
      this.mark(seq)
      return true
    }
    if (this.top - seq >= REPLAY_WINDOW) return false
    if (this.isMarked(seq)) return false
    this.mark(seq)
    return true
  }

  // Clears the bits of the numbers the window moves onto (they wrap around the ring).
  private slide(to: number): void {
    const steps = Math.min(to - this.top, REPLAY_WINDOW)
    for (let i = 1; i <= steps; i++) this.clear(this.top + i)
    this.top = to
  }

  private bit(seq: number): [number, number] {
    const slot = seq % REPLAY_WINDOW
    return [slot >>> 5, 1 << (slot & 31)]
  }
  private mark(seq: number): void {
    const [word, mask] = this.bit(seq)
    this.seen[word]! |= mask
  }
  private clear(seq: number): void {
    const [word, mask] = this.bit(seq)
    this.seen[word]! &= ~mask
  }
  private isMarked(seq: number): boolean {
    const [word, mask] = this.bit(seq)
    return (this.seen[word]! & mask) !== 0
  }
}
