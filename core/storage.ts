/**
 * Durable key-value storage as an actor sees it. Writes are visible at once but become durable only
 * when `sync()` returns: a crash may lose any write made since the last sync.
 */
export interface Storage {
  get(key: string): Uint8Array | undefined
  put(key: string, value: Uint8Array): void
  delete(key: string): void
  /** The keys starting with `prefix`, in lexicographic order. */
  keys(prefix?: string): string[]
  /** Makes every write so far durable. */
  sync(): void
}

type PendingWrite = readonly [key: string, value: Uint8Array | undefined]

/**
 * In-memory Storage with an explicit durable image and a log of un-synced writes, so a simulated crash
 * can lose exactly what a real disk could lose: all un-synced writes, or a torn prefix of them.
 */
export class MemoryStorage implements Storage {
  private durable = new Map<string, Uint8Array>()
  private live = new Map<string, Uint8Array>()
  private pending: PendingWrite[] = []

  get(key: string): Uint8Array | undefined {
    const value = this.live.get(key)
    return value === undefined ? undefined : value.slice()
  }

  put(key: string, value: Uint8Array): void {
    const copy = value.slice()
    this.live.set(key, copy)
    this.pending.push([key, copy])
  }

  delete(key: string): void {
    this.live.delete(key)
    this.pending.push([key, undefined])
  }

  keys(prefix = ''): string[] {
    return [...this.live.keys()].filter((k) => k.startsWith(prefix)).sort()
  }

  sync(): void {
    this.applyPending(this.pending.length)
  }

  /** How many writes would a crash now put at risk. */
  get unsyncedWrites(): number {
    return this.pending.length
  }

  /** The value a crash now would keep for `key` (what an invariant may count as durable). */
  durableGet(key: string): Uint8Array | undefined {
    return this.durable.get(key)?.slice()
  }

  /**
   * A crash: the first `survivingWrites` un-synced writes reach the disk (a torn write log), the rest
   * are lost, and the live view falls back to the durable image.
   */
  crash(survivingWrites = 0): void {
    this.applyPending(Math.max(0, Math.min(survivingWrites, this.pending.length)))
    this.pending = []
    this.live = new Map(this.durable)
  }

  private applyPending(count: number): void {
    for (let i = 0; i < count; i++) {
      const [key, value] = this.pending[i] as PendingWrite
      if (value === undefined) this.durable.delete(key)
      else this.durable.set(key, value)
    }
    this.pending = this.pending.slice(count)
  }
}
