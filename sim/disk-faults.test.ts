import { Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context } from '../core/actor.ts'
import { StoreError } from '../core/storage.ts'
import { faultScheduleArbitrary } from './check.ts'
import { MEASURED_SYNC_COST_MS, parseEnvironment } from './environment.ts'
import { DISK_FAULT_KINDS, parseFaultSchedule, type FaultSchedule } from './faults.ts'
import { RELIABLE_NETWORK, type NetworkConfig } from './network.ts'
import { Simulation } from './simulation.ts'

const Msg = Schema.Struct({ n: Schema.Number })
type Msg = typeof Msg.Type
const constant = (ms: number): NetworkConfig => ({ ...RELIABLE_NETWORK, latency: { kind: 'constant', ms } })

/** Runs `script` at boot (and at each timer) on `a`; `b` notes when each message arrives. */
function pair(script: (ctx: Context) => void, options: { syncCostMs?: number; faults?: FaultSchedule; latencyMs?: number } = {}) {
  const sim = new Simulation({ seed: 1, network: constant(options.latencyMs ?? 10), syncCostMs: options.syncCostMs, faults: options.faults })
  const arrivals: { n: number; at: number }[] = []
  sim.addNode('a', () => ({ inbox: Msg, start: script, receive() {}, timer: (_tag, ctx) => script(ctx) }))
  sim.addNode('b', () => ({ inbox: Msg, receive: (m: Msg, _from: Address, ctx: Context) => void arrivals.push({ n: m.n, at: ctx.now() }) }))
  return { sim, arrivals }
}

describe('sync() costs virtual time (output commit)', () => {
  it('a message sent in an event that wrote leaves once the sync is done: now + syncCostMs', () => {
    const { sim, arrivals } = pair(
      (ctx) => {
        ctx.storage.put('k', new Uint8Array([1]))
        ctx.send('b', { n: 1 })
      },
      { syncCostMs: 5 },
    )
    sim.run()
    expect(arrivals).toEqual([{ n: 1, at: 15 }])
  })

  it('a message sent outside any event (by a test holding a context) leaves from its own sender', () => {
    let held: Context | undefined
    const from: string[] = []
    const sim = new Simulation({ seed: 1, network: constant(10), syncCostMs: 0.25 })
    sim.addNode('a', () => ({ inbox: Msg, start: (ctx: Context) => void (held = ctx), receive() {} }))
    sim.addNode('b', () => ({ inbox: Msg, start: (ctx: Context) => ctx.setTimer(50, 'tick'), receive() {}, timer: (_t, ctx) => ctx.send('c', { n: 1 }) }))
    sim.addNode('c', () => ({ inbox: Msg, receive: (m: Msg, sender: Address) => void from.push(`${sender}:${m.n}`) }))
    sim.run({ untilMs: 10 })
    held!.send('c', { n: 42 })
    sim.run()
    expect(from).toEqual(['a:42', 'b:1'])
  })

  it('an event that wrote nothing sends at once, and a cost of 0 (the default) changes nothing', () => {
    const noWrite = pair((ctx) => ctx.send('b', { n: 1 }), { syncCostMs: 5 })
    noWrite.sim.run()
    expect(noWrite.arrivals).toEqual([{ n: 1, at: 10 }])
    const free = pair((ctx) => {
      ctx.storage.put('k', new Uint8Array([1]))
      ctx.send('b', { n: 1 })
    })
    free.sim.run()
    expect(free.arrivals).toEqual([{ n: 1, at: 10 }])
  })

  it("the actor's own syncs count, one after another, and a busy disk delays the next event's messages too", () => {
    let event = 0
    const { sim, arrivals } = pair(
      (ctx) => {
        event++
        if (event === 1) {
          ctx.storage.put('x', new Uint8Array([1]))
          ctx.storage.sync()
          ctx.storage.put('y', new Uint8Array([2]))
          ctx.send('b', { n: 1 }) // two syncs: the actor's and the commit's
          ctx.setTimer(1, 'again')
        } else {
          ctx.storage.put('z', new Uint8Array([3]))
          ctx.send('b', { n: 2 }) // at 1 ms, behind the disk's queue (busy until 8 ms), then its own sync
        }
      },
      { syncCostMs: 4 },
    )
    sim.run()
    expect(arrivals).toEqual([
      { n: 1, at: 18 },
      { n: 2, at: 22 },
    ])
  })

  it('a scenario may give the measured fsync cost', () => {
    const { sim, arrivals } = pair(
      (ctx) => {
        ctx.storage.put('k', new Uint8Array([1]))
        ctx.send('b', { n: 1 })
      },
      { syncCostMs: MEASURED_SYNC_COST_MS },
    )
    sim.run()
    expect(arrivals[0]!.at).toBeCloseTo(10 + MEASURED_SYNC_COST_MS, 9)
  })

  it('refuses a sync cost outside [0, 1000] ms', () => {
    expect(() => new Simulation({ seed: 1, syncCostMs: -1 })).toThrow(/syncCostMs must be a number of ms from 0 to 1000, got -1/)
  })
})

/** A node that, at each timer, reads its value and notes what it got: the bytes, 'corrupt', or nothing. */
class Reader implements Actor<Msg> {
  readonly inbox = Msg
  readonly seen: string[] = []
  start(ctx: Context): void {
    if (ctx.storage.get('v') === undefined) {
      ctx.storage.put('v', new TextEncoder().encode('intact'))
      ctx.storage.sync()
    }
    ctx.setTimer(10, 'read')
  }
  receive(): void {}
  timer(_tag: string | number, ctx: Context): void {
    try {
      const value = ctx.storage.get('v')
      this.seen.push(value === undefined ? 'missing' : new TextDecoder().decode(value))
    } catch (error) {
      if (!(error instanceof StoreError) || error.reason !== 'corrupt') throw error
      this.seen.push('corrupt')
    }
    ctx.setTimer(10, 'read')
  }
}

function reader(faults: FaultSchedule) {
  const sim = new Simulation({ seed: 3, faults })
  sim.addNode('a', () => new Reader())
  sim.run({ untilMs: 45 })
  return { seen: sim.actor<Reader>('a')!.seen, storage: sim.storage('a') }
}

describe('disk faults in a schedule', () => {
  it('corrupt-read: the next reads are refused as corrupt, then the intact bytes come back', () => {
    const { seen, storage } = reader(parseFaultSchedule('[{"at":15,"kind":"corrupt-read","node":"a","reads":2}]'))
    expect(seen).toEqual(['intact', 'corrupt', 'corrupt', 'intact'])
    expect(storage.corruptReadsDetected).toBe(2)
  })

  it('bad-sector: every read from then on is refused, never the damaged bytes', () => {
    const { seen } = reader(parseFaultSchedule('[{"at":15,"kind":"bad-sector","node":"a","prefix":"kv/v"}]'))
    expect(seen).toEqual(['intact', 'corrupt', 'corrupt', 'corrupt'])
  })

  it('lying-sync: a crash before an honest sync loses a write that sync claimed', () => {
    const faults = parseFaultSchedule('[{"at":0,"kind":"lying-sync","node":"a"},{"at":12,"kind":"crash","node":"a"},{"at":13,"kind":"restart","node":"a"}]')
    const { seen, storage } = reader(faults)
    // The first boot's write was claimed and lost; the second boot wrote it again, honestly.
    expect(storage.lostSyncedWrites).toBe(1)
    expect(seen).toEqual(['intact', 'intact', 'intact'])
  })

  it('are generated only when asked for, and survive a JSON round trip through the parser', () => {
    const kinds = (disk: boolean) =>
      new Set(fc.sample(faultScheduleArbitrary({ nodes: ['a', 'b'], horizonMs: 1000, disk }), { seed: 5, numRuns: 200 }).flatMap((faults) => {
        expect(parseFaultSchedule(JSON.stringify(faults))).toEqual(faults)
        return faults.map((f) => f.kind)
      }))
    for (const kind of DISK_FAULT_KINDS) {
      expect(kinds(true)).toContain(kind)
      expect(kinds(false)).not.toContain(kind)
    }
  })

  it('an actor that lets a corrupt read escape stops its node (fail-stop), not the run; a restart meets the same disk', () => {
    // Reader reads at start without a catch: a damaged value there escapes it.
    const boots: FaultSchedule = [
      { at: 12, kind: 'crash', node: 'a' },
      { at: 13, kind: 'restart', node: 'a' },
      { at: 30, kind: 'restart', node: 'a' },
    ]
    const run = (fault: FaultSchedule[number]) => {
      const sim = new Simulation({ seed: 3, faults: [fault, ...boots] })
      sim.addNode('a', () => new Reader())
      const result = sim.run({ untilMs: 45 })
      return { result, up: sim.isUp('a'), seen: sim.actor<Reader>('a')?.seen }
    }
    const bad = run({ at: 11, kind: 'bad-sector', node: 'a' })
    expect(bad.result.violations).toEqual([])
    expect(bad.up).toBe(false) // halted at 13, and again at 30: the sector is still bad
    const transient = run({ at: 11, kind: 'corrupt-read', node: 'a' })
    expect(transient.result.violations).toEqual([])
    expect(transient).toMatchObject({ up: true, seen: ['intact'] }) // halted at 13; the boot at 30 reads it intact
  })

  it('parse with a clear message naming the field', () => {
    expect(parseFaultSchedule('[{"at":1,"kind":"bad-sector","node":"a","items":3,"prefix":"blob/"}]')).toEqual([{ at: 1, kind: 'bad-sector', node: 'a', items: 3, prefix: 'blob/' }])
    expect(() => parseFaultSchedule('[{"at":1,"kind":"corrupt-read","node":"a","reads":0}]')).toThrow(/^fault 1 of 1 \(corrupt-read\): "reads" must be a whole number of reads from 1 to 1000000, got 0$/)
    expect(() => parseFaultSchedule('[{"at":1,"kind":"lying-sync","node":"a","syncs":1.5}]')).toThrow(/"syncs" must be a whole number of syncs/)
    expect(() => parseFaultSchedule('[{"at":1,"kind":"bad-sector"}]')).toThrow(/has no "node"/)
  })
})

describe('a run environment', () => {
  it('overrides the scenario network and the sync cost, and refuses unknown or bad fields', () => {
    expect(parseEnvironment('{"loss":0.2,"latency":{"kind":"constant","ms":3},"syncCostMs":0.5}')).toEqual({ loss: 0.2, latency: { kind: 'constant', ms: 3 }, syncCostMs: 0.5 })
    expect(() => parseEnvironment('{"los":0.2}')).toThrow(/unknown field "los"/)
    expect(() => parseEnvironment('{"loss":2}')).toThrow(/loss/)
    expect(() => parseEnvironment('[1]')).toThrow(/expected a JSON object/)
    const sim = new Simulation({ seed: 1, network: constant(10), environment: { latency: { kind: 'constant', ms: 3 }, syncCostMs: 1 } })
    const arrivals: number[] = []
    sim.addNode('a', () => ({ inbox: Msg, start: (ctx: Context) => (ctx.storage.put('k', new Uint8Array([1])), ctx.send('b', { n: 1 })), receive() {} }))
    sim.addNode('b', () => ({ inbox: Msg, receive: (_m: Msg, _f: Address, ctx: Context) => void arrivals.push(ctx.now()) }))
    sim.run()
    expect(arrivals).toEqual([4])
  })
})
