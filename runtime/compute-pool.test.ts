import { execFileSync } from 'node:child_process'
import { Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import type { Actor, Context, TimerTag } from '../core/actor.ts'
import { HASH_CHAIN } from '../core/compute-hash-chain.ts'
import { RUNAWAY, RUNAWAY_MAX_MS } from '../core/compute.fixtures.ts'
import { job, type ComputeOutcome } from '../core/compute.ts'
import { MemoryStorage } from '../core/storage.ts'
import { MemoryNetwork } from '../transports/memory.ts'
import { testSigner } from '../transports/test-signer.ts'
import { ComputePool } from './compute-pool.ts'
import { EXIT_THREAD, UNCLONEABLE } from './compute-pool.fixtures.ts'
import { NodeRuntime, type LogRecord } from './node-runtime.ts'

const chain = (rounds: number) => ({ seed: new Uint8Array(32), rounds })
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('ComputePool', () => {
  const pools: ComputePool[] = []
  const pool = (options: ConstructorParameters<typeof ComputePool>[0]) => {
    const p = new ComputePool(options)
    pools.push(p)
    return p
  }
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()))
  })

  it('runs jobs on workers, and past its queue bound answers at once with a clear failure', async () => {
    const p = pool({ workers: 1, maxQueued: 2 })
    const outcomes = [1, 2, 3, 4].map((rounds) => p.run(HASH_CHAIN, chain(rounds)))
    expect(p.pending).toBe(3) // one running, two waiting; the fourth was refused
    const [a, b, c, refused] = await Promise.all(outcomes)
    for (const outcome of [a, b, c]) expect(outcome!.ok).toBe(true)
    expect(refused).toEqual({ ok: false, reason: 'queue-full', error: 'hash-chain/1: the compute queue is full (2 jobs waiting for 1 workers)' })
    expect(p.pending).toBe(0)
  })

  it('turns a job that throws, a value that cannot be posted and a worker that dies into failures, and goes on', async () => {
    const p = pool({ workers: 1 })
    const [thrown, uncloneable, died, after] = await Promise.all([
      p.run(HASH_CHAIN, chain(-1)),
      p.run(UNCLONEABLE, 1),
      p.run(EXIT_THREAD, 3),
      p.run(HASH_CHAIN, chain(1)),
    ])
    expect(thrown).toMatchObject({ ok: false, reason: 'threw', error: expect.stringMatching(/^hash-chain\/1: rounds must be/) })
    expect(uncloneable).toMatchObject({ ok: false, reason: 'threw', error: expect.stringMatching(/^test-uncloneable\/1: .*could not be cloned/) })
    expect(died).toEqual({ ok: false, reason: 'worker-died', error: 'test-exit-thread/1: the worker running it died (exited with code 3)' })
    expect(after.ok).toBe(true)
  })

  it('terminates a worker still running a job at its deadline, fails the job with `deadline`, and runs the next on a new worker', async () => {
    const p = pool({ workers: 1 })
    const runaway = p.run(RUNAWAY, 0)
    const next = p.run(HASH_CHAIN, chain(1))
    expect(p.pending).toBe(2)
    expect(await runaway).toEqual({ ok: false, reason: 'deadline', error: `test-runaway/1: still running at its deadline of ${RUNAWAY_MAX_MS} ms; it was stopped` })
    expect(await next).toMatchObject({ ok: true })
    expect(p.threads).toBe(1)
    expect(p.pending).toBe(0)
  }, 30_000)

  it('on close, fails what is running or waiting and refuses what comes after', async () => {
    const p = pool({ workers: 1 })
    const running = p.run(HASH_CHAIN, chain(1 << 22))
    const waiting = p.run(HASH_CHAIN, chain(1))
    expect(p.threads).toBe(1)
    await p.close()
    expect(p.threads).toBe(0)
    expect(await running).toEqual({ ok: false, reason: 'closed', error: 'hash-chain/1: the compute pool closed' })
    expect(await waiting).toEqual({ ok: false, reason: 'closed', error: 'hash-chain/1: the compute pool closed' })
    expect(await p.run(HASH_CHAIN, chain(1))).toEqual({ ok: false, reason: 'closed', error: 'hash-chain/1: the compute pool is closed' })
  })

  it('runs jobs in a process started as `node --expose-gc --input-type=module -e SCRIPT` (whose options a worker inherits)', async () => {
    const pool = JSON.stringify(new URL('./compute-pool.ts', import.meta.url).pathname)
    const chainKind = JSON.stringify(new URL('../core/compute-hash-chain.ts', import.meta.url).pathname)
    const script = `import { ComputePool } from ${pool}; import { HASH_CHAIN } from ${chainKind}
      const p = new ComputePool({ workers: 1 }); const outcome = await p.run(HASH_CHAIN, { seed: new Uint8Array(32), rounds: 1 }); await p.close()
      process.stdout.write(JSON.stringify({ ok: outcome.ok, reason: outcome.reason }))`
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ ok: true })
  }, 60_000)

  it('refuses a pool without workers or with a negative queue', () => {
    expect(() => new ComputePool({ workers: 0 })).toThrow(RangeError)
    expect(() => new ComputePool({ maxQueued: -1 })).toThrow(RangeError)
  })
})

/** Runs a long hash chain and ticks a 5 ms timer meanwhile, recording the order of what arrives. */
class Busy implements Actor {
  readonly inbox = Schema.Struct({})
  readonly arrivals: (TimerTag | ComputeOutcome)[] = []
  start(ctx: Context): void {
    ctx.compute(job(HASH_CHAIN, chain(1 << 19)), 'long') // ~0.3 s of one core here; longer under load
    ctx.setTimer(5, 'tick')
  }
  receive(): void {}
  timer(tag: TimerTag, ctx: Context): void {
    this.arrivals.push(tag)
    if (this.arrivals.length < 1_000) ctx.setTimer(5, 'tick')
  }
  computed(_tag: unknown, outcome: ComputeOutcome): void {
    this.arrivals.push(outcome)
  }
}

describe('NodeRuntime compute', () => {
  it('runs off the event loop: timers keep firing while a long job runs, and the outcome arrives as an input', async () => {
    const actor = new Busy()
    const logs: LogRecord[] = []
    const runtime = new NodeRuntime({ actor, transport: new MemoryNetwork().transport(testSigner(1)), storage: new MemoryStorage(), log: (r) => logs.push(r) })
    runtime.start()
    while (!actor.arrivals.some((a) => typeof a === 'object')) await tick(10)
    await runtime.stop()
    const outcomeAt = actor.arrivals.findIndex((a) => typeof a === 'object')
    // Had the job run on the event loop, no timer could fire before its outcome.
    expect(outcomeAt).toBeGreaterThanOrEqual(3)
    expect(actor.arrivals[outcomeAt]).toMatchObject({ ok: true })
    expect(logs.filter((l) => l.event === 'actor-error')).toEqual([])
  })

  it('delivers nothing after stop: a job under way is dropped', async () => {
    const actor = new Busy()
    const runtime = new NodeRuntime({ actor, transport: new MemoryNetwork().transport(testSigner(1)), storage: new MemoryStorage(), log: () => {} })
    runtime.start()
    await tick(20)
    await runtime.stop()
    const seen = actor.arrivals.length
    await tick(50)
    expect(actor.arrivals.length).toBe(seen)
    expect(actor.arrivals.some((a) => typeof a === 'object')).toBe(false)
  })
})
