import type { Address, Context, TimerTag } from '../../core/actor.ts'
import type { Component } from '../../core/component.ts'
import type { ComputeOutcome, ComputeTag } from '../../core/compute.ts'
import { DEFAULT_MAX_BLOB_BYTES, type BlobStore } from '../../core/storage.ts'
import { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_FETCHES, DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_WINDOW, Fetcher, fetchOfTimerTag, type FetchDone, type FetcherLimits } from './fetcher.ts'
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_PEER, DEFAULT_OPEN_BURST, DEFAULT_OPENS_PER_SECOND, DEFAULT_SESSION_IDLE_MS, Holder, SWEEP, verifiedBlobOfTag, type HolderLimits } from './holder.ts'
import { BlobMessage, MAX_CHUNK_BYTES } from './messages.ts'

export interface BlobTransferOptions extends Partial<FetcherLimits>, Partial<HolderLimits> {
  /** The blob store (in this component's storage namespace) it serves from and fetches into. */
  readonly store?: string
  /**
   * The network group of a peer, among which the holder shares its sessions fairly: the runtime's
   * `groupOf` in a real node. Default: every peer a group of its own.
   */
  readonly groupOf?: (peer: Address) => string
}

/** The store a node's blobs live in: `blob/blobs` under a composite. */
export const DEFAULT_BLOB_STORE = 'blobs'

/**
 * The `blob/1` component: chunked, content-addressed transfer of payloads above the frame limit (model
 * weights, model updates). It holds the node's blob store: other components put blobs in through
 * `blobs()` (a typed, synchronous call) and pass their hashes around in their own messages; a node
 * that learns a hash calls `fetch(hash, from, done)` to pull the blob from a peer that has it. Serving
 * and fetching are flow-controlled by pull (see actors/blob/messages.ts and docs/blobs.md).
 */
export class BlobTransfer implements Component<BlobMessage> {
  readonly name = 'blob'
  readonly protocol = 'blob/1'
  readonly inbox = BlobMessage
  private ctx: Context | undefined
  private readonly storeName: string
  private readonly fetcher: Fetcher
  private readonly holder: Holder

  constructor(options: BlobTransferOptions = {}) {
    this.storeName = options.store ?? DEFAULT_BLOB_STORE
    const fetcherLimits: FetcherLimits = {
      chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      window: options.window ?? DEFAULT_WINDOW,
      maxFetches: options.maxFetches ?? DEFAULT_MAX_FETCHES,
      maxBlobBytes: options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    }
    const { chunkBytes, window } = fetcherLimits
    if (!(Number.isInteger(chunkBytes) && chunkBytes >= 1 && chunkBytes <= MAX_CHUNK_BYTES)) throw new RangeError(`chunkBytes must be an integer from 1 to ${MAX_CHUNK_BYTES}, got ${chunkBytes}`)
    if (!(Number.isInteger(window) && window >= 1)) throw new RangeError(`window must be a positive integer, got ${window}`)
    this.fetcher = new Fetcher(() => this.blobs(), fetcherLimits)
    const holderLimits: HolderLimits = {
      maxSessionsPerPeer: options.maxSessionsPerPeer ?? DEFAULT_MAX_SESSIONS_PER_PEER,
      maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
      idleMs: options.idleMs ?? DEFAULT_SESSION_IDLE_MS,
      opensPerSecond: options.opensPerSecond ?? DEFAULT_OPENS_PER_SECOND,
      openBurst: options.openBurst ?? DEFAULT_OPEN_BURST,
    }
    this.holder = new Holder(() => this.blobs(), holderLimits, options.groupOf)
  }

  start(ctx: Context): void {
    this.ctx = ctx
    this.fetcher.reset()
    this.holder.reset()
  }

  /** The node's blob store (this component's namespace): put a blob here to have it served. */
  blobs(): BlobStore {
    return this.context().storage.blobs(this.storeName)
  }

  /**
   * Pulls blob `hash` from `from` into the store; `done` is called once with the hash or a
   * BlobFetchError. It may be called before `fetch` returns: when the blob is here already, or the
   * fetch is refused at once (bad hash, too many fetches). A second fetch of a blob under way joins it.
   */
  fetch(hash: Uint8Array, from: Address, done: FetchDone): void {
    this.fetcher.fetch(hash, from, done, this.context())
  }

  /** Fetches under way, chunks asked for and not yet received, and sessions served: for tests and metrics. */
  stats(): { readonly fetches: number; readonly inFlight: number; readonly sessions: number } {
    return { fetches: this.fetcher.active, inFlight: this.fetcher.inFlight, sessions: this.holder.openSessions }
  }

  receive(message: BlobMessage, from: Address, ctx: Context): void {
    if (message.t === 'size' || message.t === 'chunk' || message.t === 'refuse') this.fetcher.receive(message, from, ctx)
    else this.holder.receive(message, from, ctx)
  }

  computed(tag: ComputeTag, outcome: ComputeOutcome, ctx: Context): void {
    const blob = verifiedBlobOfTag(tag)
    if (blob !== undefined) this.holder.verifiedBlob(blob, outcome, ctx)
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag === SWEEP) return this.holder.sweep(ctx)
    const fetch = fetchOfTimerTag(tag)
    if (fetch !== undefined) this.fetcher.timeout(fetch, ctx)
  }

  private context(): Context {
    if (this.ctx === undefined) throw new Error('the blob component is used before its node started it')
    return this.ctx
  }
}
