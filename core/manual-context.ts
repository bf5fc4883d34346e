import { Result } from 'effect'
import { checkTimerDelay, type Actor, type Address, type Context, type TimerId, type TimerTag, type TraceFields } from './actor.ts'
import { decodeFrame, encode } from './codec.ts'
import { acceptJob, simulatedAfterMs, simulateJob, type AcceptedJob, type ComputeJob, type ComputeOutcome, type ComputeTag } from './compute.ts'
import { Random, type Seed } from './random.ts'
import { MemoryStorage } from './storage.ts'

/**
 * A `ctx.compute` request ManualContext recorded: due `costMs` after it was asked (or `maxMs`, when the
 * cost is past it), as in the simulator.
 */
export interface ManualComputation extends AcceptedJob {
  readonly at: number
  readonly tag: ComputeTag
}

/**
 * A Context driven by hand, for unit tests of actors and of the components inside them: the clock
 * moves only when told, randomness is seeded, storage is a MemoryStorage, and sends, broadcasts,
 * timers, computations and trace events are recorded for the test to inspect. A test either plays the
 * inputs itself (`advance`, then `actor.timer(…)`), or lets `drive` deliver them in the simulator's
 * order.
 */
export class ManualContext implements Context {
  readonly random: Random
  readonly storage = new MemoryStorage()
  readonly sent: { to: Address; message: unknown }[] = []
  readonly broadcasts: unknown[] = []
  readonly traces: TraceFields[] = []
  readonly timers = new Map<TimerId, { at: number; tag: TimerTag }>()
  /** The keys bound to addresses, as a runtime binds them (`keyOf`): the test fills it. */
  readonly keys = new Map<Address, Uint8Array>()
  readonly computations = new Map<number, ManualComputation>()
  /** Messages sent to `self` and not yet delivered by `drive`. */
  private readonly loopback: unknown[] = []
  private clock = 0
  private nextTimer = 1
  private nextComputation = 1

  constructor(
    readonly self: Address = 'test',
    seed: Seed = 1,
    /** Which addresses a send can reach; the others are dropped as `unknown-address`. Default: all. */
    private readonly reachable: (address: Address) => boolean = () => true,
  ) {
    this.random = Random.fromSeed(seed).split(`manual:${self}`)
  }

  now(): number {
    return this.clock
  }

  /** Moves the clock forward by `ms` (timers are not fired: the test calls `timer` itself, or `drive`). */
  advance(ms: number): void {
    this.clock += ms
  }

  send(to: Address, message: unknown): void {
    if (to !== this.self && !this.reachable(to)) return this.trace({ event: 'send-dropped', reason: 'unknown-address', to })
    this.sent.push({ to, message })
    if (to === this.self) this.loopback.push(encode(message))
  }

  broadcast(message: unknown): void {
    this.broadcasts.push(message)
  }

  setTimer(delayMs: number, tag: TimerTag): TimerId {
    checkTimerDelay(delayMs)
    const id = this.nextTimer++
    this.timers.set(id, { at: this.clock + delayMs, tag })
    return id
  }

  cancelTimer(id: TimerId): void {
    this.timers.delete(id)
  }

  trace(event: TraceFields): void {
    this.traces.push(event)
  }

  keyOf(address: Address): Uint8Array | undefined {
    return this.keys.get(address)
  }

  compute<I>(job: ComputeJob<I>, tag: ComputeTag): void {
    const accepted = acceptJob(job)
    this.computations.set(this.nextComputation++, { ...accepted, at: this.clock + simulatedAfterMs(accepted), tag })
  }

  /**
   * Runs the recorded computation `id` now, whatever its cost, and forgets it: the test hands the outcome
   * on. As in the simulator, a job whose cost is past its deadline is not run and fails with `deadline`.
   */
  complete(id: number): { tag: ComputeTag; outcome: ComputeOutcome } {
    const computation = this.computations.get(id)
    if (computation === undefined) throw new RangeError(`no pending computation ${id}`)
    this.computations.delete(id)
    return { tag: computation.tag, outcome: simulateJob(computation).outcome }
  }

  /**
   * Plays `actor`'s inputs for `ms` of virtual time, in the simulator's order: messages to self first
   * (decoded through the inbox), then each timer or computation as the clock reaches it (earliest first;
   * at one instant, timers before computations, each in the order asked).
   */
  drive(actor: Actor<any>, ms = 0): void {
    const until = this.clock + ms
    for (;;) {
      const message = this.loopback.shift()
      if (message !== undefined) {
        const decoded = decodeFrame(message as Uint8Array, actor.inbox)
        if (Result.isSuccess(decoded)) actor.receive(decoded.success, this.self, this)
        else this.trace({ event: 'rejected', reason: decoded.failure.reason, detail: decoded.failure.message })
        continue
      }
      const timer = earliest(this.timers)
      const computation = earliest(this.computations)
      const next = timer !== undefined && (computation === undefined || timer[1].at <= computation[1].at) ? 'timer' : computation !== undefined ? 'compute' : undefined
      const at = next === 'timer' ? timer![1].at : next === 'compute' ? computation![1].at : Infinity
      if (at > until) break
      this.clock = Math.max(this.clock, at)
      if (next === 'timer') {
        this.timers.delete(timer![0])
        actor.timer?.(timer![1].tag, this)
      } else {
        const { tag, outcome } = this.complete(computation![0])
        actor.computed?.(tag, outcome, this)
      }
    }
    this.clock = until
  }
}

function earliest<V extends { at: number }>(pending: Map<number, V>): [number, V] | undefined {
  let best: [number, V] | undefined
  for (const entry of pending) if (best === undefined || entry[1].at < best[1].at) best = entry
  return best
}
