import type { Context } from '../../core/actor.ts'
import type { KademliaAnswer, KademliaRpcs } from './kademlia-rpc.ts'
import { unpackContacts } from './kademlia-rpc.ts'
import { Lookup } from './lookup.ts'
import { idsEqual, sharedPrefixBits, type NodeId } from './node-id.ts'
import type { DhtRecord } from './record.ts'
import type { Contact, RoutingTable } from './routing-table.ts'

/** What a finished lookup reports. */
export interface LookupReport {
  readonly target: NodeId
  readonly closest: readonly Contact[]
  readonly rpcs: number
  /** RPC rounds until the target itself was learnt (undefined if it never was). */
  readonly targetHop: number | undefined
  /** For a value lookup: the record found, if any. */
  readonly record?: DhtRecord
}

export type LookupDone = (report: LookupReport) => void

/** What the lookups need of the node they run for. */
export interface LookupHost {
  readonly id: NodeId
  readonly key: Uint8Array
  readonly table: RoutingTable
  readonly rpcs: KademliaRpcs
  /** Contacts passed on by a peer, less those this node will not use. */
  usable(contacts: Contact[]): Contact[]
  /** Whether a record a value lookup found may be used. */
  acceptable(record: DhtRecord): boolean
}

/**
 * The node's iterative lookups (§2.3): each a `Lookup` (lookup.ts) driven over the RPCs, α queries in
 * flight, with up to three attempts per silent contact; a contact that let every attempt time out is
 * taken for dead and leaves the table (§2.2). A value lookup (FIND_VALUE) stops at the first valid
 * record. A finished lookup sends nothing more: late answers to it change nothing.
 */
export class Lookups {
  private readonly running = new Map<Lookup, LookupDone>()
  /** Value lookups: the record once one answered with it. */
  private readonly wanted = new Map<Lookup, DhtRecord | undefined>()
  /** When a lookup last went through each bucket (by the prefix its target shares with us). */
  private readonly lookedUpAt: number[] = []

  constructor(
    private readonly ctx: Context,
    private readonly host: LookupHost,
    private readonly k: number,
    private readonly alpha: number,
  ) {}

  /**
   * Starts an iterative lookup of `target`; `done` gets the k closest nodes that answered. With
   * `findNode`, the lookup is looking for that node and ends as soon as it answers.
   */
  lookup(target: NodeId, done: LookupDone, seeds: readonly Contact[] = [], findNode = false): void {
    this.lookedUpAt[sharedPrefixBits(this.host.id, target)] = this.ctx.now()
    const lookup = new Lookup(target, [...this.host.table.closest(target, this.k), ...seeds], this.k, this.alpha, findNode)
    this.running.set(lookup, done)
    this.advance(lookup)
  }

  /** Starts an iterative FIND_VALUE of `key`; `done`'s report carries the record, if one was found. */
  findValue(key: NodeId, done: LookupDone): void {
    const lookup = new Lookup(key, this.host.table.closest(key, this.k), this.k, this.alpha)
    this.wanted.set(lookup, undefined)
    this.running.set(lookup, done)
    this.advance(lookup)
  }

  /** When a lookup last went through bucket `index` (0: never). */
  lastThrough(index: number): number {
    return this.lookedUpAt[index] ?? 0
  }

  private advance(lookup: Lookup): void {
    if (!this.running.has(lookup)) return // finished: late answers to it change nothing
    const found = this.wanted.get(lookup)
    const type = this.wanted.has(lookup) ? 'find_value' : 'find_node'
    if (found === undefined) {
      for (const contact of lookup.next()) {
        this.host.rpcs.request(contact.address, contact.id, { type, key: this.host.key, target: lookup.target }, {
          onAnswer: (answer, sender) => this.answered(lookup, answer, sender),
          onTimeout: () => this.failed(lookup, contact.id),
        })
      }
    }
    if ((lookup.done || found !== undefined) && this.running.has(lookup)) {
      const done = this.running.get(lookup)!
      this.running.delete(lookup)
      this.wanted.delete(lookup)
      done({ target: lookup.target, closest: lookup.result(), rpcs: lookup.rpcs, targetHop: lookup.targetHop, ...(found && { record: found }) })
    }
  }

  private answered(lookup: Lookup, answer: KademliaAnswer, sender: NodeId): void {
    if (answer.type === 'value' && this.wanted.has(lookup) && this.host.acceptable(answer.record) && idsEqual(answer.record.key, lookup.target)) {
      this.wanted.set(lookup, answer.record)
    }
    lookup.answered(sender, answer.type === 'nodes' ? this.host.usable(unpackContacts(answer, this.ctx.self)) : [])
    this.advance(lookup)
  }

  private failed(lookup: Lookup, id: NodeId): void {
    if (lookup.failed(id) === 'gave-up') this.host.table.remove(id, this.ctx.now())
    this.advance(lookup)
  }
}
