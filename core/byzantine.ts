import type { Address } from './actor.ts'
import type { Random } from './random.ts'

/**
 * What a protocol tells the simulator's Byzantine behaviours (sim/adversaries) about how to lie: only
 * the protocol knows what a wrong answer looks like (a poisoned update, a false vote, a routing answer
 * full of Sybils), so a component may expose one, and the `lie`, `equivocate` and `collude` behaviours
 * send it in place of the true message. Never called in a real node: an honest node runs the same code
 * and nothing asks it to lie.
 */
export interface Liar {
  /**
   * A wrong version of `message`, about to go to `to`, or undefined when this message has none (it is
   * then sent as it is). It may sign what it returns with the node's own keys: a Byzantine node holds
   * them. It must not change the node's state: the true message may go to other peers.
   */
  lie(message: unknown, to: Address, lies: LieContext): unknown
}

/** What a lie may draw on. */
export interface LieContext {
  /** The adversary's own stream (not the actor's: lying must not shift the honest code's draws). */
  readonly random: Random
  /** The other nodes the adversary controls and coordinates with (colluders and Sybils); empty for a lone liar. */
  readonly accomplices: readonly Address[]
  /**
   * One number every colluder of a run sees alike, so that lies agree without talking (every colluder
   * votes for the same wrong value); a lone liar has its own.
   */
  readonly shared: number
  /**
   * What the adversary's controller saw lately of its colluders' traffic, oldest first: every message a
   * colluder sent or received (a bounded window), so a lie can build on what the others heard. Empty
   * for a lone liar.
   */
  overheard(): readonly Overheard[]
}

/** One message between a colluder and anyone, as the adversary's controller saw it. */
export interface Overheard {
  readonly from: Address
  readonly to: Address
  readonly message: unknown
}

/** The lie hook of an actor or component, when it has one. */
export function liarOf(value: unknown): Liar | undefined {
  const lie = (value as Partial<Liar> | undefined)?.lie
  return typeof lie === 'function' ? (value as Liar) : undefined
}
