import { Result, Schema } from 'effect'
import { validate } from '../core/codec.ts'
import { ConfigError } from '../core/errors.ts'
import { parseConfigJson, refuseUnknownFields } from './config-json.ts'
import type { LatencyModel } from './latency.ts'
import type { NetworkConfig } from './network.ts'

/**
 * What one fsync costs on this machine: the storage bench's durable single writes run at ~4,400 a
 * second (docs/benchmarks.md, `storage`: FileStorage, one append and one fsync per sync), so ~0.23 ms
 * each, rounded to 0.25 ms. What a run that opts into sync costs (`syncCostMs`) is best given.
 */
export const MEASURED_SYNC_COST_MS = 0.25

/**
 * Syncs cost no virtual time unless a run asks: a cost moves every message sent after a write, so a
 * default above 0 would change the trace of every run recorded so far (and the hashes tests pin).
 */
export const DEFAULT_SYNC_COST_MS = 0

/** The longest sync a run may model (1 s: a disk that slow is a failed disk, a fault of its own). */
const MAX_SYNC_COST_MS = 1_000
/** The longest latency or reordering delay an environment may give (1 min: past it a link is down, a partition). */
const MAX_DELAY_MS = 60_000

const Probability = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const Delay = Schema.Number.check(Schema.isFinite(), Schema.isBetween({ minimum: 0, maximum: MAX_DELAY_MS }))

const LatencySchema = Schema.Union([
  Schema.Struct({ kind: Schema.Literal('constant'), ms: Delay }),
  Schema.Struct({ kind: Schema.Literal('uniform'), minMs: Delay, maxMs: Delay }),
  Schema.Struct({ kind: Schema.Literal('normal'), meanMs: Delay, sdMs: Delay }),
  Schema.Struct({ kind: Schema.Literal('lognormal'), medianMs: Delay, sigma: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 3 })) }),
  Schema.Struct({ kind: Schema.Literal('exponential'), meanMs: Delay }),
])

/**
 * The environment of a run, over what its scenario chose: the network's loss, duplication, reordering
 * and latency distribution, and what a sync costs. Plain data, so a run drawn by swarm testing
 * (sim/swarm.ts) replays from its command line (`--env`). A field left out keeps the scenario's.
 */
export const EnvironmentSchema = Schema.Struct({
  loss: Schema.optionalKey(Probability),
  duplicate: Schema.optionalKey(Probability),
  reorder: Schema.optionalKey(Probability),
  reorderDelayMs: Schema.optionalKey(Delay),
  latency: Schema.optionalKey(LatencySchema),
  syncCostMs: Schema.optionalKey(Schema.Number.check(Schema.isFinite(), Schema.isBetween({ minimum: 0, maximum: MAX_SYNC_COST_MS }))),
})
export type Environment = typeof EnvironmentSchema.Type

/** The scenario's network with the environment's fields in place of its own. */
export function withEnvironment(network: NetworkConfig, environment: Environment | undefined): NetworkConfig {
  if (environment === undefined) return network
  const { syncCostMs: _, latency, ...rest } = environment
  return { ...network, ...rest, latency: (latency as LatencyModel | undefined) ?? network.latency }
}

/** What a sync costs in a run: the environment's, else the run's own, else DEFAULT_SYNC_COST_MS. Throws ConfigError past the bounds. */
export function syncCostOf(environment: Environment | undefined, own: number | undefined): number {
  const cost = environment?.syncCostMs ?? own ?? DEFAULT_SYNC_COST_MS
  if (!(Number.isFinite(cost) && cost >= 0 && cost <= MAX_SYNC_COST_MS)) throw new ConfigError(`syncCostMs must be a number of ms from 0 to ${MAX_SYNC_COST_MS}, got ${cost}`)
  return cost
}

/** Parses an environment from JSON text (`--env`); a ConfigError says in one line what is wrong. */
export function parseEnvironment(json: string): Environment {
  const raw = parseConfigJson(json)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('expected a JSON object, like {"loss":0.1,"syncCostMs":0.25}')
  refuseUnknownFields(raw, EnvironmentSchema.fields, 'the environment')
  const decoded = validate(raw, EnvironmentSchema)
  if (Result.isFailure(decoded)) throw new ConfigError(decoded.failure.message.replace(/\s+/g, ' ').trim())
  return decoded.success
}
