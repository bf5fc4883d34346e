import type { Address } from '../../core/actor.ts'
import type { Overheard } from '../../core/byzantine.ts'
import type { Random } from '../../core/random.ts'
import { Ring } from './ring.ts'
import { Sides } from './sides.ts'

/** What the controller remembers of its colluders' traffic: enough for a lie about the current round. */
export const DEFAULT_COLLUSION_MEMORY = 256

/**
 * The adversary's controller in one run: it sees every colluder's traffic, splits the honest nodes into
 * two sides once for all colluders (so they all tell one side the same story), and gives them one
 * shared number to agree on their lies without talking.
 */
export class Collusion {
  private readonly members: Address[] = []
  private readonly memberSet = new Set<Address>()
  private readonly sides: Sides
  private readonly overheard = new Ring<Overheard>(DEFAULT_COLLUSION_MEMORY)
  readonly shared: number

  /** `known`: whether an address is a node of the run (see Sides). */
  constructor(random: Random, known: (address: Address) => boolean) {
    this.shared = random.int(2 ** 31)
    this.sides = new Sides(random, known)
  }

  join(address: Address): void {
    if (this.memberSet.has(address)) return
    this.memberSet.add(address)
    this.members.push(address)
  }

  /** A colluder whose last collude window ended: honest again, no accomplice, and lied to like any node. */
  leave(address: Address): void {
    if (!this.memberSet.delete(address)) return
    this.members.splice(this.members.indexOf(address), 1)
  }

  has(address: Address): boolean {
    return this.memberSet.has(address)
  }

  /** The colluders other than `self`, in the order they joined. */
  accomplicesOf(self: Address): readonly Address[] {
    return this.members.filter((m) => m !== self)
  }

  /** Whether `honest` is lied to: on the lied-to side, or anyone with `all` (colluders never are). */
  deceives(honest: Address, whom: 'half' | 'all' = 'half'): boolean {
    if (this.memberSet.has(honest)) return false
    if (whom === 'all') return true
    return this.sides.deceived(honest)
  }

  overhear(entry: Overheard): void {
    this.overheard.push(entry)
  }

  /** The colluders' recent traffic, oldest first. */
  recent(): readonly Overheard[] {
    return this.overheard.items()
  }
}
