import { Result } from 'effect'
import { checkTimerDelay, type Actor, type ActorFactory, type Address, type Context, type PeerSignal, type TimerId, type TimerTag, type TraceFields } from '../core/actor.ts'
import { decodeFrame, encode } from '../core/codec.ts'
import { acceptJob, simulateJob, type ComputeJob, type ComputeOutcome, type ComputeTag } from '../core/compute.ts'
import { wireSize } from '../core/wire-size.ts'
import { ConfigError } from '../core/errors.ts'
import { Random, type Seed } from '../core/random.ts'
import { verify } from '../core/sign.ts'
import { MemoryStorage } from '../core/storage.ts'
import { EventQueue } from './event-queue.ts'
import { EventTable } from './event-table.ts'
import { faultNodes, type Fault, type FaultSchedule } from './faults.ts'
import type { Invariant, SimulationView, Violation } from './invariants.ts'
import { freezeForSharing, type Isolation } from './isolation.ts'
import { sampleLatency } from './latency.ts'
import { DEFAULT_NETWORK, NetworkState, type NetworkConfig } from './network.ts'
import { Trace, type DropReason, type TraceEvent } from './trace.ts'

export interface SimulationOptions {
  readonly seed: Seed
  readonly network?: NetworkConfig
  readonly isolation?: Isolation
  readonly faults?: FaultSchedule
  readonly invariants?: readonly Invariant[]
  /** Receives every trace event as a structured object (slower; for replay and debugging). */
  readonly onTrace?: (event: TraceEvent) => void
}

/** What holds a node's identity key and can prove it (NodeIdentity and the identity stack are). */
export interface KeyHolder {
  readonly root: Uint8Array
  signWithRoot(message: Uint8Array): Uint8Array
}

/** The actor's `identity`, when it holds a key it can prove. */
function identityOf(actor: Actor<unknown>): KeyHolder | undefined {
  const identity = (actor as { readonly identity?: Partial<KeyHolder> }).identity
  return identity !== undefined && typeof identity.signWithRoot === 'function' && identity.root instanceof Uint8Array ? (identity as KeyHolder) : undefined
}

export interface NodeOptions<A = Actor<unknown>> {
  /**
   * The identity of the node's actor, once it has started. At every boot the node proves it holds
   * the key (a signature over its name), and the simulator binds the key to the node's address, as a
   * real link binds the key its handshake proved: a message that claims another key from this node is
   * refused (`ctx.keyOf`, core/address.ts). Default: the actor's own `identity` when it is one (a
   * VainNode's or a KademliaNode's identity stack), so a node with an identity is bound without a
   * scenario having to say so; an actor without one has no key bound.
   */
  readonly identity?: (actor: A) => KeyHolder
  /** Region name for the latency matrix (default `default`). */
  readonly region?: string
  /** Broadcast domain: `ctx.broadcast` reaches the other nodes of the same LAN (default `default`). */
  readonly lan?: string
  /** Virtual time at which the node boots (default: now). */
  readonly bootAt?: number
}

export interface RunLimits {
  /** Stop before the first event later than this virtual time (ms). */
  readonly untilMs?: number
  readonly maxEvents?: number
  /** Called every `progressEvery` events (default 65,536) with the run so far. */
  readonly onProgress?: (now: number, events: number) => void
  readonly progressEvery?: number
}

export type StopReason = 'quiescent' | 'time' | 'events' | 'violation'

export interface NetworkStats {
  sent: number
  delivered: number
  duplicated: number
  rejected: number
  dropped: Record<DropReason, number>
  bytesSent: number
  bytesDelivered: number
}

export interface RunResult {
  readonly seed: Seed
  readonly events: number
  readonly virtualTimeMs: number
  readonly traceHash: string
  readonly stoppedBy: StopReason
  readonly violations: readonly Violation[]
  readonly stats: NetworkStats
}

/** What a node signs to prove the key bound to its name (see Simulation.bindKey). */
const KEY_BINDING_DOMAIN = 'vain/sim-key-binding/1\0'

const DELIVER = 0
const TIMER = 1
const FAULT = 2
const BOOT = 3
/** A message a node sent itself: it skips the network, and a crash before it arrives loses it. */
const LOOPBACK = 4
/** A computation's outcome, due when its virtual cost has passed. */
const COMPUTED = 5

/** The body of a COMPUTED event. */
interface Computed {
  readonly tag: ComputeTag
  readonly outcome: ComputeOutcome
}

class SimNode {
  actor: Actor<unknown> | undefined = undefined
  up = false
  incarnation = 0
  clockOffset = 0
  clockDriftPpm = 0
  clockDriftSince = 0
  /** Whether the actor sent anything during the event being handled (see Simulation.commit). */
  sent = false
  /** The identity key the node proved it holds (see NodeOptions.identity). */
  key: Uint8Array | undefined = undefined
  /** The node's storage once anything asked for it: most actors of a large run never do, and it is the biggest part of an idle node. */
  stored: MemoryStorage | undefined = undefined
  readonly context: NodeContext

  constructor(
    readonly index: number,
    readonly address: Address,
    readonly factory: ActorFactory<unknown>,
    readonly random: Random,
    /** Draws of the network model for messages this node sends. */
    readonly net: Random,
    readonly region: number,
    readonly lan: number[],
    readonly identity: ((actor: Actor<unknown>) => KeyHolder) | undefined,
    sim: Simulation,
  ) {
    this.context = new NodeContext(sim, this)
  }

  get storage(): MemoryStorage {
    return (this.stored ??= new MemoryStorage())
  }
}

class NodeContext implements Context {
  readonly self: Address
  readonly random: Random

  constructor(
    private readonly sim: Simulation,
    private readonly node: SimNode,
  ) {
    this.self = node.address
    this.random = node.random
  }

  get storage(): MemoryStorage {
    return this.node.storage
  }

  now(): number {
    const node = this.node
    const t = this.sim.now
    return t + node.clockOffset + ((t - node.clockDriftSince) * node.clockDriftPpm) / 1e6
  }

  send(to: Address, message: unknown): void {
    this.node.sent = true
    this.sim.sendFrom(this.node, to, message)
  }

  broadcast(message: unknown): void {
    this.node.sent = true
    this.sim.broadcastFrom(this.node, message)
  }

  setTimer(delayMs: number, tag: TimerTag): TimerId {
    return this.sim.setTimer(this.node, delayMs, tag)
  }

  cancelTimer(id: TimerId): void {
    this.sim.cancelTimer(id)
  }

  trace(event: TraceFields): void {
    this.sim.traceUser(this.node, event)
  }

  keyOf(address: Address): Uint8Array | undefined {
    return this.sim.keyOf(address)
  }

  compute<I>(job: ComputeJob<I>, tag: ComputeTag): void {
    this.sim.compute(this.node, job, tag)
  }
}

/**
 * The deterministic simulator: one event queue ordered by (virtual time, sequence), one seed from which
 * every random stream is split, a network model and a fault schedule deciding what arrives when. Same
 * seed, nodes, schedule and actor code: same trace hash, on any machine.
 */
export class Simulation implements SimulationView {
  now = 0
  events = 0
  readonly stats: NetworkStats = {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    rejected: 0,
    dropped: { loss: 0, partition: 0, down: 0, 'unknown-address': 0 },
    bytesSent: 0,
    bytesDelivered: 0,
  }

  private readonly seed: Seed
  private readonly root: Random
  private readonly faultRandom: Random
  private readonly network: NetworkState
  private readonly isolation: Isolation
  private readonly faults: FaultSchedule
  private readonly alwaysInvariants: readonly Invariant[]
  private readonly endInvariants: readonly Invariant[]
  /** Scheduled events: slots of `table`, ordered by (time, sequence). */
  private readonly queue = new EventQueue()
  private readonly table = new EventTable()
  /** Messages nodes sent themselves (slots of `table`), delivered in order before the queue's next event (see loopback). */
  private readonly loopbacks: number[] = []
  private readonly nodes: SimNode[] = []
  private readonly names: Address[] = []
  /** Each node's region, by index: the send path reads the receiver's without touching its SimNode. */
  private readonly regions: number[] = []
  /** Node indexes by address: a number, so that resolving a receiver does not touch its SimNode. */
  private readonly indexOf = new Map<Address, number>()
  /**
   * The last sender a message was handed from, by address and index: answering the sender is the most
   * common send, and this skips the map for it. Names never change, so the pair is never stale.
   */
  private lastFromName: Address | undefined = undefined
  private lastFrom = -1
  private readonly lans = new Map<string, number[]>()
  private readonly trace: Trace
  private readonly liveTimers = new Set<TimerId>()
  private nextTimerId = 1
  private nextComputation = 1
  private wireBody: unknown = undefined
  private wireBytes = 0
  private wireEncoded = false
  private faultsChecked = false
  private readonly violations: Violation[] = []

  constructor(options: SimulationOptions) {
    this.seed = options.seed
    this.root = Random.fromSeed(options.seed)
    this.faultRandom = this.root.split('faults')
    this.network = new NetworkState(options.network ?? DEFAULT_NETWORK)
    this.isolation = options.isolation ?? 'bytes'
    this.faults = options.faults ?? []
    this.alwaysInvariants = (options.invariants ?? []).filter((i) => (i.when ?? 'always') === 'always')
    this.endInvariants = options.invariants ?? []
    this.trace = new Trace(this.names, options.onTrace)
    for (const fault of this.faults) this.schedule(fault.at, FAULT, 0, 0, fault, 0, false)
  }

  /** Adds a node whose actor `factory` builds (again after each crash). It boots at `bootAt` (default: now). */
  addNode<A extends Actor<any>>(address: Address, factory: (self: Address) => A, options: NodeOptions<A> = {}): void {
    if (this.indexOf.has(address)) throw new ConfigError(`node ${address} already exists`)
    const index = this.nodes.length
    const lanName = options.lan ?? 'default'
    let lan = this.lans.get(lanName)
    if (lan === undefined) this.lans.set(lanName, (lan = []))
    const node = new SimNode(
      index,
      address,
      factory,
      this.root.split(`actor:${address}`),
      this.root.split(`net:${address}`),
      this.network.region(options.region ?? 'default'),
      lan,
      options.identity as ((actor: Actor<unknown>) => KeyHolder) | undefined,
      this,
    )
    lan.push(index)
    this.nodes.push(node)
    this.names.push(address)
    this.regions.push(node.region)
    this.indexOf.set(address, index)
    this.trace.node(this.now, index)
    this.schedule(Math.max(this.now, options.bootAt ?? this.now), BOOT, index, 0, undefined, 0, false)
  }

  /** Runs until the queue is empty, a limit is reached or an invariant breaks. */
  run(limits: RunLimits = {}): RunResult {
    this.checkFaultTargets()
    const untilMs = limits.untilMs ?? Infinity
    const maxEvents = limits.maxEvents ?? Infinity
    const progressEvery = limits.progressEvery ?? 65536
    const queue = this.queue
    let stoppedBy: StopReason = 'quiescent'
    for (;;) {
      if (this.violations.length > 0) {
        stoppedBy = 'violation'
        break
      }
      // Messages to self come first: after the event that sent them, before anything else at that instant.
      const looping = this.loopbacks.length > 0
      const t = looping ? this.now : queue.peekTime()
      if (t === Infinity) break
      if (t > untilMs) {
        this.now = untilMs
        stoppedBy = 'time'
        break
      }
      if (this.events >= maxEvents) {
        stoppedBy = 'events'
        break
      }
      const event = looping ? (this.loopbacks.shift() as number) : queue.pop()
      this.now = t
      this.events++
      this.dispatch(event)
      this.table.release(event)
      if (this.alwaysInvariants.length > 0) this.checkInvariants(this.alwaysInvariants)
      if (limits.onProgress !== undefined && this.events % progressEvery === 0) limits.onProgress(this.now, this.events)
    }
    if (this.violations.length === 0) this.checkInvariants(this.endInvariants)
    if (this.violations.length > 0) stoppedBy = 'violation'
    return {
      seed: this.seed,
      events: this.events,
      virtualTimeMs: this.now,
      traceHash: this.trace.digest(),
      stoppedBy,
      violations: [...this.violations],
      stats: structuredClone(this.stats),
    }
  }

  // ---- SimulationView

  addresses(): readonly Address[] {
    return this.names
  }

  isUp(address: Address): boolean {
    return this.nodeAt(address).up
  }

  actor<A extends Actor<any> = Actor<unknown>>(address: Address): A | undefined {
    return this.nodeAt(address).actor as A | undefined
  }

  storage(address: Address): MemoryStorage {
    return this.nodeAt(address).storage
  }

  // ---- called by node contexts

  sendFrom(node: SimNode, to: Address, message: unknown): void {
    const target = to === this.lastFromName ? this.lastFrom : this.indexOf.get(to)
    this.prepare(message)
    if (target === undefined) {
      this.stats.dropped['unknown-address']++
      this.trace.drop(this.now, node.index, node.index, this.wireBytes, 'unknown-address')
      return
    }
    if (target === node.index) return this.loopback(node)
    this.route(node, target)
  }

  broadcastFrom(node: SimNode, message: unknown): void {
    this.prepare(message)
    for (const peer of node.lan) if (peer !== node.index) this.route(node, peer)
  }

  setTimer(node: SimNode, delayMs: number, tag: TimerTag): TimerId {
    checkTimerDelay(delayMs)
    const id = this.nextTimerId++
    this.liveTimers.add(id)
    // A drifting clock runs its timers at its own rate.
    const realDelay = delayMs / (1 + node.clockDriftPpm / 1e6)
    this.schedule(this.now + realDelay, TIMER, node.index, node.incarnation, tag, id, false)
    return id
  }

  cancelTimer(id: TimerId): void {
    this.liveTimers.delete(id)
  }

  traceUser(node: SimNode, fields: TraceFields): void {
    this.trace.user(this.now, node.index, fields)
  }

  keyOf(address: Address): Uint8Array | undefined {
    const index = this.indexOf.get(address)
    return index === undefined ? undefined : (this.nodes[index] as SimNode).key
  }

  /**
   * Runs the job now, inline (its result cannot depend on when it runs: it is pure), and delivers the
   * outcome after its virtual cost, on the true clock: a cost is work done, not a reading of the node's
   * (possibly skewed) clock. Computations run side by side, as if the node had a core for each. A job
   * whose cost is past its kind's deadline is not run: it fails with `deadline` at the deadline
   * (core/compute.ts `simulateJob`). `queue-full` and `worker-died` are never produced here.
   */
  compute<I>(node: SimNode, job: ComputeJob<I>, tag: ComputeTag): void {
    const accepted = acceptJob(job)
    const id = this.nextComputation++
    const { outcome, afterMs } = simulateJob(accepted)
    this.trace.compute(this.now, node.index, id, accepted.costMs)
    const computed: Computed = { tag, outcome }
    this.schedule(this.now + afterMs, COMPUTED, node.index, node.incarnation, computed, id, false)
  }

  // ---- internals

  private nodeAt(address: Address): SimNode {
    const index = this.indexOf.get(address)
    if (index === undefined) throw new ConfigError(`no node ${address}`)
    return this.nodes[index] as SimNode
  }

  /** Puts an event in the table and the queue (see EventTable for the fields). */
  private schedule(time: number, kind: number, node: number, source: number, body: unknown, size: number, encoded: boolean): void {
    this.queue.push(time, this.table.add(kind, node, source, body, size, encoded))
  }

  /**
   * Turns a message into what travels: sets wireBody (the object, or bytes to decode), wireBytes (its
   * encoded size) and wireEncoded. Fields rather than a returned tuple keep the send path allocation-free.
   */
  private prepare(message: unknown): void {
    // Typed arrays cannot be frozen: a message holding one travels as bytes, as in bytes mode.
    if (this.isolation === 'frozen' && freezeForSharing(message)) {
      const measured = wireSize(message)
      return this.travel(message, measured >= 0 ? measured : encode(message).length, false)
    }
    const bytes = encode(message)
    this.travel(bytes, bytes.length, true)
  }

  /**
   * A message to self: counted and traced as sent, then delivered right after the current event, before
   * any other event (a timer due at this instant included), not through the network.
   */
  private loopback(node: SimNode): void {
    this.stats.sent++
    this.stats.bytesSent += this.wireBytes
    this.trace.send(this.now, node.index, node.index, this.wireBytes)
    this.loopbacks.push(this.table.add(LOOPBACK, node.index, node.incarnation, this.wireBody, this.wireBytes, this.wireEncoded))
  }

  private travel(body: unknown, size: number, encoded: boolean): void {
    this.wireBody = body
    this.wireBytes = size
    this.wireEncoded = encoded
  }

  /** Sends the prepared message from `from` to node `to` through the network model. */
  private route(from: SimNode, to: number): void {
    const size = this.wireBytes
    const stats = this.stats
    const network = this.network
    const config = network.config
    const now = this.now
    stats.sent++
    stats.bytesSent += size
    this.trace.send(now, from.index, to, size)
    if (network.partitioned && network.separated(from.index, to)) {
      stats.dropped.partition++
      this.trace.drop(now, from.index, to, size, 'partition')
      return
    }
    const net = from.net
    if (config.loss > 0 && net.next() < config.loss) {
      stats.dropped.loss++
      this.trace.drop(now, from.index, to, size, 'loss')
      return
    }
    this.schedule(this.arrival(from, to), DELIVER, to, from.index, this.wireBody, size, this.wireEncoded)
    if (config.duplicate > 0 && net.next() < config.duplicate) {
      stats.duplicated++
      this.trace.duplicate(now, from.index, to, size)
      this.schedule(this.arrival(from, to), DELIVER, to, from.index, this.wireBody, size, this.wireEncoded)
    }
  }

  private arrival(from: SimNode, to: number): number {
    const network = this.network
    const config = network.config
    const net = from.net
    const leaves = Math.max(this.now, network.clearAfter(from.index, to))
    let latency = sampleLatency(config.latency, net) + network.regionLatency(from.region, this.regions[to] as number)
    if (config.reorder > 0 && net.next() < config.reorder) latency += net.next() * config.reorderDelayMs
    return leaves + latency
  }

  /** Handles the event in slot `event` of the table (the caller frees the slot afterwards). */
  private dispatch(event: number): void {
    const table = this.table
    switch (table.kinds[event]) {
      case DELIVER:
        return this.deliver(event)
      case TIMER:
        return this.fireTimer(event)
      case FAULT:
        return this.applyFault(table.bodies[event] as Fault)
      case BOOT:
        return this.boot(this.nodes[table.nodes[event] as number] as SimNode)
      case LOOPBACK:
        return this.deliverToSelf(event)
      case COMPUTED:
        return this.completeComputation(event)
    }
  }

  private deliver(event: number): void {
    const table = this.table
    const node = this.nodes[table.nodes[event] as number] as SimNode
    const from = table.sources[event] as number
    if (!node.up) {
      this.stats.dropped.down++
      this.trace.drop(this.now, from, node.index, table.sizes[event] as number, 'down')
      return
    }
    if (this.network.partitioned && this.network.separated(from, node.index)) {
      this.stats.dropped.partition++
      this.trace.drop(this.now, from, node.index, table.sizes[event] as number, 'partition')
      return
    }
    this.hand(node, from, event)
  }

  private deliverToSelf(event: number): void {
    const table = this.table
    const node = this.nodes[table.nodes[event] as number] as SimNode
    if (!node.up || node.incarnation !== table.sources[event]) {
      this.stats.dropped.down++
      this.trace.drop(this.now, node.index, node.index, table.sizes[event] as number, 'down')
      return
    }
    this.hand(node, node.index, event)
  }

  /** Decodes a message (slot `event`) that reached `node` from node `from` and gives it to the actor. */
  private hand(node: SimNode, from: number, event: number): void {
    const table = this.table
    const actor = node.actor as Actor<unknown>
    const size = table.sizes[event] as number
    let message = table.bodies[event]
    if (table.encoded[event] === 1) {
      const decoded = decodeFrame(message as Uint8Array, actor.inbox)
      if (Result.isFailure(decoded)) {
        this.stats.rejected++
        this.trace.reject(this.now, from, node.index, decoded.failure.reason, decoded.failure.message)
        return this.signal(node, { peer: this.names[from], reason: decoded.failure.reason, detail: decoded.failure.message })
      }
      message = decoded.success
    }
    this.stats.delivered++
    this.stats.bytesDelivered += size
    this.trace.deliver(this.now, from, node.index, size)
    const fromName = this.names[from] as Address
    this.lastFromName = fromName
    this.lastFrom = from
    try {
      actor.receive(message, fromName, node.context)
    } catch (error) {
      this.actorFailed(node, error)
    }
    this.commit(node)
  }

  /**
   * Output commit, as in a real node (core/output-commit.ts): an event in which the actor sent
   * something ends with its storage synced, so no message is seen by another node before the writes
   * made before it are durable. The messages are already queued, but a crash is an event of its own:
   * none can come between the send and this sync, and no message arrives before the event is over.
   */
  private commit(node: SimNode): void {
    if (!node.sent) return
    node.sent = false
    const storage = node.stored
    if (storage !== undefined && storage.unsyncedWrites > 0) storage.sync()
  }

  private signal(node: SimNode, signal: PeerSignal): void {
    try {
      node.actor?.signal?.(signal, node.context)
    } catch (error) {
      this.actorFailed(node, error)
    }
    this.commit(node)
  }

  private fireTimer(event: number): void {
    const table = this.table
    const id = table.sizes[event] as number
    if (!this.liveTimers.delete(id)) return
    const node = this.nodes[table.nodes[event] as number] as SimNode
    if (!node.up || node.incarnation !== table.sources[event]) return
    const tag = table.bodies[event] as TimerTag
    this.trace.timer(this.now, node.index, id, tag)
    try {
      node.actor?.timer?.(tag, node.context)
    } catch (error) {
      this.actorFailed(node, error)
    }
    this.commit(node)
  }

  private completeComputation(event: number): void {
    const table = this.table
    const node = this.nodes[table.nodes[event] as number] as SimNode
    if (!node.up || node.incarnation !== table.sources[event]) return
    const { tag, outcome } = table.bodies[event] as Computed
    this.trace.computed(this.now, node.index, table.sizes[event] as number, outcome.ok)
    try {
      node.actor?.computed?.(tag, outcome, node.context)
    } catch (error) {
      this.actorFailed(node, error)
    }
    this.commit(node)
  }

  private boot(node: SimNode): void {
    if (node.up) return
    node.up = true
    const actor = node.factory(node.address)
    node.actor = actor
    this.trace.boot(this.now, node.index)
    try {
      actor.start?.(node.context)
      this.bindKey(node, actor)
    } catch (error) {
      this.actorFailed(node, error)
    }
    this.commit(node)
  }

  /**
   * Binds the key of a node's identity to its address, once the node proved it holds it: it signs its
   * own name (under a domain string of its own, so the signature can pass for nothing else). The
   * binding is not something an actor can claim: the scenario says where the identity is, and only
   * the holder of the key can sign. Within a boot, before any message reaches the node.
   */
  private bindKey(node: SimNode, actor: Actor<unknown>): void {
    const holder = node.identity?.(actor) ?? identityOf(actor)
    if (holder === undefined) return
    const statement = new TextEncoder().encode(KEY_BINDING_DOMAIN + node.address)
    if (!verify(holder.root, statement, holder.signWithRoot(statement))) {
      node.key = undefined
      return void this.violations.push(this.violation('key-binding', `${node.address} cannot sign with the key its identity claims`))
    }
    node.key = holder.root
  }

  private applyFault(fault: Fault): void {
    this.trace.fault(this.now, fault)
    switch (fault.kind) {
      case 'crash': {
        const node = this.nodeAt(fault.node)
        if (!node.up) return
        node.up = false
        node.incarnation++
        node.actor = undefined
        const kept = fault.torn === true ? this.faultRandom.int(node.storage.unsyncedWrites + 1) : 0
        node.storage.crash(kept)
        this.trace.crash(this.now, node.index, kept)
        return
      }
      case 'restart': {
        const node = this.nodeAt(fault.node)
        if (node.up) return
        this.trace.restart(this.now, node.index)
        return this.boot(node)
      }
      case 'partition': {
        const groups = fault.groups.map((group) => group.map((address) => this.nodeAt(address).index))
        return this.network.partition(fault.id ?? 'default', groups, this.nodes.length, fault.oneWay === true)
      }
      case 'heal':
        return this.network.heal(fault.id)
      case 'skew': {
        const node = this.nodeAt(fault.node)
        const current = node.context.now()
        node.clockOffset = current - this.now + fault.offsetMs
        node.clockDriftPpm = fault.driftPpm ?? 0
        node.clockDriftSince = this.now
        return
      }
      case 'clog': {
        const peer = fault.peer === undefined ? undefined : this.nodeAt(fault.peer).index
        return this.network.clog(this.nodeAt(fault.node).index, peer, this.now + fault.durationMs)
      }
    }
  }

  /** An exception from actor code is a bug in the actor: a violation that stops the run. */
  private actorFailed(node: SimNode, error: unknown): void {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    this.violations.push(this.violation('actor-error', `${node.address}: ${message}`))
  }

  private checkInvariants(invariants: readonly Invariant[]): void {
    for (const invariant of invariants) {
      const message = invariant.check(this)
      if (message !== undefined) {
        this.violations.push(this.violation(invariant.name, message))
        return
      }
    }
  }

  private violation(invariant: string, message: string): Violation {
    return { invariant, message, seed: this.seed, step: this.events, timeMs: this.now, faults: this.faults }
  }

  private checkFaultTargets(): void {
    if (this.faultsChecked) return
    this.faultsChecked = true
    for (const fault of this.faults) {
      for (const address of faultNodes(fault)) {
        if (!this.indexOf.has(address)) throw new ConfigError(`fault at ${fault.at} ms names unknown node ${address}`)
      }
    }
  }
}
