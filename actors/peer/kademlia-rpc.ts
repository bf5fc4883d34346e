import { Schema } from 'effect'
import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { PublicKey, exactBytes } from '../../core/schemas.ts'
import { SignedEnvelope } from '../identity/envelope.ts'
import { PEX_SAMPLE } from './introductions.ts'
import { ID_BYTES, idsEqual, type NodeId } from './node-id.ts'
import { DhtRecord } from './record.ts'
import type { Contact } from './routing-table.ts'
import { PendingRpcs, Rpc, answersFrom } from './rpc.ts'

const Id = exactBytes(ID_BYTES)
/** Contacts in one `nodes` reply at most: k = 20, with room for a larger k. */
const MAX_CONTACTS = 32

/**
 * The DHT's RPCs, point to point over links that authenticate the sender. Each carries the sender's
 * identity key, not its id: the receiver derives the id (BLAKE2b of the key), so no node can claim an
 * id it has no key for, and a contact passed on by a third party is checked when it first answers.
 */
export const KademliaMessage = Schema.Union([
  Schema.Struct({ type: Schema.Literal('find_node'), rpc: Rpc, key: PublicKey, target: Id }),
  // Contacts travel packed: their ids end to end in one byte string, their addresses beside it (one
  // buffer instead of twenty objects makes a reply several times cheaper to encode and to check).
  Schema.Struct({
    type: Schema.Literal('nodes'),
    rpc: Rpc,
    key: PublicKey,
    ids: Schema.Uint8Array.check(Schema.isMaxLength(MAX_CONTACTS * ID_BYTES)),
    addresses: Schema.Array(Schema.String.check(Schema.isMaxLength(256))).check(Schema.isMaxLength(MAX_CONTACTS)),
  }),
  Schema.Struct({ type: Schema.Literal('ping'), rpc: Rpc, key: PublicKey }),
  Schema.Struct({ type: Schema.Literal('pong'), rpc: Rpc, key: PublicKey }),
  Schema.Struct({ type: Schema.Literal('store'), rpc: Rpc, key: PublicKey, record: DhtRecord }),
  Schema.Struct({ type: Schema.Literal('stored'), rpc: Rpc, key: PublicKey }),
  Schema.Struct({ type: Schema.Literal('find_value'), rpc: Rpc, key: PublicKey, target: Id }),
  Schema.Struct({ type: Schema.Literal('value'), rpc: Rpc, key: PublicKey, record: DhtRecord }),
  // Peer exchange: signed announcements of peers the sender knows, each checked before use.
  Schema.Struct({ type: Schema.Literal('pex'), rpc: Rpc, key: PublicKey, sample: Schema.Array(SignedEnvelope).check(Schema.isMaxLength(PEX_SAMPLE)) }),
  // A high-tier node passing a newcomer's announcement on to its neighbourhood.
  Schema.Struct({ type: Schema.Literal('relay'), rpc: Rpc, key: PublicKey, announcement: SignedEnvelope }),
])
export type KademliaMessage = typeof KademliaMessage.Type

/** What a Kademlia node receives: its RPCs, and signed announcements (from the LAN or a newcomer). */
export const KademliaInbox = Schema.Union([KademliaMessage, SignedEnvelope])
export type KademliaInbox = typeof KademliaInbox.Type

/** The messages that answer a request. */
export type KademliaAnswer = Extract<KademliaMessage, { type: 'nodes' | 'pong' | 'stored' | 'value' }>

/** A request as its sender writes it: the RPC id is filled in when it is sent. */
export type KademliaRequest = DistributiveOmit<KademliaMessage, 'rpc'>

/** What the sender of a request learns: its answer (with the id the answer's key hashes to), or that it was lost. */
export interface Expectation {
  readonly onAnswer?: (answer: KademliaAnswer, sender: NodeId) => void
  readonly onTimeout?: () => void
}

interface Pending extends Expectation {
  /** The id the answer must come from, when known (a bootstrap request knows only the address). */
  readonly to: NodeId | undefined
  readonly address: Address
  /** When the RPC counts as lost (this node's clock). */
  readonly deadline: number
}

export interface RpcOptions {
  readonly timeoutMs: number
  /** RPCs in flight at most: past it the oldest is taken as lost at once. */
  readonly maxPending: number
  /** Called before the first send to an address and every later one (introductions: a first contact gets our announcement first). */
  readonly beforeSend: (to: Address) => void
}

/** The timer tag of the sweep of lost RPCs. */
export const SWEEP = 'kademlia:sweep'

/**
 * The request side of the DHT's RPCs: each request goes out under a fresh random id, bound to the
 * address it went to (and to the id it must come from, when known); an answer is matched to it, and a
 * request with no answer by its deadline is taken for lost. One timer per node sweeps out lost RPCs,
 * rather than a timer per RPC: a reply then costs no timer event at all, which halves the simulator's
 * events for a lookup-heavy run.
 */
export class KademliaRpcs {
  private readonly pending = new PendingRpcs<Pending>()
  private sweeping = false

  constructor(
    private readonly ctx: Context,
    private readonly options: RpcOptions,
  ) {}

  /** RPCs in flight. */
  get size(): number {
    return this.pending.size
  }

  /**
   * Sends `message` to `to` under a fresh random RPC id; an answer counts only from `to`, and, when
   * `id` is given, only with a key that hashes to it. Past the cap on RPCs in flight, the oldest is
   * taken as lost at once.
   */
  request(to: Address, id: NodeId | undefined, message: KademliaRequest, how: Expectation = {}): void {
    const ctx = this.ctx
    const rpc = this.pending.add({ to: id, address: to, ...how, deadline: ctx.now() + this.options.timeoutMs }, ctx.random)
    this.armSweep()
    this.options.beforeSend(to)
    ctx.send(to, { ...message, rpc })
    if (this.pending.size > this.options.maxPending) {
      const [oldest, pending] = this.pending.oldest()!
      this.expire(oldest, pending)
    }
  }

  /** An answer from `from`, whose key hashes to `sender`: handed to its request, if it answers one. */
  answer(message: KademliaAnswer, sender: NodeId, from: Address): void {
    const pending = this.pending.get(message.rpc)
    if (pending === undefined) return
    // An answer counts only from where the request went: a guessed id is not enough.
    if (!answersFrom(pending.address, from)) return void this.ctx.trace({ type: 'rpc-wrong-sender', from })
    // A contact someone passed on with an id its key does not hash to: the referrer lied. The
    // answer is ignored and the RPC left to time out as if the contact did not exist.
    if (pending.to !== undefined && !idsEqual(pending.to, sender)) return void this.ctx.trace({ type: 'id-mismatch', from })
    this.pending.delete(message.rpc)
    pending.onAnswer?.(message, sender)
  }

  /** Handles the sweep timer; says whether `tag` was it. */
  timer(tag: TimerTag): boolean {
    if (tag !== SWEEP) return false
    this.sweeping = false
    // Pending RPCs are in the order they were sent, so the expired ones come first.
    for (let first = this.pending.oldest(); first !== undefined && first[1].deadline <= this.ctx.now(); first = this.pending.oldest()) this.expire(first[0], first[1])
    this.armSweep()
    return true
  }

  // An RPC taken for lost: at its deadline, or early when too many are in flight.
  private expire(rpc: Uint8Array, pending: Pending): void {
    this.pending.delete(rpc)
    pending.onTimeout?.()
  }

  private armSweep(): void {
    if (this.sweeping || this.pending.size === 0) return
    const [, first] = this.pending.oldest()!
    this.sweeping = true
    this.ctx.setTimer(Math.max(0, first.deadline - this.ctx.now()), SWEEP)
  }
}

export function packContacts(contacts: readonly Contact[]): { ids: Uint8Array; addresses: string[] } {
  const ids = new Uint8Array(contacts.length * ID_BYTES)
  contacts.forEach((c, i) => ids.set(c.id, i * ID_BYTES))
  return { ids, addresses: contacts.map((c) => c.address) }
}

/** The contacts of a reply, leaving out `self`; a reply whose ids and addresses do not pair up yields none. */
export function unpackContacts(reply: { readonly ids: Uint8Array; readonly addresses: readonly string[] }, self: Address): Contact[] {
  if (reply.ids.length !== reply.addresses.length * ID_BYTES) return []
  const contacts: Contact[] = []
  reply.addresses.forEach((address, i) => {
    if (address !== self) contacts.push({ id: new Uint8Array(reply.ids.buffer, reply.ids.byteOffset + i * ID_BYTES, ID_BYTES), address })
  })
  return contacts
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
