import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { BlobTransfer } from '../actors/blob/blob-transfer.ts'
import type { Context, TimerTag } from '../core/actor.ts'
import { bytesEqual, toHex } from '../core/bytes.ts'
import type { Component } from '../core/component.ts'
import { Composite } from '../core/composite.ts'
import { blake2b } from '../core/hash.ts'
import { DEFAULT_NETWORK, type NetworkConfig } from './network.ts'
import { Simulation } from './simulation.ts'

const FIVE_MB = 5_000_000
const payload = Uint8Array.from({ length: FIVE_MB }, (_, i) => (i * 2654435761) >>> 24)
const hash = blake2b(payload)

/**
 * A subsystem that uses blobs: on the holder it puts the payload in the node's blob store at boot; on
 * the fetcher it asks for it 100 ms after boot, and records how that ended.
 */
class Learner implements Component {
  readonly name = 'learner'
  readonly outcomes: { ok: boolean; at: number; detail: string }[] = []
  constructor(
    private readonly blob: BlobTransfer,
    private readonly role: 'holder' | 'fetcher',
  ) {}

  start(ctx: Context): void {
    if (this.role === 'holder') this.blob.blobs().put(payload)
    else ctx.setTimer(100, 'fetch')
  }

  timer(_tag: TimerTag, ctx: Context): void {
    this.blob.fetch(hash, 'holder', (result) =>
      this.outcomes.push({ ok: Result.isSuccess(result), at: ctx.now(), detail: Result.isSuccess(result) ? toHex(result.success) : result.failure.message }),
    )
  }
}

function run(seed: number, network: NetworkConfig) {
  const nodes = new Map<string, { blob: BlobTransfer; learner: Learner }>()
  const sim = new Simulation({ seed, network })
  for (const role of ['holder', 'fetcher'] as const) {
    sim.addNode(role, () => {
      const blob = new BlobTransfer()
      const learner = new Learner(blob, role)
      nodes.set(role, { blob, learner })
      return new Composite([blob, learner])
    })
  }
  const result = sim.run({ untilMs: 120_000 })
  return { sim, result, fetcher: nodes.get('fetcher')!, holder: nodes.get('holder')! }
}

describe('blob/1 in the simulator', () => {
  it('a 5 MB blob crosses a simulated link intact, under heavy loss (re-asked for), duplication and reordering', () => {
    const { fetcher, holder, sim, result } = run(7, { ...DEFAULT_NETWORK, loss: 0.2, duplicate: 0.05, reorder: 0.05 })
    expect(fetcher.learner.outcomes).toHaveLength(1)
    expect(fetcher.learner.outcomes[0]).toMatchObject({ ok: true, detail: toHex(hash) })
    expect(bytesEqual(fetcher.blob.blobs().get(hash)!, payload)).toBe(true)
    // It is in the fetcher's durable storage under the component's namespace, once synced.
    sim.storage('fetcher').sync()
    expect(sim.storage('fetcher').blobs('blob/blobs').has(hash)).toBe(true)
    expect(holder.blob.stats()).toEqual({ fetches: 0, inFlight: 0, sessions: 0 })
    expect(result.stats.dropped.loss).toBeGreaterThan(0) // so chunks or requests were asked for again
    expect(result.stats.bytesDelivered).toBeGreaterThan(FIVE_MB)
  })

  it('is deterministic: the same seed gives the same trace hash', () => {
    const network = { ...DEFAULT_NETWORK, loss: 0.05 }
    expect(run(3, network).result.traceHash).toBe(run(3, network).result.traceHash)
  })
})
