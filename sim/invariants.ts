import type { Actor, Address } from '../core/actor.ts'
import type { MemoryStorage } from '../core/storage.ts'
import type { Seed } from '../core/random.ts'
import type { FaultSchedule } from './faults.ts'

/** What an invariant may look at: the whole simulated world, read-only by convention. */
export interface SimulationView {
  readonly now: number
  readonly events: number
  addresses(): readonly Address[]
  isUp(address: Address): boolean
  /** The running actor at `address` (undefined while crashed or before boot). */
  actor<A extends Actor<any> = Actor<unknown>>(address: Address): A | undefined
  storage(address: Address): MemoryStorage
}

export interface Invariant {
  readonly name: string
  /** `always` (the default): checked after every event; `end`: once, when the run stops. */
  readonly when?: 'always' | 'end'
  /** A message describing the violation, or undefined when the invariant holds. */
  check(view: SimulationView): string | undefined
}

/** A broken invariant (or an actor that threw), with everything needed to replay the run. */
export interface Violation {
  readonly invariant: string
  readonly message: string
  readonly seed: Seed
  /** The number of events processed when it was detected. */
  readonly step: number
  readonly timeMs: number
  readonly faults: FaultSchedule
}
