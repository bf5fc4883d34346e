import type { Schema } from 'effect'
import type { ComputeJob, ComputeOutcome, ComputeTag } from './compute.ts'
import type { Random } from './random.ts'
import type { Storage } from './storage.ts'

/** Where an actor receives messages: a node's name in simulation, its identity in a real network. */
export type Address = string

/** A handle on a pending timer, unique within one runtime. */
export type TimerId = number

/** Plain data an actor attaches to a timer, handed back when the timer fires. */
export type TimerTag = string | number

/** A structured trace event: plain data, serialisable by the wire codec. */
export type TraceFields = Readonly<Record<string, unknown>>

/**
 * Everything an actor may use beyond its own state and inbox. A runtime provides it: the simulator
 * with virtual time and seeded randomness, a real node with the wall clock and the OS. Every context
 * behaves the same at the edges (core/context-compliance.suite.ts checks ManualContext, the simulator
 * and NodeRuntime against one another; docs/runtime.md, *Context semantics*).
 */
export interface Context {
  readonly self: Address
  /** Milliseconds on this node's clock (which a fault may skew). */
  now(): number
  /** This actor's own seeded stream in simulation; OS-seeded in a real node. */
  readonly random: Random
  /**
   * Sends plain data to `to`; it arrives later, once, several times or never, as the network decides.
   * To `self`: it arrives once, after the current input (never inside it), decoded through the inbox
   * like any message, from `self`, before any timer due at that instant; a crash before then loses it. To an address no runtime can reach (an
   * unknown node, a string that is neither an identity nor a URL): dropped, never thrown, and recorded
   * as `send-dropped`, reason `unknown-address`.
   */
  send(to: Address, message: unknown): void
  /** Sends plain data to every node in this node's local broadcast domain (its LAN). */
  broadcast(message: unknown): void
  /**
   * After `delayMs` on the runtime's clock, `timer(tag)` is called, unless cancelled or crashed first.
   * A negative, NaN or infinite delay is a bug in the caller: `RangeError`, thrown here (`checkTimerDelay`).
   */
  setTimer(delayMs: number, tag: TimerTag): TimerId
  cancelTimer(id: TimerId): void
  readonly storage: Storage
  trace(event: TraceFields): void
  /**
   * The identity key the runtime has bound to `address`, or undefined when it bound none: a real node,
   * the key an identity address is the hex of (its link proved it); the simulator, the key the node
   * proved it holds when it booted. What a message from `address` may claim (core/address.ts).
   */
  keyOf(address: Address): Uint8Array | undefined

  /**
   * Runs `job` (core/compute.ts) off the actor's turn: its outcome comes back later as the input
   * `computed(tag, outcome)`, after the job's virtual cost in simulation, when a worker thread is done
   * in a real node. A crash before then loses it, like a timer. An unregistered kind, a bad cost or an
   * input that cannot be cloned throws here.
   */
  compute<I>(job: ComputeJob<I>, tag: ComputeTag): void
}

/** The check every context makes on a timer delay: finite and ≥ 0, or a RangeError at the call. */
export function checkTimerDelay(delayMs: number): void {
  if (!(delayMs >= 0) || delayMs === Infinity) throw new RangeError(`setTimer: delay must be a finite number ≥ 0, got ${delayMs}`)
}

/**
 * Evidence against a peer that a runtime saw below the actor: a frame that did not decode, a flood, a
 * refused handshake. Actors that keep reputation take it through `signal`.
 */
export interface PeerSignal {
  /** The peer's address, when the runtime knows it. */
  readonly peer: Address | undefined
  readonly reason: string
  readonly detail: string
}

/**
 * A deterministic actor: it handles one input at a time, to completion, and touches nothing but its
 * own state and its context. Messages reach `receive` only after decoding through `inbox`.
 */
export interface Actor<In = unknown> {
  /** The schema every inbound message is decoded with; a message that fails it never arrives. */
  readonly inbox: Schema.Decoder<In>
  /** Called when the node boots and after every restart; volatile state is rebuilt here from storage. */
  start?(ctx: Context): void
  receive(message: In, from: Address, ctx: Context): void
  timer?(tag: TimerTag, ctx: Context): void
  /** The outcome of a `ctx.compute` asked under `tag`. */
  computed?(tag: ComputeTag, outcome: ComputeOutcome, ctx: Context): void
  /** Misbehaviour of a peer that the runtime detected (undecodable frames, floods); for reputation. */
  signal?(signal: PeerSignal, ctx: Context): void
}

/** Makes a fresh actor: at boot, and again after each crash (a crash loses all volatile state). */
export type ActorFactory<In = unknown> = (self: Address) => Actor<In>
