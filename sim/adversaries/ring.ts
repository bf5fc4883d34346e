/** A bounded buffer that keeps the last `capacity` items pushed. */
export class Ring<T> {
  private readonly slots: T[] = []
  private next = 0

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`)
  }

  get size(): number {
    return this.slots.length
  }

  push(item: T): void {
    if (this.slots.length < this.capacity) this.slots.push(item)
    else this.slots[this.next] = item
    this.next = (this.next + 1) % this.capacity
  }

  /** The item `i` places from the oldest kept. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.slots.length) return undefined
    return this.slots.length < this.capacity ? this.slots[i] : this.slots[(this.next + i) % this.capacity]
  }

  /** Every kept item, oldest first. */
  items(): T[] {
    return Array.from({ length: this.slots.length }, (_, i) => this.at(i) as T)
  }
}
