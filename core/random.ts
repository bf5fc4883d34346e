import { blake2b } from './hash.ts'

/** A run seed: an integer or any string (both are canonicalised to their decimal/text form). */
export type Seed = number | string

const TWO_POW_32 = 4294967296
const TWO_POW_53 = 9007199254740992

/**
 * A seeded, splittable pseudo-random stream.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 128 bits of state, 32-bit output, period 2^128 − 1.
 * It uses only 32-bit integer operations (Math.imul, shifts), so every JavaScript engine produces the
 * same sequence.
 *
 * Splitting: a stream's state is BLAKE2b-128(domain ‖ parent key ‖ name), never a draw from the
 * parent, so `split('node-7')` gives the same stream whatever else was drawn or split before, and adding
 * a stream (a node, an actor) leaves every other stream's draws unchanged.
 */
export class Random {
  private s0 = 0
  private s1 = 0
  private s2 = 0
  private s3 = 0

  protected constructor(private readonly key: Uint8Array) {
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength)
    // The state words are kept as int32 (the same bits; every operation on them converts to int32
    // anyway): V8 in Node's builds (32-bit small integers) then stores them in the object itself,
    // where uint32 values above 2^31 would make each a separately allocated number. A draw from one of
    // many streams (a node's, in a large simulation) then touches one cache line instead of five.
    this.s0 = view.getInt32(0, true)
    this.s1 = view.getInt32(4, true)
    this.s2 = view.getInt32(8, true)
    this.s3 = view.getInt32(12, true)
    // xoshiro's only forbidden state; a 128-bit hash lands here with probability 2^-128.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** The root stream of a run. */
  static fromSeed(seed: Seed): Random {
    return new Random(derive(new Uint8Array(0), `seed:${typeof seed}:${String(seed)}`))
  }

  /** An independent child stream named `name`; same parent and name, same stream. */
  split(name: string): Random {
    return new Random(derive(this.key, name))
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const s1 = this.s1
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5 // 27 bits
    const lo = this.nextU32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53
  }

  /** An integer in [0, n), unbiased (rejection sampling); n is a positive safe integer. */
  int(n: number): number {
    if (!(n > 0) || !Number.isSafeInteger(n)) throw new RangeError(`Random.int: n must be a positive safe integer, got ${n}`)
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n)
      let x = this.nextU32()
      while (x >= limit) x = this.nextU32()
      return x % n
    }
    return Math.floor(this.next() * n)
  }

  /** An integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.next() < p)
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Random.pick: empty array')
    return items[this.int(items.length)] as T
  }

  /** `k` distinct elements of `items` in random order (k is clamped to the length). */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice()
    const n = Math.min(k, copy.length)
    for (let i = 0; i < n; i++) {
      const j = i + this.int(copy.length - i)
      const tmp = copy[i] as T
      copy[i] = copy[j] as T
      copy[j] = tmp
    }
    copy.length = n
    return copy
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** A normally distributed value (Box–Muller; one pair of draws per call). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next() // (0, 1]
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** `n` random bytes (for key seeds and nonces in simulation). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      let x = this.nextU32()
      for (let j = i; j < Math.min(i + 4, n); j++) {
        out[j] = x & 0xff
        x >>>= 8
      }
    }
    return out
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

const DOMAIN = new TextEncoder().encode('vain.random.v1')

function derive(parentKey: Uint8Array, name: string): Uint8Array {
  const nameBytes = new TextEncoder().encode(name)
  // domain ‖ len(parent) ‖ parent ‖ name: the length byte keeps (parent, name) pairs unambiguous.
  const input = new Uint8Array(DOMAIN.length + 1 + parentKey.length + nameBytes.length)
  input.set(DOMAIN, 0)
  input[DOMAIN.length] = parentKey.length
  input.set(parentKey, DOMAIN.length + 1)
  input.set(nameBytes, DOMAIN.length + 1 + parentKey.length)
  return blake2b(input, 16)
}
