import { Result } from 'effect'
import type { Address, Context, TimerId, TimerTag } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { ReasonedError } from '../../core/errors.ts'
import { BLOB_HASH_BYTES, StoreError, type BlobStore } from '../../core/storage.ts'
import type { BlobMessage, RefuseReason } from './messages.ts'

/**
 * Why a fetch failed: a bad hash asked for, too many fetches under way, the holder refused (`unknown`,
 * `busy`, `corrupt`, …), the blob is past this node's bound, what arrived does not hash to the name
 * (`mismatch`), the holder stopped answering (`timeout`), or storing it failed.
 */
export type FetchFailure = 'bad-hash' | 'busy' | 'too-large' | 'mismatch' | 'timeout' | 'store-failed' | `refused-${RefuseReason}`

export class BlobFetchError extends ReasonedError<FetchFailure> {
  readonly _tag = 'BlobFetchError' as const
  override readonly name = 'BlobFetchError'
}

/** How a fetch ended: the blob's hash, stored and verified, or why not. Called once per `fetch`. */
export type FetchDone = (result: Result.Result<Uint8Array, BlobFetchError>) => void

export interface FetcherLimits {
  /** Bytes asked for per `get` (at most MAX_CHUNK_BYTES). */
  readonly chunkBytes: number
  /** `get`s outstanding at once per fetch: the most chunks on their way to this node per fetch. */
  readonly window: number
  /** Fetches under way at once. */
  readonly maxFetches: number
  /** The largest blob this node fetches (a `size` past it fails the fetch). */
  readonly maxBlobBytes: number
  /** A fetch with no progress for this long re-sends what it waits for (on the context's clock). */
  readonly requestTimeoutMs: number
  /** Re-sends in a row without progress before the fetch fails with `timeout`. */
  readonly maxRetries: number
}

/**
 * 256 KiB: a quarter of the 1 MiB frame limit, so a chunk with its message and envelope always fits,
 * and a 5 MB blob is 20 round trips of requests, not thousands.
 */
export const DEFAULT_CHUNK_BYTES = 256 << 10
/**
 * Four chunks (1 MiB) in flight per fetch: enough to keep a 50 ms round trip busy at ~20 MB/s, and an
 * eighth of a link's outbound bound (transports/limits.ts, 8 MiB), so a holder answering a whole window
 * never comes near being cut as a slow reader.
 */
export const DEFAULT_WINDOW = 4
/**
 * Fetches at once: each holds its blob in memory while it is assembled (up to maxBlobBytes), so this
 * times that bounds the fetcher's memory (4 × 64 MiB).
 */
export const DEFAULT_MAX_FETCHES = 4
/** A chunk crosses a link in milliseconds; 10 s without any is a holder that is gone or stalled. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Three re-sends (30 s of silence) before giving up on the holder. */
export const DEFAULT_MAX_RETRIES = 3

interface Fetch {
  readonly hash: Uint8Array
  readonly from: Address
  readonly done: FetchDone[]
  size: number | undefined
  buffer: Uint8Array | undefined
  nextOffset: number
  received: number
  /** Offsets asked for and not yet answered. */
  readonly outstanding: Set<number>
  progressed: boolean
  retries: number
  timer: TimerId
}

/** The fetcher's timer tag for the fetch of blob `name` (hex). */
const fetchTimerTag = (name: string) => `fetch/${name}`

/** The blob (hex) whose fetch a timer tag belongs to, if it is a fetch's. */
export function fetchOfTimerTag(tag: TimerTag): string | undefined {
  return typeof tag === 'string' && tag.startsWith('fetch/') ? tag.slice('fetch/'.length) : undefined
}

/**
 * The fetching side of `blob/1`: pulls a blob from one holder with at most `window` chunks asked for
 * at once, assembles it, stores it if it hashes to its name (the store checks, with the one hash it
 * takes anyway) and calls back. Every chunk it did not ask for is ignored; a holder that stops
 * answering is asked again, then given up on.
 */
export class Fetcher {
  private readonly fetches = new Map<string, Fetch>()

  constructor(
    private readonly store: () => BlobStore,
    private readonly limits: FetcherLimits,
  ) {}

  /** Fetches under way. */
  get active(): number {
    return this.fetches.size
  }

  /** Chunks asked for and not yet received, over all fetches. */
  get inFlight(): number {
    let count = 0
    for (const fetch of this.fetches.values()) count += fetch.outstanding.size
    return count
  }

  /** Forgets every fetch without calling back (a restart: the callers are gone too). */
  reset(): void {
    this.fetches.clear()
  }

  fetch(hash: Uint8Array, from: Address, done: FetchDone, ctx: Context): void {
    if (hash.length !== BLOB_HASH_BYTES) return done(fail('bad-hash', `a blob hash is ${BLOB_HASH_BYTES} bytes, not ${hash.length}`))
    const name = toHex(hash)
    const running = this.fetches.get(name)
    if (running !== undefined) return void running.done.push(done)
    if (this.storedIntact(hash)) return done(Result.succeed(hash.slice()))
    if (this.fetches.size >= this.limits.maxFetches) return done(fail('busy', `${this.limits.maxFetches} fetches are under way already`))
    const fetch: Fetch = {
      hash: hash.slice(),
      from,
      done: [done],
      size: undefined,
      buffer: undefined,
      nextOffset: 0,
      received: 0,
      outstanding: new Set(),
      progressed: false,
      retries: 0,
      timer: ctx.setTimer(this.limits.requestTimeoutMs, fetchTimerTag(name)),
    }
    this.fetches.set(name, fetch)
    ctx.send(from, { t: 'open', h: fetch.hash })
  }

  receive(message: BlobMessage, from: Address, ctx: Context): void {
    const fetch = this.fetches.get(toHex(message.h))
    if (fetch === undefined || fetch.from !== from) return // not asked for, or not from whom it was asked
    if (message.t === 'size') this.sized(fetch, message.n, ctx)
    else if (message.t === 'chunk') this.chunk(fetch, message.o, message.b, ctx)
    else if (message.t === 'refuse') this.finish(fetch, fail(`refused-${message.why}`, `${from} refused blob ${toHex(fetch.hash)}: ${message.why}`), ctx)
  }

  /** The fetch's timer fired: without progress since the last one, ask again, or give up. */
  timeout(name: string, ctx: Context): void {
    const fetch = this.fetches.get(name)
    if (fetch === undefined) return
    if (fetch.progressed) {
      fetch.progressed = false
      fetch.retries = 0
    } else if (++fetch.retries > this.limits.maxRetries) {
      return this.finish(fetch, fail('timeout', `${fetch.from} sent nothing of blob ${name} for ${fetch.retries * this.limits.requestTimeoutMs} ms`), ctx)
    } else if (fetch.size === undefined) {
      ctx.send(fetch.from, { t: 'open', h: fetch.hash })
    } else {
      for (const offset of fetch.outstanding) this.ask(fetch, offset, ctx)
    }
    fetch.timer = ctx.setTimer(this.limits.requestTimeoutMs, fetchTimerTag(name))
  }

  private sized(fetch: Fetch, size: number, ctx: Context): void {
    if (fetch.size !== undefined) return // a repeated answer to a re-sent open
    if (size > this.limits.maxBlobBytes) {
      return this.finish(fetch, fail('too-large', `blob ${toHex(fetch.hash)} is ${size} bytes, past this node's bound of ${this.limits.maxBlobBytes}`), ctx)
    }
    fetch.size = size
    fetch.buffer = new Uint8Array(size)
    fetch.progressed = true
    this.fill(fetch, ctx)
  }

  private chunk(fetch: Fetch, offset: number, bytes: Uint8Array, ctx: Context): void {
    const size = fetch.size
    if (size === undefined || fetch.buffer === undefined || !fetch.outstanding.has(offset)) return // not asked for (or already had)
    if (bytes.length !== Math.min(this.limits.chunkBytes, size - offset)) {
      return this.finish(fetch, fail('mismatch', `${fetch.from} sent ${bytes.length} bytes at ${offset} of blob ${toHex(fetch.hash)}, not the length asked for`), ctx)
    }
    fetch.outstanding.delete(offset)
    fetch.buffer.set(bytes, offset)
    fetch.received += bytes.length
    fetch.progressed = true
    this.fill(fetch, ctx)
  }

  /** Asks for chunks until `window` are outstanding or none is left; completes the fetch once all arrived. */
  private fill(fetch: Fetch, ctx: Context): void {
    const size = fetch.size as number
    while (fetch.outstanding.size < this.limits.window && fetch.nextOffset < size) {
      fetch.outstanding.add(fetch.nextOffset)
      this.ask(fetch, fetch.nextOffset, ctx)
      fetch.nextOffset += this.limits.chunkBytes
    }
    if (fetch.received === size) this.complete(fetch, ctx)
  }

  private ask(fetch: Fetch, offset: number, ctx: Context): void {
    ctx.send(fetch.from, { t: 'get', h: fetch.hash, o: offset, n: Math.min(this.limits.chunkBytes, (fetch.size as number) - offset) })
  }

  // The store checks the bytes against the name as it stores them: one hash of the blob, not two.
  private complete(fetch: Fetch, ctx: Context): void {
    const bytes = fetch.buffer as Uint8Array
    try {
      this.store().put(bytes, fetch.hash)
    } catch (error) {
      if (error instanceof StoreError && error.reason === 'bad-hash') {
        return this.finish(fetch, fail('mismatch', `what ${fetch.from} sent does not hash to ${toHex(fetch.hash)}: it was not stored`), ctx)
      }
      return this.finish(fetch, fail('store-failed', `blob ${toHex(fetch.hash)} could not be stored: ${error instanceof Error ? error.message : String(error)}`), ctx)
    }
    ctx.trace({ event: 'blob-fetched', hash: toHex(fetch.hash), from: fetch.from, bytes: bytes.length })
    this.finish(fetch, Result.succeed(fetch.hash.slice()), ctx)
  }

  /** Ends the fetch: tells the holder (if it has a session), cancels the timer, calls every caller back. */
  private finish(fetch: Fetch, result: Result.Result<Uint8Array, BlobFetchError>, ctx: Context): void {
    const name = toHex(fetch.hash)
    this.fetches.delete(name)
    ctx.cancelTimer(fetch.timer)
    if (fetch.size !== undefined) ctx.send(fetch.from, { t: 'close', h: fetch.hash })
    if (Result.isFailure(result)) ctx.trace({ event: 'blob-fetch-failed', hash: name, from: fetch.from, reason: result.failure.reason })
    for (const done of fetch.done) done(result)
  }

  private storedIntact(hash: Uint8Array): boolean {
    try {
      return this.store().verify(hash)
    } catch {
      return false // a damaged copy: fetch it again (the put replaces it)
    }
  }
}

const fail = (reason: FetchFailure, message: string) => Result.fail(new BlobFetchError(reason, message))
