import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { Budget } from '../../core/budget.ts'
import { fromHex } from '../../core/bytes.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import type { KademliaRpcs } from './kademlia-rpc.ts'
import type { LookupReport, Lookups } from './kademlia-lookups.ts'
import { compareDistance, idsEqual, nodeIdOf, type NodeId } from './node-id.ts'
import { recordProblem, type DhtRecord } from './record.ts'
import { RecordStore, type RecordLimits } from './record-store.ts'
import type { Contact, RoutingTable } from './routing-table.ts'

/**
 * Records handed off to newcomers: 50 a second, 1,000 saved up. A newcomer gets at once the records
 * it is now among the k closest to; a node that joins and leaves, or a flood of fresh identities,
 * could otherwise make a holder resend its whole store to each (the issue: 33 MB to one joiner).
 * What the budget leaves out reaches the newcomer at the next republish.
 */
export const DEFAULT_HANDOFFS_PER_SECOND = 50
export const DEFAULT_HANDOFF_BURST = 1_000
/**
 * A holder republishes its records in 60 slices over the republish period (a minute apart for the
 * hourly period), not all at once: the holder would have resent every record in one burst.
 */
export const DEFAULT_REPUBLISH_SLICES = 60
/** The longest record lifetime accepted (24 h): a record is republished by its publisher within it. */
export const DEFAULT_MAX_RECORD_TTL_MS = 24 * 3_600_000
/** How often a holder republishes its records to the k closest nodes: the paper's hour (§2.5). */
export const DEFAULT_REPUBLISH_MS = 3_600_000

const REPUBLISH = 'kademlia:republish'
const REPAIR = 'kademlia:repair'

/**
 * How long after a start a node fetches again the records it found damaged on disk: its routing table
 * is empty until its join's self-lookup has answered (a few round trips, each RPC waiting up to
 * DEFAULT_RPC_TIMEOUT_MS, 1 s), so 3 s gives the join two timeouts and its answers.
 */
export const DEFAULT_REPAIR_AFTER_MS = 3_000

export interface RecordOptions {
  readonly limits: RecordLimits
  readonly republishMs: number
  readonly republishSlices: number
  readonly maxRecordTtlMs: number
  readonly handoffsPerSecond: number
  readonly handoffBurst: number
  /** The unit of the store's per-sender quota: the network group of a sender's address. */
  readonly groupOf: (address: Address) => string
  /** Identities convicted of misbehaviour: their records are refused. */
  readonly isBlocked?: (id: NodeId) => boolean
}

/** What the records need of the node that holds them. */
export interface RecordHost {
  readonly id: NodeId
  readonly key: Uint8Array
  readonly table: RoutingTable
  readonly rpcs: KademliaRpcs
  readonly lookups: Lookups
}

/**
 * The DHT's records (§2.5): what a STORE may leave here, publishing on the k closest nodes, finding a
 * record, handing records off to a newcomer that is now among their k closest, and republishing the
 * records held, a slice at a time.
 */
export class Records {
  readonly store: RecordStore
  private readonly handoffs: Budget
  /** Which slice of the records the next republish tick covers. */
  private republishSlice = 0

  constructor(
    private readonly ctx: Context,
    private readonly host: RecordHost,
    private readonly k: number,
    private readonly verifier: SignatureVerifier,
    private readonly options: RecordOptions,
  ) {
    this.store = new RecordStore(ctx.storage, options.limits, ctx.random.split('records'))
    this.handoffs = new Budget(options.handoffsPerSecond, options.handoffBurst)
  }

  /** Arms the republish timer, and the repair of records the store found damaged on disk. */
  start(): void {
    this.ctx.setTimer(this.republishTickMs, REPUBLISH)
    if (this.store.damaged.length === 0) return
    this.ctx.trace({ type: 'records-damaged', count: this.store.damaged.length })
    this.ctx.setTimer(DEFAULT_REPAIR_AFTER_MS, REPAIR)
  }

  /** Handles the republish and repair timers; says whether `tag` was one. */
  timer(tag: TimerTag): boolean {
    if (tag === REPAIR) this.repair()
    else if (tag === REPUBLISH) this.republish()
    else return false
    return true
  }

  /**
   * Fetches again, from the other holders, each record the store dropped as damaged, and keeps what
   * is found as any STORE (valid, among the k closest, within quotas). What is not found (expired,
   * or every copy lost) stays lost, as a record every holder of which failed does.
   */
  private repair(): void {
    for (const hex of this.store.damaged.splice(0)) {
      this.host.lookups.findValue(fromHex(hex), (report) => {
        const repaired = report.record !== undefined && this.keep(report.record, this.ctx.self)
        if (repaired) this.store.repaired++
        this.ctx.trace({ type: repaired ? 'record-repaired' : 'record-lost', key: hex })
      })
    }
  }

  /** Stores `record` on the k nodes closest to its key; `done` gets how many confirmed. */
  publish(record: DhtRecord, done: (stored: number) => void = () => {}): void {
    this.host.lookups.lookup(record.key, (report) => {
      let stored = 0
      let waiting = report.closest.length
      const settle = () => --waiting === 0 && done(stored)
      if (waiting === 0) done(0)
      for (const c of report.closest) {
        this.host.rpcs.request(c.address, c.id, { type: 'store', key: this.host.key, record }, {
          onAnswer: () => {
            stored++
            settle()
          },
          onTimeout: settle,
        })
      }
    })
  }

  /** Finds the record at `key`: held here, or by an iterative FIND_VALUE that stops at the first valid answer. */
  get(key: NodeId, done: (record: DhtRecord | undefined, report: LookupReport) => void): void {
    const held = this.store.get(key, this.ctx.now())
    if (held !== undefined) return done(held, { target: key, closest: [], rpcs: 0, targetHop: 0, record: held })
    this.host.lookups.findValue(key, (report) => done(report.record, report))
  }

  /** The live record held at `key` (for a FIND_VALUE), if any. */
  held(key: NodeId): DhtRecord | undefined {
    return this.store.get(key, this.ctx.now())
  }

  /**
   * A STORE is kept only if this node is among the k closest it knows to the key (a holder keeps its
   * neighbourhood's records, not whatever anyone sends), the record is valid, and the store's quotas
   * allow it (per publisher, per sender's network group, in total). Says whether it was kept.
   */
  keep(record: DhtRecord, from: Address): boolean {
    const refusal = this.amongClosest(record.key)
      ? (this.problem(record) ?? this.store.put(record, this.ctx.now(), this.options.groupOf(from))?.message)
      : 'not among the k closest to the key'
    if (refusal !== undefined) this.ctx.trace({ type: 'store-refused', reason: refusal, from })
    return refusal === undefined
  }

  /** Whether a record a lookup found may be used (traced when not). */
  acceptable(record: DhtRecord): boolean {
    const problem = this.problem(record)
    if (problem !== undefined) this.ctx.trace({ type: 'record-rejected', reason: problem })
    return problem === undefined
  }

  /**
   * §2.5: a node that learns of a newcomer stores on it the records the newcomer is now one of the k
   * closest to, so records follow the ids as nodes join, not only at the next republish. Of the
   * holders, only the one closest to the key (as far as it knows) sends, so a newcomer gets each
   * record about once rather than from every holder. Within the hand-off budget: what it leaves out
   * reaches the newcomer at the next republish.
   */
  handOff(newcomer: Contact): void {
    const { ctx, host } = this
    if (this.store.size === 0) return
    for (const record of this.store.live(ctx.now())) {
      const closest = host.table.closest(record.key, this.k)
      if (!closest.some((c) => idsEqual(c.id, newcomer.id))) continue
      const nearestOther = closest.find((c) => !idsEqual(c.id, newcomer.id))
      if (nearestOther !== undefined && compareDistance(record.key, nearestOther.id, host.id) < 0) continue
      if (!this.handoffs.take(ctx.now())) return void ctx.trace({ type: 'handoff-budget-spent', peer: newcomer.address })
      host.rpcs.request(newcomer.address, newcomer.id, { type: 'store', key: host.key, record })
    }
  }

  /** Whether this node is among the k closest it knows to `key`. */
  private amongClosest(key: NodeId): boolean {
    const closest = this.host.table.closest(key, this.k)
    return closest.length < this.k || compareDistance(key, this.host.id, closest.at(-1)!.id) < 0
  }

  /** Why `record` may not be stored or used here, or undefined. */
  private problem(record: DhtRecord): string | undefined {
    if (this.options.isBlocked?.(nodeIdOf(record.publisher)) === true) return 'publisher is blacklisted'
    return recordProblem(record, this.ctx.now(), this.options.maxRecordTtlMs, this.verifier)
  }

  // Holders republish what nobody else stored here lately, and drop what expired (§2.5), one slice
  // of the records per tick, so a period's republishing is spread over the period.
  private republish(): void {
    const { ctx, options } = this
    for (const record of this.store.sweep(ctx.now(), ctx.now() - options.republishMs, this.republishSlice, options.republishSlices)) this.publish(record)
    this.republishSlice = (this.republishSlice + 1) % options.republishSlices
    ctx.setTimer(this.republishTickMs, REPUBLISH)
  }

  private get republishTickMs(): number {
    return this.options.republishMs / this.options.republishSlices
  }
}
