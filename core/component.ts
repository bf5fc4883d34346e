import type { Schema } from 'effect'
import type { Address, Context, PeerSignal, TimerTag } from './actor.ts'
import type { ComputeOutcome, ComputeTag } from './compute.ts'

/**
 * One subsystem of a node (peer, identity, consensus, reputation, learning, …), run with the others
 * as one actor by `Composite` (core/composite.ts). A component sees a context scoped to it:
 * - its timer tags and storage keys live in a namespace of their own (its `name`), so two components
 *   can use the same tag or key and never see each other's;
 * - its random stream is `random.split(name)`: adding a component shifts no other component's draws;
 * - its trace events carry `component: name`;
 * - what it sends carries its `protocol` id on the wire (`{ p: 'kad/1', m: message }`), and what
 *   arrives under that id is decoded through its `inbox` and handed to its `receive`.
 * Components of one node talk to each other by typed, synchronous calls on the instances they were
 * built with (`new Thing(init, { identity, kad })`: settings, then dependencies), never through the network (docs/architecture.md says why).
 * A component keeps the scoped context `start` gives it for the calls it serves: that context, not
 * the caller's, is the one its timers, storage and sends must go through.
 */
export interface Component<In = unknown> {
  /** Unique within a node; lowercase letters, digits and dashes (it prefixes timer tags and storage keys). */
  readonly name: string
  /**
   * The protocol id its messages carry (`kad/1`, `bft/1`): lowercase name, a slash, a version. Absent
   * for a component that sends and receives nothing over the network.
   */
  readonly protocol?: string
  /** The schema of what it receives under its protocol; required with `protocol`. */
  readonly inbox?: Schema.Decoder<In>
  /** Called at boot and after every restart, in the order the components were given. */
  start?(ctx: Context): void
  receive?(message: In, from: Address, ctx: Context): void
  timer?(tag: TimerTag, ctx: Context): void
  /** The outcome of a `ctx.compute` this component asked under `tag` (its own namespace, like timer tags). */
  computed?(tag: ComputeTag, outcome: ComputeOutcome, ctx: Context): void
  /** Misbehaviour the runtime saw below the actor; every component that takes it gets it. */
  signal?(signal: PeerSignal, ctx: Context): void
}

/** A component name: what may prefix a timer tag and a storage key unambiguously. */
export const COMPONENT_NAME = /^[a-z][a-z0-9-]{0,31}$/
/** A protocol id: `name/version`, e.g. `kad/1`. */
export const PROTOCOL_ID = /^[a-z][a-z0-9-]{0,31}\/[0-9]{1,4}$/
