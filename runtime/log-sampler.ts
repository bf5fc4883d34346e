import { BoundedMap } from '../core/bounded-map.ts'

/** One structured log record. */
export type LogRecord = { readonly event: string } & Readonly<Record<string, unknown>>

export interface LogSampling {
  /** Records of one kind written per interval; the rest are counted, not written. */
  readonly perInterval: number
  readonly intervalMs: number
}

export const DEFAULT_LOG_SAMPLING: LogSampling = {
  // 50 of a kind per 10 s shows an operator what is happening (the first of a flood, with its
  // details) and keeps a flood's log to ~5 records/s per kind, however fast the frames come: 19,000
  // malformed frames wrote 4.9 MB of log before this bound; now they write 50 lines and a summary.
  perInterval: 50,
  intervalMs: 10_000,
}

// Kinds come from the runtime's and the actors' own names, but a bound costs nothing and keeps a
// kind carrying an unexpected value from growing the map.
const MAX_KINDS = 256

/**
 * Writes at most `perInterval` records of each kind (the event, and its `type` or `reason`) per
 * interval, and counts the rest; each interval that suppressed something ends with one `suppressed`
 * record giving the counts by kind. `flush` closes the interval when it is over (call it on a timer,
 * so a summary comes out even when the flood has stopped).
 */
export class LogSampler {
  private windowStart: number
  private readonly written = new BoundedMap<string, number>(MAX_KINDS)
  private readonly suppressed = new BoundedMap<string, number>(MAX_KINDS)

  constructor(
    private readonly out: (record: LogRecord) => void,
    private readonly now: () => number,
    private readonly sampling: LogSampling = DEFAULT_LOG_SAMPLING,
  ) {
    this.windowStart = now()
  }

  log(record: LogRecord): void {
    this.flush()
    const kind = kindOf(record)
    const written = this.written.get(kind) ?? 0
    if (written < this.sampling.perInterval) {
      this.written.set(kind, written + 1)
      return this.out(record)
    }
    this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1)
  }

  /** Ends the interval if it is over, writing the summary of what it suppressed (or, with `force`, ends it now). */
  flush(force = false): void {
    const now = this.now()
    if (!force && now - this.windowStart < this.sampling.intervalMs) return
    if (this.suppressed.size > 0) {
      this.out({ event: 'suppressed', intervalMs: now - this.windowStart, counts: Object.fromEntries(this.suppressed) })
    }
    this.windowStart = now
    this.written.clear()
    this.suppressed.clear()
  }
}

function kindOf(record: LogRecord): string {
  const detail = record.type ?? record.reason
  return typeof detail === 'string' ? `${record.event}:${detail}` : record.event
}
