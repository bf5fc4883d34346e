import type { Address } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { PUBLIC_KEY_BYTES } from '../../core/sign.ts'
import { MAX_COMMITTEE } from './messages.ts'

/**
 * The largest weight one member may have. Weights are whole vote units (stake or reputation rounded by
 * whoever builds the committee); 2^32 per member keeps a committee's total (≤ 256 × 2^32 = 2^40) an
 * exact integer, so every threshold below is exact arithmetic, never rounded.
 */
export const MAX_MEMBER_WEIGHT = 2 ** 32

/**
 * A bug planted on purpose, for testing the checker (sim/scenarios/bft.ts): `half-quorum` (`bft-unsafe`)
 * counts half the weight as a quorum, so two disjoint halves can each decide; `forget-lock`
 * (`bft-forgetful`) boots without the lock and votes it persisted, so after a restart it may vote
 * against what it voted before. Never set in a real node.
 */
export type PlantedBug = 'half-quorum' | 'forget-lock'

/** One validator of the committee, as genesis (or, later, the ledger at an epoch boundary) says. */
export interface Member {
  readonly address: Address
  readonly weight: number
  readonly publicKey: Uint8Array
}

/**
 * A committee fixed for an epoch: its members in order (a member is named on the wire by its index),
 * their weights, and the thresholds. A quorum is more than two thirds of the total weight; a
 * "blocking" set, more than one third (it holds at least one honest member while Byzantine weight is
 * below one third). Two quorums overlap in more than one third, so in an honest member: that is safety.
 */
export class Committee {
  readonly members: readonly Member[]
  /** The planted bug of the `bft-unsafe` scenario: a quorum of half the weight, as a crash-tolerant protocol counts. */
  private readonly halfQuorum: boolean
  readonly weights: Float64Array
  readonly total: number
  private readonly byAddress = new Map<Address, number>()

  constructor(members: readonly Member[], plantedBug?: PlantedBug) {
    this.halfQuorum = plantedBug === 'half-quorum'
    if (members.length === 0 || members.length > MAX_COMMITTEE) throw new ConfigError(`a committee has 1 to ${MAX_COMMITTEE} members, got ${members.length}`)
    const keys = new Set<string>()
    this.weights = new Float64Array(members.length)
    let total = 0
    members.forEach((m, i) => {
      if (!Number.isInteger(m.weight) || m.weight < 1 || m.weight > MAX_MEMBER_WEIGHT) throw new ConfigError(`member ${m.address}: a weight is a whole number from 1 to ${MAX_MEMBER_WEIGHT}, got ${m.weight}`)
      if (m.publicKey.length !== PUBLIC_KEY_BYTES) throw new ConfigError(`member ${m.address}: a public key is ${PUBLIC_KEY_BYTES} bytes, got ${m.publicKey.length}`)
      if (this.byAddress.has(m.address)) throw new ConfigError(`member ${m.address} is listed twice`)
      const key = toHex(m.publicKey)
      if (keys.has(key)) throw new ConfigError(`member ${m.address} shares its key with another member`)
      keys.add(key)
      this.byAddress.set(m.address, i)
      this.weights[i] = m.weight
      total += m.weight
    })
    this.members = members
    this.total = total
  }

  get size(): number {
    return this.members.length
  }

  indexOf(address: Address): number | undefined {
    return this.byAddress.get(address)
  }

  /** Whether `weight` is a quorum: more than two thirds of the total (3w > 2T, exact in integers). */
  isQuorum(weight: number): boolean {
    return this.halfQuorum ? 2 * weight >= this.total : 3 * weight > 2 * this.total
  }

  /** Whether `weight` is more than one third of the total: it includes an honest member. */
  isBlocking(weight: number): boolean {
    return 3 * weight > this.total
  }

  /**
   * The leader of (height, round): weighted round robin. Slot (h + r) mod T falls in one member's
   * share of [0, T), so over T consecutive slots each member leads as often as its weight says, and a
   * failed round hands the next round to the next slot's member.
   */
  proposer(height: number, round: number): number {
    let slot = (height + round) % this.total
    for (let i = 0; i < this.weights.length; i++) {
      slot -= this.weights[i] as number
      if (slot < 0) return i
    }
    return this.weights.length - 1
  }
}
