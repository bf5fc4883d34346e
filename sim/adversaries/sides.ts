import type { Address } from '../../core/actor.ts'
import type { Random } from '../../core/random.ts'

/**
 * Which side of a split each peer is on, drawn once per peer with even odds and kept, so a peer always
 * hears the same version. Only nodes of the run get a side (`known`): an address no node has, which a
 * stranger can make up in a reply, gets none and takes no memory, so the map is bounded by the run's
 * nodes.
 */
export class Sides {
  private readonly drawn = new Map<Address, boolean>()

  constructor(
    private readonly random: Random,
    private readonly known: (address: Address) => boolean,
  ) {}

  /** Whether `peer` is on the lied-to side; false for an address no node of the run has. */
  deceived(peer: Address): boolean {
    let side = this.drawn.get(peer)
    if (side !== undefined) return side
    if (!this.known(peer)) return false
    this.drawn.set(peer, (side = this.random.next() < 0.5))
    return side
  }
}
