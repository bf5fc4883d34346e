import type { ActorFactory, Actor, Address, Context, TimerId, TimerTag, TraceFields } from '../core/actor.ts'
import type { ComputeJob, ComputeTag } from '../core/compute.ts'
import type { Random } from '../core/random.ts'
import { MemoryStorage } from '../core/storage.ts'
import type { NodeAdversary } from './adversaries/adversary.ts'

/** What holds a node's identity key and can prove it (NodeIdentity and the identity stack are). */
export interface KeyHolder {
  readonly root: Uint8Array
  signWithRoot(message: Uint8Array): Uint8Array
}

/** What a node's context asks of the simulator (sim/simulation.ts is it). */
export interface NodeKernel {
  /** The true virtual time, in ms. */
  readonly now: number
  sendFrom(node: SimNode, to: Address, message: unknown): void
  broadcastFrom(node: SimNode, message: unknown): void
  setTimer(node: SimNode, delayMs: number, tag: TimerTag): TimerId
  cancelTimer(id: TimerId): void
  traceUser(node: SimNode, event: TraceFields): void
  keyOf(address: Address): Uint8Array | undefined
  compute<I>(node: SimNode, job: ComputeJob<I>, tag: ComputeTag): void
}

/** The places of a node in the run, fixed when it is added. */
export interface NodePlace {
  readonly index: number
  readonly address: Address
  /** The name faults and the trace use: the address, or a twin's own name. */
  readonly label: string
  readonly factory: ActorFactory<unknown>
  /** The actor's stream (`ctx.random`). */
  readonly random: Random
  /** Draws of the network model for messages this node sends. */
  readonly net: Random
  readonly region: number
  readonly lan: number[]
  readonly identity: ((actor: Actor<unknown>) => KeyHolder) | undefined
}

/**
 * A simulated node: what the simulator keeps for it, and the context its actor is handed. One object
 * rather than a node and a context beside it: at 10,000 nodes and more, the state of the node an event
 * is for is rarely in the cache, and each object on the way from the event to the actor's context was
 * one more cache miss, waiting on the previous one. Its actor is not here but in the simulator's dense
 * array by node index, so that loading it does not wait on this object either.
 *
 * Fields are declared in the order V8 lays them out: those every delivery touches (what the actor's
 * context reads, what a send and the output commit read) first, on the object's first cache line.
 */
export class SimNode implements Context {
  readonly self: Address
  readonly random: Random
  readonly net: Random
  readonly index: number
  readonly region: number
  private readonly kernel: NodeKernel
  /** Set while a Byzantine behaviour is active on the node (sim/adversaries). */
  adversary: NodeAdversary | undefined = undefined
  /** Whether the actor sent anything during the event being handled (see Simulation.commit). */
  sent = false
  /** The node's storage once anything asked for it: most actors of a large run never do, and it is the biggest part of an idle node. */
  stored: MemoryStorage | undefined = undefined
  /** The node whose address this one answers to: itself, or the original of a twin. */
  primary: SimNode = this
  up = false
  incarnation = 0
  clockOffset = 0
  clockDriftPpm = 0
  clockDriftSince = 0
  // ---- colder: faults, boots, twins, the disk's clock
  readonly label: string
  readonly factory: ActorFactory<unknown>
  readonly lan: number[]
  readonly identity: ((actor: Actor<unknown>) => KeyHolder) | undefined
  /** The twins of an original (faults `twin`), which get every message sent to its address. */
  twins: SimNode[] | undefined = undefined
  /** Whether the node ever booted; a crash before then holds its first boot until a restart. */
  booted = false
  bootHeld = false
  /** With a sync cost: the storage syncs already charged, and when the node's disk is done with them. */
  syncsCharged = 0
  diskFreeAt = 0
  /** The identity key the node proved it holds (see NodeOptions.identity). */
  key: Uint8Array | undefined = undefined

  constructor(place: NodePlace, kernel: NodeKernel) {
    this.self = place.address
    this.random = place.random
    this.net = place.net
    this.index = place.index
    this.region = place.region
    this.kernel = kernel
    this.label = place.label
    this.factory = place.factory
    this.lan = place.lan
    this.identity = place.identity
  }

  get storage(): MemoryStorage {
    return (this.stored ??= new MemoryStorage())
  }

  now(): number {
    const t = this.kernel.now
    return t + this.clockOffset + ((t - this.clockDriftSince) * this.clockDriftPpm) / 1e6
  }

  send(to: Address, message: unknown): void {
    this.sent = true
    // What a node sends itself is its own business: behaviours act on what it tells others.
    if (this.adversary !== undefined && to !== this.self) this.adversary.send(to, message)
    else this.kernel.sendFrom(this, to, message)
  }

  broadcast(message: unknown): void {
    this.sent = true
    if (this.adversary !== undefined) this.adversary.broadcast(message)
    else this.kernel.broadcastFrom(this, message)
  }

  setTimer(delayMs: number, tag: TimerTag): TimerId {
    return this.kernel.setTimer(this, delayMs, tag)
  }

  cancelTimer(id: TimerId): void {
    this.kernel.cancelTimer(id)
  }

  trace(event: TraceFields): void {
    this.kernel.traceUser(this, event)
  }

  keyOf(address: Address): Uint8Array | undefined {
    return this.kernel.keyOf(address)
  }

  compute<I>(job: ComputeJob<I>, tag: ComputeTag): void {
    this.kernel.compute(this, job, tag)
  }
}
