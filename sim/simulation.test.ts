import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context, PeerSignal } from '../core/actor.ts'
import { ConfigError } from '../core/errors.ts'
import { RELIABLE_NETWORK, type NetworkConfig } from './network.ts'
import { Simulation, type SimulationOptions } from './simulation.ts'
import type { TraceEvent } from './trace.ts'

const Msg = Schema.Struct({ n: Schema.Number, list: Schema.Array(Schema.Number) })
type Msg = typeof Msg.Type

/** Records what it receives; `script` runs at boot. */
class Recorder implements Actor<Msg> {
  readonly inbox = Msg
  readonly received: { from: Address; message: Msg; at: number }[] = []
  readonly signals: PeerSignal[] = []
  readonly fired: (string | number)[] = []
  constructor(private readonly script: (ctx: Context, self: Recorder) => void = () => {}) {}
  start(ctx: Context): void {
    this.script(ctx, this)
  }
  signal(signal: PeerSignal): void {
    this.signals.push(signal)
  }
  receive(message: Msg, from: Address, ctx: Context): void {
    this.received.push({ from, message, at: ctx.now() })
  }
  timer(tag: string | number): void {
    this.fired.push(tag)
  }
}

const constant = (ms: number): NetworkConfig => ({ ...RELIABLE_NETWORK, latency: { kind: 'constant', ms } })

function pair(script: (ctx: Context, self: Recorder) => void, options: Partial<SimulationOptions> = {}) {
  const sim = new Simulation({ seed: 1, network: constant(10), ...options })
  sim.addNode('a', () => new Recorder(script))
  sim.addNode('b', () => new Recorder())
  return sim
}

const received = (sim: Simulation, address: Address) => sim.actor<Recorder>(address)?.received ?? []

describe('Simulation', () => {
  it('delivers after the link latency, in virtual time', () => {
    const sim = pair((ctx) => ctx.send('b', { n: 1, list: [] }))
    const result = sim.run()
    expect(received(sim, 'b')).toEqual([{ from: 'a', message: { n: 1, list: [] }, at: 10 }])
    expect(result.stoppedBy).toBe('quiescent')
    expect(result.stats.bytesDelivered).toBeGreaterThan(0)
  })

  it('gives the receiver its own copy in bytes mode', () => {
    const sim = pair((ctx) => {
      const message = { n: 1, list: [1] }
      ctx.send('b', message)
      message.list.push(2)
    })
    sim.run()
    expect(received(sim, 'b')[0]?.message.list).toEqual([1])
  })

  it('freezes shared messages in frozen mode', () => {
    let threw = false
    const sim = pair(
      (ctx) => {
        const message = { n: 1, list: [1] }
        ctx.send('b', message)
        try {
          message.list.push(2)
        } catch {
          threw = true
        }
      },
      { isolation: 'frozen' },
    )
    sim.run()
    expect(threw).toBe(true)
    expect(Object.isFrozen(received(sim, 'b')[0]?.message.list)).toBe(true)
  })

  it('rejects a message that fails the receiver schema, without calling the actor', () => {
    const trace: TraceEvent[] = []
    const sim = pair((ctx) => ctx.send('b', { n: 'not a number' }), { onTrace: (e) => trace.push(e) })
    const result = sim.run()
    expect(received(sim, 'b')).toEqual([])
    expect(result.stats.rejected).toBe(1)
    expect(trace.find((e) => e.kind === 'reject')).toMatchObject({ from: 'a', to: 'b', reason: 'schema' })
    expect(sim.actor<Recorder>('b')?.signals).toMatchObject([{ peer: 'a', reason: 'schema' }]) // for reputation
  })

  it('drops messages to unknown addresses and says so', () => {
    const result = pair((ctx) => ctx.send('nobody', { n: 1, list: [] })).run()
    expect(result.stats.dropped['unknown-address']).toBe(1)
  })

  it('broadcasts to its LAN only', () => {
    const sim = new Simulation({ seed: 1, network: constant(1) })
    sim.addNode('a', () => new Recorder((ctx) => ctx.broadcast({ n: 7, list: [] })), { lan: 'x' })
    sim.addNode('b', () => new Recorder(), { lan: 'x' })
    sim.addNode('c', () => new Recorder(), { lan: 'y' })
    sim.run()
    expect(received(sim, 'a')).toEqual([])
    expect(received(sim, 'b')).toHaveLength(1)
    expect(received(sim, 'c')).toEqual([])
  })

  it('adds region latency from the matrix', () => {
    const sim = new Simulation({ seed: 1, network: { ...constant(10), regionLatencyMs: { eu: { us: 40 } } } })
    sim.addNode('a', () => new Recorder((ctx) => ctx.send('b', { n: 1, list: [] })), { region: 'us' })
    sim.addNode('b', () => new Recorder(), { region: 'eu' })
    sim.run()
    expect(received(sim, 'b')[0]?.at).toBe(50)
  })

  it('fires timers at their virtual time and not after cancellation', () => {
    const sim = pair((ctx) => {
      ctx.setTimer(100, 'kept')
      ctx.cancelTimer(ctx.setTimer(50, 'cancelled'))
    })
    const result = sim.run()
    expect(sim.actor<Recorder>('a')?.fired).toEqual(['kept'])
    expect(result.virtualTimeMs).toBe(100)
  })

  it('stops at the time limit with events still queued', () => {
    const sim = pair((ctx) => ctx.setTimer(1000, 't'))
    const result = sim.run({ untilMs: 500 })
    expect(result).toMatchObject({ stoppedBy: 'time', virtualTimeMs: 500 })
    expect(sim.run().virtualTimeMs).toBe(1000)
  })

  it('cuts links across a partition until it heals', () => {
    const sim = new Simulation({
      seed: 1,
      network: constant(10),
      faults: [
        { at: 150, kind: 'partition', groups: [['a']] },
        { at: 350, kind: 'heal' },
      ],
    })
    sim.addNode('a', () => new TickSender('b', 5, 100))
    sim.addNode('b', () => new Recorder())
    const result = sim.run()
    // Sent at 0, 100, 200, 300, 400: the ones at 200 and 300 fall inside the partition.
    expect(received(sim, 'b').map((r) => r.message.n)).toEqual([0, 1, 4])
    expect(result.stats.dropped.partition).toBe(2)
  })

  it('drops in-flight messages when a partition starts before they arrive', () => {
    const sim = new Simulation({ seed: 1, network: constant(100), faults: [{ at: 50, kind: 'partition', groups: [['b']] }] })
    sim.addNode('a', () => new Recorder((ctx) => ctx.send('b', { n: 1, list: [] })))
    sim.addNode('b', () => new Recorder())
    expect(sim.run().stats.dropped.partition).toBe(1)
  })

  it('loses volatile state and timers on a crash, and keeps synced storage on restart', () => {
    const sim = new Simulation({
      seed: 1,
      network: constant(10),
      faults: [
        { at: 20, kind: 'crash', node: 'a' },
        { at: 30, kind: 'restart', node: 'a' },
      ],
    })
    const boots: (string | undefined)[] = []
    sim.addNode('a', () => ({
      inbox: Msg,
      start(ctx: Context) {
        boots.push(ctx.storage.get('synced') && new TextDecoder().decode(ctx.storage.get('synced')))
        if (boots.length === 1) {
          ctx.storage.put('synced', new TextEncoder().encode('yes'))
          ctx.storage.sync()
          ctx.storage.put('unsynced', new TextEncoder().encode('lost'))
          ctx.setTimer(25, 'never')
        }
      },
      receive() {},
      timer() {
        throw new Error('a timer set before the crash fired after it')
      },
    }))
    sim.addNode('b', () => new Recorder())
    const result = sim.run()
    expect(result.violations).toEqual([])
    expect(boots).toEqual([undefined, 'yes'])
    expect(sim.storage('a').keys()).toEqual(['synced'])
  })

  it('syncs the writes of an event in which a node sent something before the message can be seen (output commit), and only then', () => {
    const sim = new Simulation({
      seed: 1,
      network: constant(10),
      // The crash comes before the message arrives: what the receiver will see must already be durable.
      faults: [{ at: 5, kind: 'crash', node: 'a' }],
    })
    sim.addNode('a', () => ({
      inbox: Msg,
      start(ctx: Context) {
        ctx.storage.put('before-send', new Uint8Array([1]))
        ctx.send('b', { n: 1, list: [] })
        ctx.storage.put('after-send', new Uint8Array([2])) // same event: synced with it, as a real node's turn
        ctx.setTimer(1, 'write')
      },
      receive() {},
      timer(_tag: string | number, ctx: Context) {
        ctx.storage.put('nothing-sent', new Uint8Array([3])) // no message depends on it: not synced
      },
    }))
    sim.addNode('b', () => new Recorder())
    sim.run()
    expect(sim.actor<Recorder>('b')!.received.length).toBe(1)
    expect(sim.storage('a').durableGet('before-send')).toEqual(new Uint8Array([1]))
    expect(sim.storage('a').durableGet('after-send')).toEqual(new Uint8Array([2]))
    expect(sim.storage('a').durableGet('nothing-sent')).toBeUndefined()
  })

  it('drops messages to a crashed node', () => {
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [{ at: 5, kind: 'crash', node: 'b' }] })
    sim.addNode('a', () => new Recorder((ctx) => ctx.send('b', { n: 1, list: [] })))
    sim.addNode('b', () => new Recorder())
    expect(sim.run().stats.dropped.down).toBe(1)
  })

  it('keeps a node crashed at its boot time down until a restart', () => {
    const sim = new Simulation({
      seed: 1,
      network: constant(10),
      faults: [
        { at: 0, kind: 'crash', node: 'b' },
        { at: 100, kind: 'restart', node: 'b' },
      ],
    })
    sim.addNode('a', () => new Recorder((ctx) => ctx.send('b', { n: 1, list: [] })))
    sim.addNode('b', () => new Recorder((ctx) => ctx.send('a', { n: 2, list: [] })))
    const result = sim.run()
    expect(result.stats.dropped.down).toBe(1) // a's message at 10 ms found b down
    expect(sim.actor<Recorder>('a')!.received.map((r) => r.at)).toEqual([110]) // b spoke once, after its restart
  })

  it('skews a node clock', () => {
    const seen: number[] = []
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [{ at: 100, kind: 'skew', node: 'a', offsetMs: 5000, driftPpm: 1e5 }] })
    sim.addNode('a', () => ({
      inbox: Msg,
      start: (ctx: Context) => void ctx.setTimer(200, 'x'),
      receive() {},
      timer: (_tag: string | number, ctx: Context) => void seen.push(ctx.now()),
    }))
    sim.run()
    // At virtual 200: 200 + 5000 offset + 100 ms × 10% drift.
    expect(seen).toEqual([5210])
  })

  it('holds messages on a clogged node until the clog ends', () => {
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [{ at: 0, kind: 'clog', node: 'b', durationMs: 500 }] })
    sim.addNode('a', () => new TickSender('b', 1, 1))
    sim.addNode('b', () => new Recorder())
    sim.run()
    expect(received(sim, 'b')[0]?.at).toBe(510)
  })

  it('loses and duplicates at the configured rates', () => {
    const sim = new Simulation({ seed: 9, network: { ...constant(1), loss: 0.1, duplicate: 0.05 } })
    sim.addNode('a', () => new TickSender('b', 20_000, 1))
    sim.addNode('b', () => new Recorder())
    const { stats } = sim.run()
    expect(stats.dropped.loss / stats.sent).toBeCloseTo(0.1, 1)
    expect(stats.duplicated / stats.sent).toBeCloseTo(0.045, 1)
  })

  it('stops on a broken invariant with the seed, step and schedule to replay it', () => {
    const faults = [{ at: 1, kind: 'heal' as const }]
    const sim = new Simulation({
      seed: 42,
      network: constant(10),
      faults,
      invariants: [{ name: 'b receives nothing', check: (v) => (v.actor<Recorder>('b')?.received.length ? 'b received a message' : undefined) }],
    })
    sim.addNode('a', () => new TickSender('b', 10, 100))
    sim.addNode('b', () => new Recorder())
    const result = sim.run()
    expect(result.stoppedBy).toBe('violation')
    expect(result.violations).toEqual([
      { invariant: 'b receives nothing', message: 'b received a message', seed: 42, step: expect.any(Number), timeMs: 10, faults },
    ])
  })

  it('reports an actor that throws as a violation', () => {
    const sim = pair(() => {
      throw new Error('boom')
    })
    const result = sim.run()
    expect(result.violations[0]).toMatchObject({ invariant: 'actor-error', message: expect.stringContaining('boom') })
  })

  it('refuses a schedule that names an unknown node', () => {
    const sim = pair(() => {}, { faults: [{ at: 0, kind: 'crash', node: 'ghost' }] })
    expect(() => sim.run()).toThrow(ConfigError)
  })

  it('keeps each node draws unchanged when another node is added', () => {
    const draws = (extra: boolean) => {
      const sim = new Simulation({ seed: 5 })
      const seen: number[] = []
      if (extra) sim.addNode('z', () => new Recorder((ctx) => void ctx.random.next()))
      sim.addNode('a', () => new Recorder((ctx) => void seen.push(ctx.random.nextU32(), ctx.random.nextU32())))
      sim.run()
      return seen
    }
    expect(draws(true)).toEqual(draws(false))
  })
})

/** Sends `count` numbered messages to `to`, one every `everyMs`. */
class TickSender implements Actor<Msg> {
  readonly inbox = Msg
  private sent = 0
  constructor(
    private readonly to: Address,
    private readonly count: number,
    private readonly everyMs: number,
  ) {}
  start(ctx: Context): void {
    ctx.setTimer(0, 'tick')
  }
  receive(): void {}
  timer(_tag: string | number, ctx: Context): void {
    ctx.send(this.to, { n: this.sent++, list: [] })
    if (this.sent < this.count) ctx.setTimer(this.everyMs, 'tick')
  }
}
