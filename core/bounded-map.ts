/**
 * A Map with a capacity: past it, the least recently used entry is evicted (and handed to `onEvict`).
 * Every map keyed by what a stranger chooses (an address, an identity, a record key) is one of these,
 * so no peer can grow a node's memory by inventing keys. `get` and `set` count as use; `peek` does not.
 * Insertion order of a JavaScript Map is the recency order: a used entry is moved to the end.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>()

  constructor(
    readonly capacity: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a BoundedMap needs a capacity of at least 1, got ${capacity}`)
  }

  get size(): number {
    return this.entries.size
  }

  has(key: K): boolean {
    return this.entries.has(key)
  }

  /** The value at `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  /** The value at `key`, leaving the recency order as it is. */
  peek(key: K): V | undefined {
    return this.entries.get(key)
  }

  /** Sets `key` as the most recently used, evicting the least recently used entry when full. */
  set(key: K, value: V): this {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value as [K, V]
      this.entries.delete(oldest)
      this.onEvict?.(oldest, evicted)
    }
    return this
  }

  delete(key: K): boolean {
    return this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }

  keys(): IterableIterator<K> {
    return this.entries.keys()
  }

  values(): IterableIterator<V> {
    return this.entries.values()
  }

  /** Entries from the least to the most recently used. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries[Symbol.iterator]()
  }
}
