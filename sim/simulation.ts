import { Result } from 'effect'
import { checkTimerDelay, type Actor, type ActorFactory, type Address, type PeerSignal, type TimerId, type TimerTag, type TraceFields } from '../core/actor.ts'
import { decodeFrame, encode } from '../core/codec.ts'
import { acceptJob, simulateJob, type ComputeJob, type ComputeOutcome, type ComputeTag } from '../core/compute.ts'
import { wireSize } from '../core/wire-size.ts'
import { ConfigError } from '../core/errors.ts'
import { Random, type Seed } from '../core/random.ts'
import { verify } from '../core/sign.ts'
import { MemoryStorage, StoreError } from '../core/storage.ts'
import { liarOf } from '../core/byzantine.ts'
import { NodeAdversary, emptyCounts, type AdversaryCounts, type AdversaryPort } from './adversaries/adversary.ts'
import type { Behaviour } from './adversaries/behaviours.ts'
import { Collusion } from './adversaries/collusion.ts'
import { syncCostOf, withEnvironment, type Environment } from './environment.ts'
import { SimNode, type KeyHolder, type NodeKernel } from './sim-node.ts'
import { EventQueue } from './event-queue.ts'
import { EventTable } from './event-table.ts'
import { faultAddedNodes, faultNodes, sybilName, twinName, type Fault, type FaultSchedule } from './faults.ts'
import type { Invariant, SimulationView, Violation } from './invariants.ts'
import { freezeAndMeasure, UNMEASURED, UNSHAREABLE, type Isolation } from './isolation.ts'
import { sampleLatency } from './latency.ts'
import { DEFAULT_NETWORK, NetworkState, type NetworkConfig } from './network.ts'
import { Trace, type DropReason, type TraceEvent } from './trace.ts'

export type { KeyHolder } from './sim-node.ts'

export interface SimulationOptions {
  readonly seed: Seed
  readonly network?: NetworkConfig
  readonly isolation?: Isolation
  readonly faults?: FaultSchedule
  readonly invariants?: readonly Invariant[]
  /**
   * Virtual ms one sync of a node's storage takes (default DEFAULT_SYNC_COST_MS, 0: free). A node's
   * syncs run one after another, and what it sent in an event whose writes were synced leaves once
   * they are done (output commit): MEASURED_SYNC_COST_MS is this machine's fsync.
   */
  readonly syncCostMs?: number
  /** Overrides of the network and the sync cost (a swarm-drawn run's, sim/swarm.ts). */
  readonly environment?: Environment
  /** Receives every trace event as a structured object (slower; for replay and debugging). */
  readonly onTrace?: (event: TraceEvent) => void
  /**
   * The actor a `sybil` fault's identities run (sim/faults.ts): the attacker's program, which may grind
   * its keys. Usually the honest code: the fault's behaviour (default `collude`) makes it lie.
   */
  readonly sybil?: (address: Address, index: number) => Actor<any>
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
  /** What the Byzantine behaviours did, when any node had one (sim/adversaries). */
  readonly adversary?: AdversaryCounts
}

/** Names shown in a message, a few of them, then a count: a run can have a million nodes. */
function someOf(names: readonly string[], shown = 8): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`
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

/**
 * The most `byzantine` faults a schedule may give one node: behaviours stack, and a few already mix
 * every kind of misbehaviour; more is a schedule error, not an attack.
 */
export const MAX_BEHAVIOURS_PER_NODE = 8

/** An adversary's action, due after the delay it asked for (sim/adversaries), or a behaviour's window ending. */
const CALL = 6

/** The body of a COMPUTED event. */
interface Computed {
  readonly tag: ComputeTag
  readonly outcome: ComputeOutcome
}

/**
 * The deterministic simulator: one event queue ordered by (virtual time, sequence), one seed from which
 * every random stream is split, a network model and a fault schedule deciding what arrives when. Same
 * seed, nodes, schedule and actor code: same trace hash, on any machine.
 */
export class Simulation implements SimulationView, NodeKernel {
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
  /**
   * Each node's actor by index, undefined while it is down: beside the nodes rather than in them, so
   * that loading the actor an event is for does not wait on loading its node (see SimNode).
   */
  private readonly actors: (Actor<unknown> | undefined)[] = []
  /** Every node's label by index (twins' included), for the trace. */
  private readonly labels: string[] = []
  /** Every node's address by index (a twin's is its original's): what its messages come from. */
  private readonly addressOf: Address[] = []
  /** Each node's region, by index: the send path reads the receiver's without touching its SimNode. */
  private readonly regions: number[] = []
  /** The addresses of the nodes added (a twin shares its original's). */
  private readonly originals: Address[] = []
  /** Node indexes by address: a number, so that resolving a receiver does not touch its SimNode. */
  private readonly indexOf = new Map<Address, number>()
  /** Twins' indexes by their labels (an original's label is its address, in indexOf). */
  private readonly twinIndex = new Map<string, number>()
  /** Whether any node has a twin: only then does a send look for the receiver's copies. */
  private twinned = false
  /**
   * The last sender a message was handed from, by address and the index that address resolves to:
   * answering the sender is the most common send, and this skips the map for it. Addresses never
   * change, so the pair is never stale.
   */
  private lastFromName: Address | undefined = undefined
  private lastFrom = -1
  private readonly collusion: Collusion
  private readonly lans = new Map<string, number[]>()
  private readonly trace: Trace
  private readonly liveTimers = new Set<TimerId>()
  private nextTimerId = 1
  private nextComputation = 1
  private wireBody: unknown = undefined
  private wireBytes = 0
  private wireEncoded = false
  private faultsChecked = false
  private readonly byzantine = new Set<Address>()
  // A node's adversary outlives its behaviours' windows and its crashes: replay memory and sides stay.
  private readonly adversaries = new Map<SimNode, NodeAdversary>()
  private readonly sybil: ((address: Address, index: number) => Actor<any>) | undefined
  private readonly violations: Violation[] = []
  private readonly syncCostMs: number
  /** With a sync cost: the messages of the current event, held until its syncs are done (see commit). */
  private readonly held: { readonly from: SimNode; readonly to: number; readonly body: unknown; readonly size: number; readonly encoded: boolean }[] = []
  /** How long after now the messages being released leave (the rest of the time: 0). */
  private departureDelay = 0

  constructor(options: SimulationOptions) {
    this.seed = options.seed
    this.root = Random.fromSeed(options.seed)
    this.faultRandom = this.root.split('faults')
    this.network = new NetworkState(withEnvironment(options.network ?? DEFAULT_NETWORK, options.environment))
    this.syncCostMs = syncCostOf(options.environment, options.syncCostMs)
    this.isolation = options.isolation ?? 'bytes'
    this.faults = options.faults ?? []
    this.alwaysInvariants = (options.invariants ?? []).filter((i) => (i.when ?? 'always') === 'always')
    this.endInvariants = options.invariants ?? []
    this.trace = new Trace(this.labels, options.onTrace)
    this.collusion = new Collusion(this.root.split('adversary:collusion'), (address) => this.indexOf.has(address))
    this.sybil = options.sybil
    for (const fault of this.faults) this.schedule(fault.at, FAULT, 0, 0, fault, 0, false)
  }

  /** Adds a node whose actor `factory` builds (again after each crash). It boots at `bootAt` (default: now). */
  addNode<A extends Actor<any>>(address: Address, factory: (self: Address) => A, options: NodeOptions<A> = {}): void {
    if (this.indexOf.has(address) || this.twinIndex.has(address)) throw new ConfigError(`node ${address} already exists`)
    const lanName = options.lan ?? 'default'
    let lan = this.lans.get(lanName)
    if (lan === undefined) this.lans.set(lanName, (lan = []))
    const identity = options.identity as ((actor: Actor<unknown>) => KeyHolder) | undefined
    const node = this.place(address, address, factory, this.network.region(options.region ?? 'default'), lan, identity)
    this.originals.push(address)
    this.indexOf.set(address, node.index)
    this.schedule(Math.max(this.now, options.bootAt ?? this.now), BOOT, node.index, 0, undefined, 0, false)
  }

  /**
   * A new node in the run under `label`. Its actor's stream is split from its address, not its label: a
   * twin draws exactly what its original draws (the same keys from the same seed), as a copy of the
   * same code must.
   */
  private place(address: Address, label: string, factory: ActorFactory<unknown>, region: number, lan: number[], identity: SimNode['identity']): SimNode {
    const index = this.nodes.length
    const node = new SimNode({ index, address, label, factory, random: this.root.split(`actor:${address}`), net: this.root.split(`net:${label}`), region, lan, identity }, this)
    lan.push(index)
    this.nodes.push(node)
    this.actors.push(undefined)
    this.labels.push(label)
    this.addressOf.push(address)
    this.regions.push(region)
    this.trace.node(this.now, index)
    return node
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
      ...(this.adversaries.size === 0 ? {} : { adversary: this.adversaryCounts() }),
    }
  }

  // ---- SimulationView

  addresses(): readonly Address[] {
    return this.originals
  }

  /** Whether the node at `label` (an address, or a twin's name) is the adversary's: a Byzantine behaviour was set on it, it has a twin, or it is a Sybil. */
  isByzantine(label: string): boolean {
    const index = this.indexOf.get(label) ?? this.twinIndex.get(label)
    return index !== undefined && this.byzantine.has(this.addressOf[index] as Address)
  }

  /** What the Byzantine behaviours did, summed over the nodes (for tests and reports). */
  adversaryCounts(): AdversaryCounts {
    const total = emptyCounts()
    for (const adversary of this.adversaries.values()) {
      for (const kind of Object.keys(total) as (keyof AdversaryCounts)[]) total[kind] += adversary.counts[kind]
    }
    return total
  }

  isUp(address: Address): boolean {
    return this.nodeAt(address).up
  }

  actor<A extends Actor<any> = Actor<unknown>>(address: Address): A | undefined {
    return this.actors[this.nodeAt(address).index] as A | undefined
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
    if (target === node.primary.index) return this.loopback(node)
    this.routeToAll(node, target)
  }

  /** Sends `frame` as it is, to be decoded by the receiver as any frame (an adversary's garbage). */
  sendFrameFrom(node: SimNode, to: Address, frame: Uint8Array): void {
    const target = this.indexOf.get(to)
    this.travel(frame, frame.length, true)
    if (target === undefined || target === node.primary.index) return
    this.routeToAll(node, target)
  }

  broadcastFrom(node: SimNode, message: unknown): void {
    this.prepare(message)
    for (const peer of node.lan) if ((this.nodes[peer] as SimNode).primary !== node.primary) this.out(node, peer)
  }

  /** The nodes a broadcast from `node` reaches, by address (each once, twins or not). */
  private broadcastTargets(node: SimNode): Address[] {
    const targets = new Set<Address>()
    for (const peer of node.lan) {
      const other = this.nodes[peer] as SimNode
      if (other.primary !== node.primary) targets.add(other.self)
    }
    return [...targets]
  }

  // To the node at an address and to each of its twins: the network decides which copies hear it.
  private routeToAll(from: SimNode, target: number): void {
    this.out(from, target)
    if (!this.twinned) return
    const twins = (this.nodes[target] as SimNode).twins
    // A copy never sends to its own address here: that is a loopback (sendFrom).
    if (twins !== undefined) for (const twin of twins) this.out(from, twin.index)
  }

  // The prepared message leaves now, or once the event's syncs are done when they cost time.
  private out(from: SimNode, to: number): void {
    if (this.syncCostMs > 0) this.hold(from, to)
    else this.route(from, to)
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

  // By label: an original's address, or a twin's name.
  private nodeAt(label: string): SimNode {
    const index = this.indexOf.get(label) ?? this.twinIndex.get(label)
    if (index === undefined) throw new ConfigError(`no node ${label}`)
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
    if (this.isolation === 'frozen') {
      const size = freezeAndMeasure(message)
      if (size >= 0) return this.travel(message, size, false)
      if (size === UNMEASURED) {
        const measured = wireSize(message)
        return this.travel(message, measured >= 0 ? measured : encode(message).length, false)
      }
      // Typed arrays cannot be frozen: a message holding one travels as bytes, as in bytes mode.
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
    const leaves = Math.max(this.now + this.departureDelay, network.clearAfter(from.index, to))
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
      case BOOT: {
        const node = this.nodes[table.nodes[event] as number] as SimNode
        return node.bootHeld ? undefined : this.boot(node)
      }
      case LOOPBACK:
        return this.deliverToSelf(event)
      case COMPUTED:
        return this.completeComputation(event)
      case CALL: {
        const node = this.nodes[table.nodes[event] as number] as SimNode
        const source = table.sources[event] as number
        // An action bound to an incarnation (source ≥ 0) dies with it; an unbound one (-1) always runs.
        if (source < 0 || (node.up && node.incarnation === source)) (table.bodies[event] as () => void)()
        // What the action sent leaves like any event's output (after the node's syncs, when they cost time).
        return this.commit(node)
      }
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
    // The receiver's index from the table, not from `node`: loading the actor then waits on nothing.
    const actor = this.actors[table.nodes[event] as number] as Actor<unknown>
    const size = table.sizes[event] as number
    const fromName = this.addressOf[from] as Address
    let message = table.bodies[event]
    if (table.encoded[event] === 1) {
      const decoded = decodeFrame(message as Uint8Array, actor.inbox)
      if (Result.isFailure(decoded)) {
        this.stats.rejected++
        this.trace.reject(this.now, from, node.index, decoded.failure.reason, decoded.failure.message)
        return this.signal(node, { peer: fromName, reason: decoded.failure.reason, detail: decoded.failure.message })
      }
      message = decoded.success
    }
    this.stats.delivered++
    this.stats.bytesDelivered += size
    this.trace.deliver(this.now, from, node.index, size)
    node.adversary?.heard(fromName, message)
    this.lastFromName = fromName
    // A twin's messages come from its original's address, which resolves to the original.
    this.lastFrom = this.twinned ? (this.nodes[from] as SimNode).primary.index : from
    try {
      actor.receive(message, fromName, node)
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
    if (this.syncCostMs > 0) return this.commitAfterSyncs(node)
    if (!node.sent) return
    node.sent = false
    const storage = node.stored
    if (storage !== undefined && storage.unsyncedWrites > 0) storage.sync()
  }

  /**
   * Output commit when a sync costs virtual time: every sync of the event (the actor's own and the
   * commit's) queues on the node's disk for syncCostMs, and the messages the event sent leave when
   * the disk is done: at now + syncCostMs after one sync on an idle disk, at now when it is idle and
   * none was needed (a real node's sync is synchronous: while it runs, nothing leaves). Simplified:
   * the writes count as durable when the event ends, and the messages are queued then with their
   * later departure, so a crash before they leave does not recall them (what they follow is durable).
   */
  private commitAfterSyncs(node: SimNode): void {
    const storage = node.stored
    if (node.sent && storage !== undefined && storage.unsyncedWrites > 0) storage.sync()
    node.sent = false
    const syncs = storage?.syncs ?? 0
    if (syncs > node.syncsCharged) {
      node.diskFreeAt = Math.max(this.now, node.diskFreeAt) + (syncs - node.syncsCharged) * this.syncCostMs
      node.syncsCharged = syncs
    }
    if (this.held.length === 0) return
    this.departureDelay = Math.max(0, node.diskFreeAt - this.now)
    const delay = this.departureDelay
    for (const message of this.held) {
      this.travel(message.body, message.size, message.encoded)
      // Held by another node (a send made outside any event, by a test or a tool): it waits for nothing.
      this.departureDelay = message.from === node ? delay : 0
      this.route(message.from, message.to)
    }
    this.held.length = 0
    this.departureDelay = 0
  }

  /** Keeps the prepared message to `to` until the event's syncs are done (see commitAfterSyncs). */
  private hold(from: SimNode, to: number): void {
    this.held.push({ from, to, body: this.wireBody, size: this.wireBytes, encoded: this.wireEncoded })
  }

  private signal(node: SimNode, signal: PeerSignal): void {
    try {
      this.actors[node.index]?.signal?.(signal, node)
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
      this.actors[node.index]?.timer?.(tag, node)
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
      this.actors[node.index]?.computed?.(tag, outcome, node)
    } catch (error) {
      this.actorFailed(node, error)
    }
    this.commit(node)
  }

  private boot(node: SimNode): void {
    if (node.up) return
    node.up = true
    node.booted = true
    node.bootHeld = false
    const actor = node.factory(node.self)
    this.actors[node.index] = actor
    this.trace.boot(this.now, node.index)
    try {
      actor.start?.(node)
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
    const statement = new TextEncoder().encode(KEY_BINDING_DOMAIN + node.self)
    if (!verify(holder.root, statement, holder.signWithRoot(statement))) {
      node.key = undefined
      return void this.violations.push(this.violation('key-binding', `${node.self} cannot sign with the key its identity claims`))
    }
    node.key = holder.root
  }

  private applyFault(fault: Fault): void {
    this.trace.fault(this.now, fault)
    switch (fault.kind) {
      case 'crash': {
        const node = this.nodeAt(fault.node)
        // A crash before the node's first boot (at its boot time, say) keeps it down until a restart.
        if (!node.up && !node.booted) {
          node.bootHeld = true
          return this.trace.crash(this.now, node.index, 0)
        }
        if (!node.up) return
        node.up = false
        node.incarnation++
        this.actors[node.index] = undefined
        const kept = fault.torn === true ? this.faultRandom.int(node.storage.writesAtRisk + 1) : 0
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
        return this.network.partition(fault.id ?? 'default', groups, this.nodes.length, fault.oneWay === true, fault.rest === 'untouched')
      }
      case 'heal':
        return this.network.heal(fault.id)
      case 'skew': {
        const node = this.nodeAt(fault.node)
        const current = node.now()
        node.clockOffset = current - this.now + fault.offsetMs
        node.clockDriftPpm = fault.driftPpm ?? 0
        node.clockDriftSince = this.now
        return
      }
      case 'clog': {
        const peer = fault.peer === undefined ? undefined : this.nodeAt(fault.peer).index
        return this.network.clog(this.nodeAt(fault.node).index, peer, this.now + fault.durationMs)
      }
      case 'corrupt-read':
        return this.nodeAt(fault.node).storage.corruptReads(fault.reads ?? 1, fault.prefix ?? '', this.faultRandom)
      case 'bad-sector':
        return void this.nodeAt(fault.node).storage.damage(fault.items ?? 1, fault.prefix ?? '', this.faultRandom)
      case 'lying-sync':
        return this.nodeAt(fault.node).storage.lieAboutSyncs(fault.syncs ?? 1)
      case 'byzantine': {
        const node = this.nodeAt(fault.node)
        const remove = this.behave(node, fault.behaviour)
        if (fault.durationMs !== undefined) this.schedule(this.now + fault.durationMs, CALL, node.index, -1, remove, 0, false)
        return
      }
      case 'twin':
        return this.addTwin(this.nodeAt(fault.node), twinName(fault))
      case 'sybil':
        return this.addSybils(fault)
    }
  }

  /** Sets `behaviour` on the node (after any it has); returns what ends it. Its address is the adversary's from now on. */
  private behave(node: SimNode, behaviour: Behaviour): () => void {
    this.byzantine.add(node.self)
    let adversary = this.adversaries.get(node)
    if (adversary === undefined) {
      adversary = new NodeAdversary(this.adversaryPort(node), this.root.split(`adversary:${node.label}`), this.collusion)
      this.adversaries.set(node, adversary)
    }
    const remove = adversary.add(behaviour)
    node.adversary = adversary
    return () => {
      remove()
      if (adversary.idle) node.adversary = undefined
    }
  }

  private adversaryPort(node: SimNode): AdversaryPort {
    return {
      address: node.self,
      send: (to, message) => this.sendFrom(node, to, message),
      sendFrame: (to, frame) => this.sendFrameFrom(node, to, frame),
      later: (delayMs, action) => this.schedule(this.now + delayMs, CALL, node.index, node.incarnation, action, 0, false),
      broadcastTargets: () => this.broadcastTargets(node),
      liar: () => liarOf(this.actors[node.index]),
      knows: (address) => this.indexOf.has(address),
      capture: (message) => (this.isolation === 'frozen' && freezeAndMeasure(message) !== UNSHAREABLE ? message : structuredClone(message)),
      trace: (fields) => this.trace.user(this.now, node.index, fields),
    }
  }

  /** A copy of `original`'s code under its address and identity, with storage of its own, booting now. */
  private addTwin(original: SimNode, label: string): void {
    if (original.primary !== original) throw new ConfigError(`${original.label} is a twin: twin its original, ${original.primary.label}`)
    const twin = this.place(original.self, label, original.factory, original.region, original.lan, original.identity)
    this.twinIndex.set(label, twin.index)
    this.twinned = true
    twin.primary = original
    ;(original.twins ??= []).push(twin)
    this.byzantine.add(original.self)
    this.boot(twin)
  }

  private addSybils(fault: Extract<Fault, { kind: 'sybil' }>): void {
    const sybil = this.sybil as NonNullable<typeof this.sybil> // checkFaultTargets refused the run without one
    for (let i = 0; i < fault.count; i++) {
      const address = sybilName(fault, i)
      this.addNode(address, (self) => sybil(self, i), { bootAt: this.now + i * (fault.spacingMs ?? 0) })
      this.behave(this.nodeAt(address), fault.behaviour ?? { kind: 'collude' })
    }
  }

  /**
   * An exception from actor code is a bug in the actor: a violation that stops the run. Except a read
   * its store refused as damaged (StoreError 'corrupt'): that is corruption detected, not acted on, and
   * the node stops (fail-stop, as a real node whose actor throws in `start`); a restart meets the same
   * disk, and the scenario's invariants judge what its absence costs.
   */
  private actorFailed(node: SimNode, error: unknown): void {
    if (error instanceof StoreError && error.reason === 'corrupt') return this.halt(node, error)
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    this.violations.push(this.violation('actor-error', `${node.self}: ${message}`))
  }

  /** Stops a node that met damage it could not handle: what it wrote is synced (a clean stop), its volatile state is gone. */
  private halt(node: SimNode, error: StoreError): void {
    node.storage.sync()
    node.up = false
    node.incarnation++
    this.actors[node.index] = undefined
    this.trace.user(this.now, node.index, { event: 'halted-on-corruption', detail: error.message })
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
    // Faults may name the twins and Sybils that earlier faults add (the schedule is sorted by time).
    const known = new Set([...this.indexOf.keys(), ...this.twinIndex.keys()])
    const twins = new Set(this.twinIndex.keys())
    const behaviours = new Map<string, number>()
    for (const fault of [...this.faults].sort((a, b) => a.at - b.at)) {
      for (const label of faultNodes(fault)) {
        if (!known.has(label)) throw new ConfigError(`fault at ${fault.at} ms names unknown node ${label} (the run's nodes: ${someOf([...known])})`)
      }
      if (fault.kind === 'twin' && twins.has(fault.node)) throw new ConfigError(`fault at ${fault.at} ms twins ${fault.node}, a twin: twin its original`)
      if (fault.kind === 'twin') twins.add(twinName(fault))
      if (fault.kind === 'byzantine') {
        const count = (behaviours.get(fault.node) ?? 0) + 1
        if (count > MAX_BEHAVIOURS_PER_NODE) throw new ConfigError(`fault at ${fault.at} ms gives ${fault.node} its ${count}th Byzantine behaviour: at most ${MAX_BEHAVIOURS_PER_NODE} a node`)
        behaviours.set(fault.node, count)
      }
      if (fault.kind === 'sybil' && this.sybil === undefined) {
        throw new ConfigError(`a sybil fault at ${fault.at} ms, but this scenario has no Sybil actor for it to run: sybil faults need a scenario that defines one, as eclipse does (in the API: SimulationOptions.sybil)`)
      }
      for (const label of faultAddedNodes(fault)) {
        if (known.has(label)) throw new ConfigError(`fault at ${fault.at} ms adds node ${label}, which already exists`)
        known.add(label)
      }
    }
  }
}
