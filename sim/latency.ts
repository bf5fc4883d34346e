import type { Random } from '../core/random.ts'

/** How long a message takes on one link, before region offsets and clogging. Milliseconds. */
export type LatencyModel =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'normal'; readonly meanMs: number; readonly sdMs: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number }
  | { readonly kind: 'exponential'; readonly meanMs: number }

/** A latency draw in milliseconds, never negative. */
export function sampleLatency(model: LatencyModel, random: Random): number {
  switch (model.kind) {
    case 'constant':
      return model.ms
    case 'uniform':
      return model.minMs + random.next() * (model.maxMs - model.minMs)
    case 'normal':
      return Math.max(0, random.normal(model.meanMs, model.sdMs))
    case 'lognormal':
      return model.medianMs * Math.exp(random.normal(0, model.sigma))
    case 'exponential':
      return random.exponential(model.meanMs)
  }
}
