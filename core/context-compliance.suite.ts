import { Schema } from 'effect'
import fc from 'fast-check'
import type { Component } from './component.ts'
import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context, TimerTag, TraceFields } from './actor.ts'
import { HASH_CHAIN, HASH_CHAIN_MS_PER_ROUND } from './compute-hash-chain.ts'
import { RUNAWAY, RUNAWAY_MAX_MS } from './compute.fixtures.ts'
import { defineJob, job, type ComputeOutcome, type ComputeTag, type JobKind } from './compute.ts'
import { blake2b } from './hash.ts'

/**
 * Runs one node for the suite. `run` boots `actor` with a fresh context (fresh storage, a fresh seeded
 * stream where the context has seeds) and plays its inputs: for up to `ms` of virtual time in a
 * simulated context; in a real one until `done()` holds (then a little longer, so that what must not
 * happen has had its chance), failing after a generous wall-clock limit.
 */
export interface ContextHarness {
  /** Whether `ctx.random` is seeded: the same seed gives the same draws, run after run. */
  readonly seeded: boolean
  /** Whether time is virtual: a timer or a computation's cost moves the clock by exactly its amount. */
  readonly virtual: boolean
  /** An address this context can never reach. */
  readonly unknownAddress: Address
  run(actor: Actor<any>, ms: number, done: () => boolean): Promise<RunRecord>
}

/**
 * What a run recorded, as plain fields: the actor's trace events as it gave them, and every send the
 * context dropped as `{ event: 'send-dropped', reason, … }`, whatever the context's own log looks like.
 */
export interface RunRecord {
  readonly records: readonly TraceFields[]
}

const Probe = Schema.Struct({ n: Schema.Number })
type Probe = typeof Probe.Type

/** An actor made of the callbacks a test gives it, recording what reaches it. */
class ProbeActor implements Actor<Probe> {
  readonly inbox = Probe
  readonly received: { message: Probe; from: Address; during: boolean }[] = []
  readonly fired: { tag: TimerTag; at: number }[] = []
  readonly outcomes: { tag: ComputeTag; outcome: ComputeOutcome; at: number; during: boolean }[] = []
  /** Every input in the order it came: `message n` or `timer tag`. */
  readonly inputs: string[] = []
  /** Whether an input of this actor is being handled: a delivery inside one would be re-entrant. */
  private busy = false

  constructor(
    private readonly onStart: (ctx: Context) => void,
    private readonly onReceive: (message: Probe, ctx: Context) => void = () => {},
  ) {}

  start(ctx: Context): void {
    this.busy = true
    this.onStart(ctx)
    this.busy = false
  }

  receive(message: Probe, from: Address, ctx: Context): void {
    this.received.push({ message, from, during: this.busy })
    this.inputs.push(`message ${message.n}`)
    this.busy = true
    this.onReceive(message, ctx)
    this.busy = false
  }

  timer(tag: TimerTag, ctx: Context): void {
    this.fired.push({ tag, at: ctx.now() })
    this.inputs.push(`timer ${tag}`)
  }

  computed(tag: ComputeTag, outcome: ComputeOutcome, ctx: Context): void {
    this.outcomes.push({ tag, outcome, at: ctx.now(), during: this.busy })
  }
}

/** A kind whose cost model is broken: asking for it is a programming error, caught before it runs. */
const NAN_COST = defineJob<number, number>({ name: 'context-suite-nan-cost/1', module: import.meta.url, run: (n) => n, costMs: () => Number.NaN })

function caught(action: () => void): unknown {
  try {
    action()
    return undefined
  } catch (error) {
    return error
  }
}

function hashChain(seed: Uint8Array, rounds: number): Uint8Array {
  let digest = seed
  for (let i = 0; i < rounds; i++) digest = blake2b(digest)
  return new Uint8Array(digest)
}

/**
 * The Context compliance suite: the behaviour every context gives an actor (core/actor.ts,
 * docs/runtime.md *Context semantics*), checked against ManualContext, the simulator and NodeRuntime
 * alike, as the transport suite checks every transport, so that what passes in simulation behaves the
 * same in a real node.
 */
export function contextCompliance(name: string, harness: () => ContextHarness): void {
  describe(`${name} context compliance`, () => {
    it('now() never goes back, and moves forward with timers', async () => {
      const h = harness()
      let started = 0
      const reads: number[] = []
      const probe = new ProbeActor((ctx) => {
        started = ctx.now()
        for (let i = 0; i < 100; i++) reads.push(ctx.now())
        ctx.setTimer(20, 'a')
        ctx.setTimer(40, 'b')
      })
      await h.run(probe, 100, () => probe.fired.length === 2)
      for (let i = 1; i < reads.length; i++) expect(reads[i]).toBeGreaterThanOrEqual(reads[i - 1]!)
      const [a, b] = probe.fired
      expect(a!.at - started).toBeGreaterThanOrEqual(20)
      expect(b!.at - started).toBeGreaterThanOrEqual(40)
      expect(b!.at).toBeGreaterThanOrEqual(a!.at)
      if (h.virtual) expect([a!.at - started, b!.at - started]).toEqual([20, 40])
    })

    it('timers fire in delay order with their tags; a cancelled timer never fires', async () => {
      const h = harness()
      const probe = new ProbeActor((ctx) => {
        ctx.setTimer(60, 'c')
        ctx.setTimer(20, 'a')
        ctx.cancelTimer(ctx.setTimer(30, 'cancelled'))
        ctx.setTimer(40, 7)
        ctx.setTimer(0, 'now')
      })
      await h.run(probe, 100, () => probe.fired.length >= 4)
      expect(probe.fired.map((f) => f.tag)).toEqual(['now', 'a', 7, 'c'])
    })

    it('virtual time: any timers fire in (delay, order asked), cancelled ones never, each at exactly its delay', async () => {
      // Wall-clock contexts are left out: a millisecond tick between two setTimer calls can order two timers whose delays differ by one.
      if (!harness().virtual) return
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record({ delay: fc.integer({ min: 0, max: 100 }), cancel: fc.boolean() }), { maxLength: 30 }), async (plan) => {
          const probe = new ProbeActor((ctx) => {
            plan.forEach(({ delay, cancel }, i) => {
              const id = ctx.setTimer(delay, i)
              if (cancel) ctx.cancelTimer(id)
            })
          })
          await harness().run(probe, 200, () => true)
          const expected = plan
            .map((step, i) => ({ ...step, i }))
            .filter((step) => !step.cancel)
            .sort((x, y) => x.delay - y.delay || x.i - y.i)
          expect(probe.fired).toEqual(expected.map((step) => ({ tag: step.i, at: step.delay })))
        }),
        { numRuns: 50 },
      )
    })

    it('setTimer throws a RangeError at the call for a negative, NaN or infinite delay, and arms nothing', async () => {
      const h = harness()
      const errors: unknown[] = []
      const probe = new ProbeActor((ctx) => {
        for (const delay of [-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          errors.push(caught(() => ctx.setTimer(delay, `bad:${delay}`)))
        }
        ctx.setTimer(1, 'good')
      })
      await h.run(probe, 10, () => probe.fired.length >= 1)
      expect(errors).toHaveLength(5)
      for (const error of errors) expect(error).toBeInstanceOf(RangeError)
      expect(probe.fired.map((f) => f.tag)).toEqual(['good'])
    })

    it('a message to self arrives once, after the input that sent it, through the inbox, from self', async () => {
      const h = harness()
      let self = ''
      const probe = new ProbeActor(
        (ctx) => {
          self = ctx.self
          ctx.send(ctx.self, { n: 1 })
          ctx.send(ctx.self, { n: 'not a number' }) // fails the inbox: never reaches receive
          ctx.send(ctx.self, { n: 2 })
        },
        (message, ctx) => {
          if (message.n === 2) ctx.send(ctx.self, { n: 3 }) // a send from a delivery to self arrives too
        },
      )
      await h.run(probe, 10, () => probe.received.length >= 3)
      expect(probe.received.map((r) => r.message.n)).toEqual([1, 2, 3])
      for (const r of probe.received) {
        expect(r.from).toBe(self)
        expect(r.during).toBe(false)
      }
    })

    it('a message to self comes before a timer due at the same instant, whichever was asked first', async () => {
      const h = harness()
      const probe = new ProbeActor((ctx) => {
        ctx.setTimer(0, 'zero')
        ctx.send(ctx.self, { n: 1 })
      })
      await h.run(probe, 10, () => probe.inputs.length >= 2)
      expect(probe.inputs).toEqual(['message 1', 'timer zero'])
    })

    it('storage: put, get, keys by prefix in order, delete, sync', async () => {
      const h = harness()
      let seen: unknown
      const probe = new ProbeActor((ctx) => {
        const s = ctx.storage
        const bytes = new Uint8Array([1, 2, 3])
        s.put('b/2', bytes)
        s.put('a/1', new Uint8Array([9]))
        s.put('b/1', new Uint8Array([4]))
        bytes[0] = 99 // storage kept a copy
        const before = { b2: [...s.get('b/2')!], keys: s.keys('b/'), all: s.keys() }
        s.delete('b/1')
        s.sync()
        seen = { ...before, afterDelete: s.keys('b/'), gone: s.get('b/1'), missing: s.get('nothing') }
        ctx.setTimer(0, 'done')
      })
      await h.run(probe, 10, () => probe.fired.length === 1)
      expect(seen).toEqual({ b2: [1, 2, 3], keys: ['b/1', 'b/2'], all: ['a/1', 'b/1', 'b/2'], afterDelete: ['b/2'], gone: undefined, missing: undefined })
    })

    it('random: draws are numbers in range; seeded contexts repeat them, and split(name) ignores earlier draws', async () => {
      const draw = async () => {
        const drawn: { values: number[]; splitBefore: number[]; splitAfter: number[] } = { values: [], splitBefore: [], splitAfter: [] }
        const probe = new ProbeActor((ctx) => {
          drawn.splitBefore = [ctx.random.split('child').next(), ctx.random.split('child').next()]
          for (let i = 0; i < 20; i++) drawn.values.push(ctx.random.next())
          drawn.splitAfter = [ctx.random.split('child').next(), ctx.random.split('child').next()]
          ctx.setTimer(0, 'done')
        })
        await harness().run(probe, 10, () => probe.fired.length === 1)
        return drawn
      }
      const first = await draw()
      for (const value of first.values) expect(value >= 0 && value < 1).toBe(true)
      expect(new Set(first.values).size).toBeGreaterThan(15)
      if (!harness().seeded) return
      expect(await draw()).toEqual(first)
      expect(first.splitAfter).toEqual(first.splitBefore)
      expect(first.values).not.toContain(first.splitBefore[0])
    })

    it('trace events are recorded as the actor gave them', async () => {
      const h = harness()
      const probe = new ProbeActor((ctx) => {
        ctx.trace({ type: 'probe-started', n: 1 })
        ctx.setTimer(0, 'done')
      })
      const run = await h.run(probe, 10, () => probe.fired.length === 1)
      expect(run.records).toContainEqual(expect.objectContaining({ type: 'probe-started', n: 1 }))
    })

    it('a send to an unknown address is dropped without throwing and recorded as send-dropped, unknown-address', async () => {
      const h = harness()
      let error: unknown = 'not run'
      const probe = new ProbeActor((ctx) => {
        error = caught(() => ctx.send(h.unknownAddress, { n: 1 }))
        ctx.setTimer(0, 'done')
      })
      const run = await h.run(probe, 10, () => probe.fired.length === 1)
      expect(error).toBeUndefined()
      expect(run.records).toContainEqual(expect.objectContaining({ event: 'send-dropped', reason: 'unknown-address' }))
    })

    it('compute: the outcome arrives later as an input, under its tag, with the value the job gives', async () => {
      const h = harness()
      const rounds = 2_000
      const seed = new Uint8Array(32).fill(7)
      let started = 0
      let returned = false
      const probe = new ProbeActor((ctx) => {
        started = ctx.now()
        const input = { seed: seed.slice(), rounds }
        ctx.compute(job(HASH_CHAIN, input), 'chain')
        input.seed.fill(0) // the job got a copy
        input.rounds = 1
        ctx.compute(job(HASH_CHAIN, { seed, rounds: -1 }), 'bad-rounds')
        returned = true
      })
      await h.run(probe, 100, () => probe.outcomes.length === 2)
      expect(returned).toBe(true)
      const byTag = Object.fromEntries(probe.outcomes.map((c) => [c.tag, c]))
      expect(byTag.chain!.outcome).toEqual({ ok: true, value: hashChain(seed, rounds) })
      expect(byTag.chain!.during).toBe(false)
      expect(byTag['bad-rounds']!.outcome).toMatchObject({ ok: false, reason: 'threw', error: expect.stringContaining('hash-chain/1: rounds must be') })
      if (h.virtual) expect(byTag.chain!.at - started).toBeCloseTo(rounds * HASH_CHAIN_MS_PER_ROUND, 9)
    })

    it('compute: a job still running at its kind\'s deadline fails with `deadline`, and the jobs after it still run', async () => {
      const h = harness()
      let started = 0
      const probe = new ProbeActor((ctx) => {
        started = ctx.now()
        ctx.compute(job(RUNAWAY, 0), 'runaway')
        ctx.compute(job(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 1 }), 'after')
      })
      await h.run(probe, 10 * RUNAWAY_MAX_MS, () => probe.outcomes.length === 2)
      const byTag = Object.fromEntries(probe.outcomes.map((c) => [c.tag, c]))
      expect(byTag.runaway!.outcome).toEqual({ ok: false, reason: 'deadline', error: `test-runaway/1: still running at its deadline of ${RUNAWAY_MAX_MS} ms; it was stopped` })
      expect(byTag.after!.outcome).toEqual({ ok: true, value: hashChain(new Uint8Array(32), 1) })
      if (h.virtual) expect(byTag.runaway!.at - started).toBe(RUNAWAY_MAX_MS)
    })

    it('compute: a kind never defined, a bad cost or an input that cannot be cloned throws at the call', async () => {
      const h = harness()
      const errors: unknown[] = []
      const stray: JobKind<number, number> = { name: 'stray/1', module: import.meta.url, run: (n) => n, costMs: () => 0 }
      const probe = new ProbeActor((ctx) => {
        errors.push(caught(() => ctx.compute(job(stray, 1), 'stray')))
        errors.push(caught(() => ctx.compute(job(NAN_COST, 1), 'nan-cost')))
        errors.push(caught(() => ctx.compute(job(HASH_CHAIN, { seed: new Uint8Array(1), rounds: 1, extra: () => 1 } as never), 'uncloneable')))
        ctx.setTimer(20, 'done')
      })
      await h.run(probe, 50, () => probe.fired.length === 1)
      expect(errors.map((e) => (e as Error).name)).toEqual(['RangeError', 'RangeError', 'DataCloneError'])
      expect(probe.outcomes).toEqual([])
    })
  })
}

/** The suite's actor as the one component of a composite: its scoped context must behave alike. */
export function asComponent(actor: Actor<any>): Component {
  return {
    name: 'probe',
    protocol: 'probe/1',
    inbox: actor.inbox,
    start: (ctx) => actor.start?.(ctx),
    receive: (message, from, ctx) => actor.receive(message, from, ctx),
    timer: (tag, ctx) => actor.timer?.(tag, ctx),
    computed: (tag, outcome, ctx) => actor.computed?.(tag, outcome, ctx),
  }
}
