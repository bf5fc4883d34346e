import type { Schema } from 'effect'
import { createActor, type ActorOptions, type AnyStateMachine, type Actor as XstateActor, type EventFromLogic, type InputFrom, type SnapshotFrom } from 'xstate'
import type { Actor, Address, Context, TimerId, TimerTag } from './actor.ts'
import type { Component } from './component.ts'

export interface MachineActorOptions<In, M extends AnyStateMachine> {
  /** Its component name, when it runs inside a composite (core/composite.ts); default `machine`. */
  readonly name?: string
  /** The protocol id it receives under inside a composite (`bft/1`). */
  readonly protocol?: string
  readonly inbox: Schema.Decoder<In>
  /**
   * Builds the machine for one incarnation of the actor. Its actions reach the outside world only
   * through `ctx` (send, storage, trace), which they close over.
   */
  machine(ctx: Context): M
  /** Turns a decoded inbound message into a machine event. */
  toEvent(message: In, from: Address): EventFromLogic<M>
  input?(ctx: Context): InputFrom<M>
}

/**
 * An xstate v5 machine run as an actor, or as one component of a composite; its delayed transitions
 * are timers on the context's clock. Its timer tags are its own sequence numbers: inside a composite
 * they live in the component's namespace, so other components' timers never reach it.
 */
export class MachineActor<In, M extends AnyStateMachine> implements Actor<In>, Component<In> {
  readonly name: string
  readonly protocol?: string
  readonly inbox: Schema.Decoder<In>
  private running: XstateActor<M> | undefined
  // Timer tags are local sequence numbers; each maps to xstate's callback and the runtime's timer.
  private readonly pending = new Map<number, { fire: () => void; id: TimerId }>()
  private nextTag = 0

  constructor(private readonly options: MachineActorOptions<In, M>) {
    this.name = options.name ?? 'machine'
    if (options.protocol !== undefined) this.protocol = options.protocol
    this.inbox = options.inbox
  }

  start(ctx: Context): void {
    // A start begins an incarnation: no timer of an earlier one is pending any more.
    this.pending.clear()
    this.nextTag = 0
    const clock = {
      setTimeout: (fire: () => void, delayMs: number): number => {
        const tag = this.nextTag++
        this.pending.set(tag, { fire, id: ctx.setTimer(delayMs, tag) })
        return tag
      },
      clearTimeout: (tag: number): void => {
        const entry = this.pending.get(tag)
        if (entry === undefined) return
        this.pending.delete(tag)
        ctx.cancelTimer(entry.id)
      },
    }
    const input = this.options.input?.(ctx)
    // createActor's options type is conditional on the machine; the generic M cannot satisfy it here.
    const create = createActor as (logic: M, options: ActorOptions<M>) => XstateActor<M>
    this.running = create(this.options.machine(ctx), input === undefined ? { clock } : { clock, input })
    this.running.start()
  }

  receive(message: In, from: Address): void {
    this.machine().send(this.options.toEvent(message, from))
  }

  timer(tag: TimerTag): void {
    const entry = typeof tag === 'number' ? this.pending.get(tag) : undefined
    if (entry === undefined) return
    this.pending.delete(tag as number)
    entry.fire()
  }

  /** The machine's current snapshot (state value and context), for invariants and tests. */
  get snapshot(): SnapshotFrom<M> {
    return this.machine().getSnapshot()
  }

  private machine(): XstateActor<M> {
    if (this.running === undefined) throw new Error('MachineActor used before start(ctx)')
    return this.running
  }
}
