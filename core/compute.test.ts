import { Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkTimerDelay, type Context } from './actor.ts'
import type { Component } from './component.ts'
import { Composite } from './composite.ts'
import { HASH_CHAIN, HASH_CHAIN_MS_PER_ROUND } from './compute-hash-chain.ts'
import { RUNAWAY, RUNAWAY_MAX_MS } from './compute.fixtures.ts'
import { acceptJob, DEFAULT_JOB_MAX_MS, defineJob, job, runJob, simulateJob, type ComputeOutcome, type ComputeTag } from './compute.ts'
import { blake2b } from './hash.ts'
import { ManualContext } from './manual-context.ts'

describe('compute jobs', () => {
  it('a hash chain is BLAKE2b-256 applied `rounds` times, costed per round', () => {
    const seed = new Uint8Array([1, 2, 3])
    expect(runJob(HASH_CHAIN, { seed, rounds: 0 })).toEqual({ ok: true, value: seed })
    expect(runJob(HASH_CHAIN, { seed, rounds: 2 })).toEqual({ ok: true, value: new Uint8Array(blake2b(blake2b(seed))) })
    expect(acceptJob(job(HASH_CHAIN, { seed, rounds: 4_000 })).costMs).toBeCloseTo(4_000 * HASH_CHAIN_MS_PER_ROUND, 9)
  })

  it('a job that throws is an outcome, not an exception; its value comes back cloned (a Buffer as a Uint8Array)', () => {
    expect(runJob(HASH_CHAIN, { seed: 'text' as never, rounds: 1 })).toEqual({ ok: false, reason: 'threw', error: 'hash-chain/1: seed must be bytes' })
    const value = runJob(HASH_CHAIN, { seed: new Uint8Array(1), rounds: 1 })
    expect(value.ok && (value.value as object).constructor).toBe(Uint8Array)
  })

  it('in simulation, a job whose modelled cost is past its deadline is not run: it fails with `deadline` at the deadline', () => {
    const runaway = acceptJob(job(RUNAWAY, 0))
    expect(runaway.maxMs).toBe(RUNAWAY_MAX_MS)
    // Run, it would never return.
    expect(simulateJob(runaway)).toEqual({ afterMs: RUNAWAY_MAX_MS, outcome: { ok: false, reason: 'deadline', error: `test-runaway/1: still running at its deadline of ${RUNAWAY_MAX_MS} ms; it was stopped` } })
    const chain = acceptJob(job(HASH_CHAIN, { seed: new Uint8Array(1), rounds: 10 }))
    expect(chain.maxMs).toBe(DEFAULT_JOB_MAX_MS)
    expect(simulateJob(chain).afterMs).toBe(chain.costMs)
  })

  it('a deadline is finite and > 0', () => {
    for (const maxMs of [0, -1, Number.NaN, Infinity]) {
      expect(() => defineJob({ name: `bad-deadline-${maxMs}/1`, module: import.meta.url, run: (n: number) => n, costMs: () => 0, maxMs })).toThrow(RangeError)
    }
  })

  it('a kind name belongs to one module', () => {
    const spec = { name: HASH_CHAIN.name, module: 'file:///elsewhere.ts', run: (n: number) => n, costMs: () => 0 }
    expect(() => defineJob(spec)).toThrow(/defined twice/)
  })

  it('a timer delay is accepted exactly when it is a finite number ≥ 0', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, Number.MIN_VALUE, -Number.MIN_VALUE)), (delay) => {
        let threw = false
        try {
          checkTimerDelay(delay)
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError)
          threw = true
        }
        expect(threw).toBe(!(Number.isFinite(delay) && delay >= 0))
      }),
    )
  })
})

/** A component that proves a hash chain at start and records the outcome it gets back, under its own tag. */
class Prover implements Component {
  readonly outcomes: { tag: ComputeTag; outcome: ComputeOutcome }[] = []
  constructor(
    readonly name: string,
    private readonly rounds: number,
  ) {}
  start(ctx: Context): void {
    ctx.compute(job(HASH_CHAIN, { seed: new Uint8Array(32), rounds: this.rounds }), 'proof')
  }
  computed(tag: ComputeTag, outcome: ComputeOutcome): void {
    this.outcomes.push({ tag, outcome })
  }
}

describe('compute in a composite', () => {
  it('each outcome reaches the component that asked, under the tag it gave, though both gave the same tag', () => {
    const a = new Prover('a', 1)
    const b = new Prover('b', 2)
    const node = new Composite([a, b, { name: 'idle', inbox: Schema.Struct({}) }])
    const ctx = new ManualContext()
    node.start(ctx)
    expect([...ctx.computations.values()].map((c) => c.tag)).toEqual(['a:1/proof', 'b:1/proof'])
    ctx.drive(node, 1)
    expect(a.outcomes).toEqual([{ tag: 'proof', outcome: runJob(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 1 }) }])
    expect(b.outcomes).toEqual([{ tag: 'proof', outcome: runJob(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 2 }) }])
    expect(() => node.computed('nobody/proof', { ok: true, value: 1 }, ctx)).toThrow(/belongs to no component/)
  })
})
