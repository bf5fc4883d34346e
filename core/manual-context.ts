import type { Address, Context, TimerId, TimerTag, TraceFields } from './actor.ts'
import { Random, type Seed } from './random.ts'
import { MemoryStorage } from './storage.ts'

/**
 * A Context driven by hand, for unit tests of actors and of the components inside them: the clock
 * moves only when told, randomness is seeded, storage is a MemoryStorage, and sends, broadcasts,
 * timers and trace events are recorded for the test to inspect.
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
  private clock = 0
  private nextTimer = 1

  constructor(
    readonly self: Address = 'test',
    seed: Seed = 1,
  ) {
    this.random = Random.fromSeed(seed).split(`manual:${self}`)
  }

  now(): number {
    return this.clock
  }

  /** Moves the clock forward by `ms` (timers are not fired: the test calls `timer` itself). */
  advance(ms: number): void {
    this.clock += ms
  }

  send(to: Address, message: unknown): void {
    this.sent.push({ to, message })
  }

  broadcast(message: unknown): void {
    this.broadcasts.push(message)
  }

  setTimer(delayMs: number, tag: TimerTag): TimerId {
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
}
