import { Schema } from 'effect'
import type { Actor, Address, Context } from '../../core/actor.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Expectation, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE, REPLICATION_WRITES as WRITES } from './catalogue.ts'

/**
 * A primary-backup replicated store. The client writes WRITES keys to the primary r0, which replicates
 * them to the backups r1..r(n-1). The safe variant acknowledges a write only once a majority of
 * replicas has synced it. The unsafe variant (a planted bug, for testing the checker) is a write-behind
 * cache: the primary acknowledges a write at once, keeps it in memory, and writes and replicates it
 * only at its next flush, FLUSH_EVERY_MS later. The runtimes' output commit (a message leaves only
 * after the writes before it are synced) cannot save it, since nothing was written before the
 * acknowledgement: a crash of the primary before the flush loses acknowledged writes, and so does a
 * partition that keeps the flush from a majority.
 */
const Message = Schema.Union([
  Schema.Struct({ type: Schema.Literal('write'), id: Schema.Int }),
  Schema.Struct({ type: Schema.Literal('replicate'), id: Schema.Int }),
  Schema.Struct({ type: Schema.Literal('replicated'), id: Schema.Int }),
  Schema.Struct({ type: Schema.Literal('ack'), id: Schema.Int }),
])
type Message = typeof Message.Type

const WRITE_EVERY_MS = 100
const RETRY_MS = 300
const FLUSH_EVERY_MS = 500
const FLUSH = 'flush'
const CLIENT = 'client'
const PRIMARY = 'r0'
const key = (id: number) => `w/${id}`
const replicaAddress = (i: number) => `r${i}`

class Client implements Actor<Message> {
  readonly inbox = Message
  readonly acked = new Set<number>()
  private next = 0

  start(ctx: Context): void {
    ctx.setTimer(0, 'write')
  }

  receive(message: Message): void {
    if (message.type === 'ack') this.acked.add(message.id)
  }

  timer(tag: string | number, ctx: Context): void {
    if (tag === 'write') {
      ctx.send(PRIMARY, { type: 'write', id: this.next++ })
      ctx.setTimer(this.next < WRITES ? WRITE_EVERY_MS : RETRY_MS, this.next < WRITES ? 'write' : 'retry')
      return
    }
    // Resend what is not acknowledged yet, until everything is.
    for (let id = 0; id < WRITES; id++) if (!this.acked.has(id)) ctx.send(PRIMARY, { type: 'write', id })
    if (this.acked.size < WRITES) ctx.setTimer(RETRY_MS, 'retry')
  }
}

class Replica implements Actor<Message> {
  readonly inbox = Message
  // Primary only: which replicas hold each write not yet acknowledged.
  private readonly holders = new Map<number, Set<Address>>()
  // Unsafe primary only: writes acknowledged but not yet written (the write-behind cache).
  private readonly cached = new Set<number>()

  constructor(
    private readonly replicas: readonly Address[],
    private readonly unsafe: boolean,
  ) {}

  start(ctx: Context): void {
    if (ctx.self !== PRIMARY) return
    ctx.setTimer(RETRY_MS, 'retry')
    if (this.unsafe) ctx.setTimer(FLUSH_EVERY_MS, FLUSH)
  }

  receive(message: Message, from: Address, ctx: Context): void {
    switch (message.type) {
      case 'write':
        if (!this.unsafe) return this.write(message.id, ctx)
        this.cached.add(message.id)
        return ctx.send(CLIENT, { type: 'ack', id: message.id })
      case 'replicate':
        ctx.storage.put(key(message.id), new Uint8Array([1]))
        ctx.storage.sync()
        return ctx.send(from, { type: 'replicated', id: message.id })
      case 'replicated': {
        const holders = this.holders.get(message.id)
        if (holders === undefined) return
        holders.add(from)
        if (!this.unsafe && holders.size > this.replicas.length / 2) ctx.send(CLIENT, { type: 'ack', id: message.id })
        if (holders.size === this.replicas.length) this.holders.delete(message.id)
        return
      }
      case 'ack':
        return
    }
  }

  timer(tag: string | number, ctx: Context): void {
    if (tag === FLUSH) {
      for (const id of this.cached) this.write(id, ctx)
      this.cached.clear()
      ctx.setTimer(FLUSH_EVERY_MS, FLUSH)
      return
    }
    for (const [id, holders] of this.holders) this.replicate(id, holders, ctx)
    ctx.setTimer(RETRY_MS, 'retry')
  }

  private write(id: number, ctx: Context): void {
    ctx.storage.put(key(id), new Uint8Array([1]))
    ctx.storage.sync()
    let holders = this.holders.get(id)
    if (holders === undefined) this.holders.set(id, (holders = new Set([ctx.self])))
    // A retried write whose majority is already in: the client lost the ack, so it is sent again (waiting
    // for a new 'replicated' would wait forever when the missing replica never answers).
    if (!this.unsafe && holders.size > this.replicas.length / 2) ctx.send(CLIENT, { type: 'ack', id })
    this.replicate(id, holders, ctx)
  }

  private replicate(id: number, holders: Set<Address>, ctx: Context): void {
    for (const replica of this.replicas) if (!holders.has(replica)) ctx.send(replica, { type: 'replicate', id })
  }
}

/** What the summary adds: writes the client had acknowledged by the end, of all it made. */
type ReplicationFigures = { readonly acknowledged: number; readonly writes: number }

function build(options: ScenarioOptions, unsafe: boolean): ScenarioRun<ReplicationFigures> {
  const replicas = Array.from({ length: options.nodes }, (_, i) => replicaAddress(i))
  const majority = Math.floor(replicas.length / 2) + 1
  const sim = new Simulation({
    ...runSettings(options),
    network: DEFAULT_NETWORK,
    invariants: [
      {
        name: 'acknowledged writes are durable on a majority',
        when: 'end',
        check: (view) => {
          const acked = view.actor<Client>(CLIENT)?.acked ?? new Set<number>()
          for (const id of acked) {
            const holders = replicas.filter((r) => view.storage(r).durableGet(key(id)) !== undefined).length
            if (holders < majority) return `write ${id} was acknowledged but is durable on ${holders} of ${replicas.length} replicas`
          }
          return undefined
        },
      },
    ],
  })
  sim.addNode(CLIENT, () => new Client())
  for (const r of replicas) sim.addNode(r, () => new Replica(replicas, unsafe))
  return {
    sim,
    summarize: () => ({ acknowledged: sim.actor<Client>(CLIENT)?.acked.size ?? 0, writes: WRITES }),
  }
}

/**
 * The client retries until every write is acknowledged, 20 writes take 2 s, and a run lasts 10 s: every
 * write is acknowledged unless faults keep a majority from syncing them (or the primary is down).
 */
const everyWriteAcknowledged: Expectation<ReplicationFigures> = {
  name: 'every write acknowledged',
  check: (s) => ({ held: s.acknowledged === s.writes, detail: `${s.acknowledged} of ${s.writes} writes acknowledged` }),
}

const common = {
  faultTargets: (nodes: number) => Array.from({ length: nodes }, (_, i) => replicaAddress(i)),
  expectations: [everyWriteAcknowledged],
  units: { acknowledged: 'writes', writes: 'writes' },
}

export const replication: Scenario<ReplicationFigures> = {
  ...common,
  ...CATALOGUE.replication,
  build: (options) => build(options, false),
}

export const replicationUnsafe: Scenario<ReplicationFigures> = {
  ...common,
  ...CATALOGUE.replicationUnsafe,
  build: (options) => build(options, true),
}
