import { Result } from 'effect'
import type { Context, TimerTag } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import type { Component } from '../../core/component.ts'
import { Count } from '../../core/schemas.ts'
import type { IdentityStack } from '../identity/identity-stack.ts'
import type { KademliaNode } from '../peer/kademlia.ts'
import { idHex } from '../peer/node-id.ts'
import { recordKey, signRecord, type DhtRecord } from '../peer/record.ts'

/** A record this node publishes under its own key. */
export interface Publication {
  readonly name: string
  readonly value: Uint8Array
}

/** A record this node looks for: `name` as published by the node whose root key is `publisher`. */
export interface Search {
  readonly publisher: Uint8Array
  readonly name: string
}

export interface OperatorRecordsInit {
  /** Records to publish once the node has peers, and to keep alive while it runs. */
  readonly publish?: readonly Publication[]
  /** Records to look for until found. */
  readonly find?: readonly Search[]
  /** Lifetime of the records this node publishes (default DEFAULT_RECORD_TTL_MS); republished at half of it. */
  readonly recordTtlMs?: number
  /** How often unfinished publications and searches are tried again (default DEFAULT_RETRY_MS). */
  readonly retryMs?: number
  /**
   * How often a search not answered yet, or a publication no holder has taken yet, is reported as
   * going on (default DEFAULT_SEARCH_REPORT_MS).
   */
  readonly searchReportMs?: number
}

/** An hour: a publisher republishes at half of it, as Kademlia's holders republish hourly. */
export const DEFAULT_RECORD_TTL_MS = 3_600_000
/** Publications and searches not done yet are tried again every 2 s: a join takes about that long. */
export const DEFAULT_RETRY_MS = 2_000
/**
 * A search not answered yet is reported (`record-searching`) when it begins, then every 30 s: an
 * operator waiting on `--find` sees it is still looking and how many lookups it has made, in one line
 * per 15 retries rather than one per retry.
 */
export const DEFAULT_SEARCH_REPORT_MS = 30_000

/** A publication no holder has confirmed yet: since when it has failed, how often, and when it was last reported. */
interface Unplaced {
  readonly since: number
  attempts: number
  reportedAt: number
}

const TASKS = 'tasks'
const VERSION_KEY = 'version/'

/**
 * The records an operator asked a node to publish and to find (`vain node --publish/--find`), done
 * through the DHT component's in-node API. Publications are retried until a holder confirms one, then
 * republished, with a fresh expiry and a higher version, at half their lifetime. Searches are retried
 * until found.
 */
export class OperatorRecords implements Component {
  readonly name = 'records'
  /** What searches found (since the last start). */
  readonly found = new Map<Search, DhtRecord>()
  /** When each publication is next due (0: not yet confirmed by any holder). */
  private readonly republishAt = new Map<Publication, number>()
  /** Searches not yet answered, and those of them with a lookup under way. */
  private readonly pending = new Set<Search>()
  private readonly searching = new Set<Search>()
  /** Lookups made for each search not yet answered. */
  private readonly lookups = new Map<Search, number>()
  /** Publications whose attempts have found no holder since they were last placed. */
  private readonly unplaced = new Map<Publication, Unplaced>()
  private startedAt = 0
  private reportedAt = 0
  private ctx!: Context

  constructor(
    private readonly init: OperatorRecordsInit,
    private readonly deps: { readonly kad: KademliaNode; readonly identity: IdentityStack },
  ) {}

  start(ctx: Context): void {
    this.ctx = ctx
    this.found.clear()
    this.republishAt.clear()
    this.pending.clear()
    this.searching.clear()
    this.lookups.clear()
    this.unplaced.clear()
    for (const publication of this.init.publish ?? []) this.republishAt.set(publication, 0)
    for (const search of this.init.find ?? []) this.pending.add(search)
    this.startedAt = this.reportedAt = ctx.now()
    this.reportSearches(this.startedAt)
    ctx.setTimer(this.retryMs, TASKS)
  }

  timer(tag: TimerTag): void {
    if (tag !== TASKS) return
    for (const [publication, due] of this.republishAt) if (this.ctx.now() >= due) this.publish(publication)
    for (const search of this.pending) this.search(search)
    const now = this.ctx.now()
    if (now - this.reportedAt >= this.reportMs) {
      this.reportedAt = now
      this.reportSearches(now)
    }
    this.ctx.setTimer(this.retryMs, TASKS)
  }

  // One `record-searching` trace per search not answered yet: what it looks for (as --find takes it),
  // how long it has looked (as of `now`, one reading of the clock for the whole report) and how many
  // lookups it has made.
  private reportSearches(now: number): void {
    for (const search of this.pending) {
      const lookups = this.lookups.get(search) ?? 0
      this.ctx.trace({ type: 'record-searching', publisher: toHex(search.publisher), name: search.name, forMs: now - this.startedAt, lookups })
    }
  }

  private get reportMs(): number {
    return this.init.searchReportMs ?? DEFAULT_SEARCH_REPORT_MS
  }

  private get retryMs(): number {
    return this.init.retryMs ?? DEFAULT_RETRY_MS
  }

  private get ttlMs(): number {
    return this.init.recordTtlMs ?? DEFAULT_RECORD_TTL_MS
  }

  private publish(publication: Publication): void {
    const { identity, kad } = this.deps
    const ctx = this.ctx
    const name = new TextEncoder().encode(publication.name)
    const seq = this.nextVersion(publication.name)
    const record = signRecord(identity.root, (m) => identity.signWithRoot(m), { name, value: publication.value, seq, expiresAt: ctx.now() + this.ttlMs })
    // Not due again until this attempt is over: a slow one is not doubled by the next retry.
    this.republishAt.set(publication, Number.POSITIVE_INFINITY)
    kad.publish(record, (holders) => {
      const now = ctx.now()
      this.republishAt.set(publication, holders === 0 ? 0 : now + this.ttlMs / 2)
      if (holders === 0) return this.reportUnplaced(publication, record, now)
      this.unplaced.delete(publication)
      ctx.trace({ type: 'record-published', name: publication.name, key: idHex(record.key), seq, holders })
    })
  }

  // A publication no holder took: reported when it first fails, then every reportMs (as a search is),
  // with how long and in how many attempts it has failed: a node alone (the first of a network) retries
  // every retryMs for as long as nobody joins.
  private reportUnplaced(publication: Publication, record: DhtRecord, now: number): void {
    const state = this.unplaced.get(publication)
    if (state === undefined) this.unplaced.set(publication, { since: now, attempts: 1, reportedAt: now })
    else {
      state.attempts += 1
      if (now - state.reportedAt < this.reportMs) return
      state.reportedAt = now
    }
    const { since, attempts } = this.unplaced.get(publication)!
    this.ctx.trace({ type: 'record-unplaced', name: publication.name, key: idHex(record.key), seq: record.seq, holders: 0, forMs: now - since, attempts })
  }

  // A record's version is the clock in ms, but always above the last one used, which is kept on disk:
  // holders keep the highest version, so a clock set back (or a restart) must not lower it.
  private nextVersion(name: string): number {
    const storage = this.ctx.storage
    const key = VERSION_KEY + name
    const saved = storage.get(key)
    const last = saved === undefined ? undefined : decodeFrame(saved, Count)
    const version = Math.max(this.ctx.now(), last !== undefined && Result.isSuccess(last) ? last.success + 1 : 0)
    storage.put(key, encode(version))
    storage.sync()
    return version
  }

  private search(search: Search): void {
    if (this.searching.has(search)) return
    this.searching.add(search)
    this.lookups.set(search, (this.lookups.get(search) ?? 0) + 1)
    const key = recordKey(search.publisher, new TextEncoder().encode(search.name))
    this.deps.kad.get(key, (record) => {
      this.searching.delete(search)
      if (record === undefined || !this.pending.delete(search)) return
      this.lookups.delete(search)
      this.found.set(search, record)
      this.ctx.trace({ type: 'record-found', publisher: toHex(search.publisher), name: search.name, value: new TextDecoder().decode(record.value), seq: record.seq })
    })
  }
}
