import { grownTo } from './typed-arrays.ts'

/** The first capacity of a queue: enough for a small run without regrowing; it doubles when full. */
export const DEFAULT_EVENT_QUEUE_CAPACITY = 1024

/**
 * A binary min-heap of events ordered by (time, sequence number). The sequence number is assigned at
 * push, so events at the same virtual time pop in the order they were scheduled: the order is total
 * and the same on every run.
 *
 * An event is a time and an int32 payload (the simulator's is a slot of its event table,
 * sim/event-table.ts). Struct of arrays: times and sequence numbers in Float64Arrays, payloads in an
 * Int32Array, so the heap holds no object references, allocates nothing per event and its sift loops
 * touch three dense arrays, nothing else. Sequence numbers are doubles: exact up to 2^53 pushes.
 */
export class EventQueue {
  private times: Float64Array
  private seqs: Float64Array
  private payloads: Int32Array
  private count = 0
  private seq = 0

  constructor(capacity: number = DEFAULT_EVENT_QUEUE_CAPACITY) {
    const slots = Math.max(1, Math.floor(capacity))
    this.times = new Float64Array(slots)
    this.seqs = new Float64Array(slots)
    this.payloads = new Int32Array(slots)
  }

  get size(): number {
    return this.count
  }

  /** The time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Infinity : (this.times[0] as number)
  }

  /** Schedules `payload` (an int32) at `time`. */
  push(time: number, payload: number): void {
    if (this.count === this.times.length) this.grow()
    const times = this.times
    const seqs = this.seqs
    const payloads = this.payloads
    const seq = this.seq++
    let i = this.count++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent] as number
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break
      times[i] = pt
      seqs[i] = seqs[parent] as number
      payloads[i] = payloads[parent] as number
      i = parent
    }
    times[i] = time
    seqs[i] = seq
    payloads[i] = payload
  }

  /** Removes the earliest event and returns its payload; -1 when empty (check `size` where -1 can be a payload). */
  pop(): number {
    const n = this.count
    if (n === 0) return -1
    const times = this.times
    const seqs = this.seqs
    const payloads = this.payloads
    const top = payloads[0] as number
    const size = n - 1
    this.count = size
    if (size > 0) {
      const lastTime = times[size] as number
      const lastSeq = seqs[size] as number
      const lastPayload = payloads[size] as number
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= size) break
        const right = child + 1
        if (right < size) {
          const rt = times[right] as number
          const lt = times[child] as number
          // The earlier child, chosen by arithmetic rather than a branch: for random times which one
          // it is is a coin toss, and a mispredicted branch at every level cost more than the sums
          // (pop and push 10–20% faster on a 10,000-event heap).
          child += Number(rt < lt) | (Number(rt === lt) & Number((seqs[right] as number) < (seqs[child] as number)))
        }
        const ct = times[child] as number
        if (lastTime < ct || (lastTime === ct && lastSeq < (seqs[child] as number))) break
        times[i] = ct
        seqs[i] = seqs[child] as number
        payloads[i] = payloads[child] as number
        i = child
      }
      times[i] = lastTime
      seqs[i] = lastSeq
      payloads[i] = lastPayload
    }
    return top
  }

  private grow(): void {
    const capacity = this.times.length * 2
    this.times = grownTo(this.times, capacity)
    this.seqs = grownTo(this.seqs, capacity)
    this.payloads = grownTo(this.payloads, capacity)
  }
}
