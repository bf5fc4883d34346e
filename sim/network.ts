import { ConfigError } from '../core/errors.ts'
import type { LatencyModel } from './latency.ts'

export interface NetworkConfig {
  readonly latency: LatencyModel
  /**
   * Extra one-way latency between regions in ms, e.g. `{ eu: { us: 40 } }`. A pair given one way holds
   * both ways; a missing pair adds nothing.
   */
  readonly regionLatencyMs?: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Probability that a message is lost. */
  readonly loss: number
  /** Probability that a message is delivered twice (the copy takes its own latency draw). */
  readonly duplicate: number
  /** Probability that a message is held back by up to `reorderDelayMs` extra. */
  readonly reorder: number
  readonly reorderDelayMs: number
}

/** The default fault model: WAN-like latency (median 20 ms), 1% loss, 0.5% duplication, 1% reordering. */
export const DEFAULT_NETWORK: NetworkConfig = {
  latency: { kind: 'lognormal', medianMs: 20, sigma: 0.5 },
  loss: 0.01,
  duplicate: 0.005,
  reorder: 0.01,
  reorderDelayMs: 100,
}

/** A network that only delays: no loss, no duplicates, no reordering beyond latency jitter. */
export const RELIABLE_NETWORK: NetworkConfig = {
  latency: { kind: 'uniform', minMs: 1, maxMs: 10 },
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 0,
}

/** The group of a slot a partition leaves alone (in no group, with `rest: "untouched"`). */
const UNTOUCHED = -1

/**
 * The mutable state of the simulated network: regions, active partitions and clogs. Nodes are numbered
 * slots; draws come from the caller's (the sender's) random stream.
 */
export class NetworkState {
  private readonly regionIds = new Map<string, number>()
  private regionMatrix: Float64Array = new Float64Array(0)
  /** Each active partition: the group of every slot, and whether it cuts only from earlier groups to later ones. */
  private readonly partitions = new Map<string, { readonly membership: Int32Array; readonly oneWay: boolean; readonly rest: number }>()
  private readonly nodeClogs = new Map<number, number>()
  private readonly linkClogs = new Map<string, number>()

  constructor(readonly config: NetworkConfig) {
    for (const [name, p] of [['loss', config.loss], ['duplicate', config.duplicate], ['reorder', config.reorder]] as const) {
      if (!(p >= 0 && p <= 1)) throw new ConfigError(`network.${name} must be a probability in [0, 1], got ${p}`)
    }
    const regions = config.regionLatencyMs ?? {}
    for (const [a, row] of Object.entries(regions)) {
      for (const [b, ms] of Object.entries(row)) {
        if (!(ms >= 0)) throw new ConfigError(`network.regionLatencyMs.${a}.${b} must be ≥ 0, got ${ms}`)
        this.setRegionLatency(this.region(a), this.region(b), ms)
      }
    }
  }

  /** The number of a region, registering it on first use. */
  region(name: string): number {
    let id = this.regionIds.get(name)
    if (id === undefined) {
      id = this.regionIds.size
      this.regionIds.set(name, id)
      this.growMatrix()
    }
    return id
  }

  regionLatency(a: number, b: number): number {
    return this.regionMatrix[a * this.regionIds.size + b] as number
  }

  get partitioned(): boolean {
    return this.partitions.size > 0
  }

  /**
   * Cuts the network into `groups` (slot lists); slots in no group form one more group together, the
   * last, or with `restUntouched` are cut from no one. With `oneWay`, only messages from a group to a
   * later group are cut.
   */
  partition(id: string, groups: readonly (readonly number[])[], slotCount: number, oneWay = false, restUntouched = false): void {
    const membership = new Int32Array(slotCount).fill(restUntouched ? UNTOUCHED : groups.length)
    groups.forEach((group, g) => {
      for (const slot of group) membership[slot] = g
    })
    this.partitions.set(id, { membership, oneWay, rest: restUntouched ? UNTOUCHED : groups.length })
  }

  /** Heals one partition, or all of them when `id` is undefined. */
  heal(id: string | undefined): void {
    if (id === undefined) this.partitions.clear()
    else this.partitions.delete(id)
  }

  /** Whether some active partition cuts what `from` sends to `to`. */
  separated(from: number, to: number): boolean {
    for (const { membership, oneWay, rest } of this.partitions.values()) {
      // A slot added after the partition began is in no group: with the rest.
      const gFrom = from < membership.length ? membership[from]! : rest
      const gTo = to < membership.length ? membership[to]! : rest
      if (gFrom === UNTOUCHED || gTo === UNTOUCHED) continue
      if (oneWay ? gFrom < gTo : gFrom !== gTo) return true
    }
    return false
  }

  /** Holds every message from or to `node` (or only those between node and `peer`) until `until`. */
  clog(node: number, peer: number | undefined, until: number): void {
    if (peer === undefined) this.nodeClogs.set(node, Math.max(until, this.nodeClogs.get(node) ?? 0))
    else {
      for (const key of [`${node}>${peer}`, `${peer}>${node}`]) this.linkClogs.set(key, Math.max(until, this.linkClogs.get(key) ?? 0))
    }
  }

  /** The earliest time a message from a to b may leave, given the clogs (0 when none apply). */
  clearAfter(a: number, b: number): number {
    if (this.nodeClogs.size === 0 && this.linkClogs.size === 0) return 0
    return Math.max(this.nodeClogs.get(a) ?? 0, this.nodeClogs.get(b) ?? 0, this.linkClogs.get(`${a}>${b}`) ?? 0)
  }

  private setRegionLatency(a: number, b: number, ms: number): void {
    const n = this.regionIds.size
    this.regionMatrix[a * n + b] = ms
    this.regionMatrix[b * n + a] = ms
  }

  private growMatrix(): void {
    const n = this.regionIds.size
    const next = new Float64Array(n * n)
    for (let a = 0; a < n - 1; a++) for (let b = 0; b < n - 1; b++) next[a * n + b] = this.regionMatrix[a * (n - 1) + b] as number
    this.regionMatrix = next
  }
}
