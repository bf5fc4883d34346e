/**
 * A binary min-heap of events ordered by (time, sequence number). The sequence number is assigned at
 * push, so events at the same virtual time pop in the order they were scheduled: the order is total
 * and the same on every run.
 *
 * Keys live in parallel number arrays (V8 keeps them as unboxed doubles), items in a third array.
 */
export class EventQueue<T> {
  private readonly times: number[] = []
  private readonly seqs: number[] = []
  private readonly items: T[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  /** The time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.items.length === 0 ? Infinity : (this.times[0] as number)
  }

  push(time: number, item: T): void {
    const times = this.times
    const seqs = this.seqs
    const items = this.items
    const seq = this.seq++
    let i = items.length
    items.push(item)
    times.push(time)
    seqs.push(seq)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent] as number
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break
      times[i] = pt
      seqs[i] = seqs[parent] as number
      items[i] = items[parent] as T
      i = parent
    }
    times[i] = time
    seqs[i] = seq
    items[i] = item
  }

  /** Removes and returns the earliest event; undefined when empty. */
  pop(): T | undefined {
    const items = this.items
    const n = items.length
    if (n === 0) return undefined
    const top = items[0] as T
    const times = this.times
    const seqs = this.seqs
    const lastItem = items.pop() as T
    const lastTime = times.pop() as number
    const lastSeq = seqs.pop() as number
    const size = n - 1
    if (size > 0) {
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= size) break
        const right = child + 1
        if (right < size) {
          const ct = times[child] as number
          const rt = times[right] as number
          if (rt < ct || (rt === ct && (seqs[right] as number) < (seqs[child] as number))) child = right
        }
        const ct = times[child] as number
        if (lastTime < ct || (lastTime === ct && lastSeq < (seqs[child] as number))) break
        times[i] = ct
        seqs[i] = seqs[child] as number
        items[i] = items[child] as T
        i = child
      }
      times[i] = lastTime
      seqs[i] = lastSeq
      items[i] = lastItem
    }
    return top
  }
}
