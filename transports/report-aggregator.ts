import { BoundedMap } from '../core/bounded-map.ts'
import type { Misbehaviour } from '../core/transport.ts'
import { TokenBucket } from './limits.ts'

export interface AggregatorOptions {
  /** Per source and reason, one report per window of this length; the rest are counted. */
  readonly intervalMs?: number
  /** Sources whose current window is remembered (LRU). */
  readonly maxSources?: number
  /** Reports per second across all sources, and the burst above it. */
  readonly reportsPerSecond?: number
  readonly burst?: number
}

/** 10 s: under a flood each source costs one log line and one reputation signal per 10 s, with a count. */
export const DEFAULT_REPORT_INTERVAL_MS = 10_000
/** 4,096 windows (~0.5 MiB): a source evicted early is at worst reported once more, with its count kept. */
export const DEFAULT_REPORTED_SOURCES = 4_096
/**
 * 20 reports per second (burst 100) from the whole transport: many sources at once (spoofed UDP
 * sources, a botnet's IPs) cannot turn into a log flood either; what is held back is counted.
 */
export const DEFAULT_REPORTS_PER_SECOND = 20
export const DEFAULT_REPORT_BURST = 100

interface Window {
  readonly start: number
  /** Events of this window after its first, which was reported (or counted as held back). */
  count: number
}

/**
 * Thins misbehaviour reports under a flood, without timers: the first event of a source and reason is
 * reported at once and opens a window; later ones in the window are only counted, and the count rides
 * on the next report of that source and reason (a source that stops never has its tail reported,
 * which loses a number, not a conviction). A global token bucket caps reports from all sources; what it
 * holds back, and the counts of evicted windows, ride on the next report that passes.
 */
export class ReportAggregator {
  private readonly windows: BoundedMap<string, Window>
  private readonly budget: TokenBucket
  private readonly intervalMs: number
  private heldBack = 0

  constructor(
    private readonly emit: (event: Misbehaviour) => void,
    private readonly clock: () => number,
    options: AggregatorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_REPORT_INTERVAL_MS
    this.windows = new BoundedMap(options.maxSources ?? DEFAULT_REPORTED_SOURCES, (_key, window) => (this.heldBack += window.count))
    this.budget = new TokenBucket(options.reportsPerSecond ?? DEFAULT_REPORTS_PER_SECOND, options.burst ?? DEFAULT_REPORT_BURST, clock)
  }

  /** One event from `source` (an IP, an identity): reported now, or counted for a later report. */
  report(source: string, event: Misbehaviour): void {
    const now = this.clock()
    const key = `${event.reason} ${source}`
    const window = this.windows.get(key)
    if (window !== undefined && now - window.start < this.intervalMs) {
      window.count++
      return
    }
    const earlier = window?.count ?? 0
    this.windows.set(key, { start: now, count: 0 })
    if (!this.budget.take()) {
      this.heldBack += 1 + earlier
      return
    }
    const notes: string[] = []
    if (earlier > 0) notes.push(`${earlier} more from ${source} in the ${this.intervalMs} ms after its previous report`)
    if (this.heldBack > 0) notes.push(`${this.heldBack} reports from other sources held back`)
    this.heldBack = 0
    this.emit(notes.length === 0 ? event : { ...event, detail: `${event.detail} (${notes.join('; ')})` })
  }
}
