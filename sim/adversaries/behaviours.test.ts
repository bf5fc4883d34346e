import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context, PeerSignal } from '../../core/actor.ts'
import type { LieContext, Liar } from '../../core/byzantine.ts'
import { ConfigError } from '../../core/errors.ts'
import { parseFaultSchedule, type FaultSchedule } from '../faults.ts'
import { RELIABLE_NETWORK, type NetworkConfig } from '../network.ts'
import { MAX_BEHAVIOURS_PER_NODE, Simulation } from '../simulation.ts'
import { MAX_COPIES_PER_MESSAGE } from './adversary.ts'
import type { Behaviour } from './behaviours.ts'
import type { TraceEvent } from '../trace.ts'

const Msg = Schema.Struct({ n: Schema.Int })
type Msg = typeof Msg.Type

/**
 * Sends `{ n: 0 }`, `{ n: 1 }`, … to each of `peers`, one every 10 ms, `count` times; records what it
 * receives and the signals it gets. Its lie is the negated number.
 */
class Talker implements Actor<Msg>, Liar {
  readonly inbox = Msg
  readonly received: { from: Address; n: number; at: number }[] = []
  readonly signals: PeerSignal[] = []
  readonly lies: LieContext[] = []
  private sent = 0
  constructor(
    private readonly peers: readonly Address[] = [],
    private readonly count = 0,
  ) {}
  start(ctx: Context): void {
    if (this.count > 0) ctx.setTimer(0, 'talk')
  }
  timer(_tag: string | number, ctx: Context): void {
    for (const peer of this.peers) ctx.send(peer, { n: this.sent })
    if (++this.sent < this.count) ctx.setTimer(10, 'talk')
  }
  receive(message: Msg, from: Address, ctx: Context): void {
    this.received.push({ from, n: message.n, at: ctx.now() })
  }
  signal(signal: PeerSignal): void {
    this.signals.push(signal)
  }
  lie(message: unknown, _to: Address, lies: LieContext): unknown {
    this.lies.push(lies)
    return { n: -(message as Msg).n - 1 }
  }
}

const constant = (ms: number): NetworkConfig => ({ ...RELIABLE_NETWORK, latency: { kind: 'constant', ms } })
const byzantine = (node: string, behaviour: Behaviour, extra: { at?: number; durationMs?: number } = {}) =>
  ({ at: extra.at ?? 0, kind: 'byzantine', node, behaviour, ...(extra.durationMs === undefined ? {} : { durationMs: extra.durationMs }) }) as const

/** `a` talks to the listed peers (default b), `count` messages each; every other node only listens. */
function world(faults: FaultSchedule, options: { peers?: string[]; count?: number; seed?: number } = {}) {
  const peers = options.peers ?? ['b']
  const sim = new Simulation({ seed: options.seed ?? 1, network: constant(10), faults })
  sim.addNode('a', () => new Talker(peers, options.count ?? 20))
  for (const p of peers) sim.addNode(p, () => new Talker())
  return sim
}
const heard = (sim: Simulation, node: Address) => sim.actor<Talker>(node)!.received

describe('Byzantine behaviours (faults of kind byzantine)', () => {
  it('silent: sends nothing, and still hears everything', () => {
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [byzantine('a', { kind: 'silent' })] })
    sim.addNode('a', () => new Talker(['b'], 5))
    sim.addNode('b', () => new Talker(['a'], 5))
    sim.run()
    expect(heard(sim, 'b')).toEqual([])
    expect(heard(sim, 'a').map((r) => r.n)).toEqual([0, 1, 2, 3, 4])
    expect(sim.adversaryCounts().silent).toBe(5)
    expect(sim.isByzantine('a')).toBe(true)
    expect(sim.isByzantine('b')).toBe(false)
  })

  it('delay: every message leaves the given time late', () => {
    const sim = world([byzantine('a', { kind: 'delay', ms: 250 })], { count: 3 })
    sim.run()
    expect(heard(sim, 'b').map((r) => r.at)).toEqual([260, 270, 280])
  })

  it('drop-some: drops about the given share, and none or all at 0 and 1', () => {
    const share = (rate: number) => {
      const sim = world([byzantine('a', { kind: 'drop-some', rate })], { count: 400 })
      sim.run()
      return heard(sim, 'b').length / 400
    }
    expect(share(0)).toBe(1)
    expect(share(1)).toBe(0)
    expect(share(0.3)).toBeGreaterThan(0.6)
    expect(share(0.3)).toBeLessThan(0.8)
  })

  it('duplicate: each message arrives 1 + copies times', () => {
    const sim = world([byzantine('a', { kind: 'duplicate', copies: 2 })], { count: 4 })
    sim.run()
    expect(heard(sim, 'b').map((r) => r.n)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
  })

  it('replay: what follows a message is one the node sent before', () => {
    const sim = world([byzantine('a', { kind: 'replay' })], { count: 10 })
    sim.run()
    const ns = heard(sim, 'b').map((r) => r.n)
    expect(ns.length).toBe(19) // the first message has nothing before it to replay
    for (let i = 1; i < 10; i++) {
      expect(ns[2 * i - 1]).toBe(i) // the true message, then an old one
      expect(ns[2 * i]).toBeLessThanOrEqual(i)
    }
    expect(sim.adversaryCounts().replay).toBe(9)
  })

  it('garbage: mutated frames are rejected before the actor, which gets a signal naming the sender', () => {
    const sim = world([byzantine('a', { kind: 'garbage' })], { count: 50 })
    const result = sim.run()
    // A mutation may still decode to a valid message (a flipped digit): what arrives is well-formed, never garbage.
    for (const r of heard(sim, 'b')) expect(Number.isInteger(r.n)).toBe(true)
    expect(result.stats.rejected).toBeGreaterThan(25)
    expect(result.stats.rejected + heard(sim, 'b').length).toBe(50)
    const signals = sim.actor<Talker>('b')!.signals
    expect(signals.length).toBe(result.stats.rejected)
    expect(new Set(signals.map((s) => s.peer))).toEqual(new Set(['a']))
  })

  it('equivocate: each peer always hears one version, and both versions go out', () => {
    const peers = Array.from({ length: 12 }, (_, i) => `p${i}`)
    const sim = world([byzantine('a', { kind: 'equivocate' })], { peers, count: 5 })
    sim.run()
    const sides = peers.map((p) => {
      const ns = heard(sim, p).map((r) => r.n)
      const lied = ns.every((n) => n < 0)
      expect(lied || ns.every((n) => n >= 0)).toBe(true)
      return lied
    })
    expect(sides).toContain(true)
    expect(sides).toContain(false)
  })

  it('lie: every peer hears the protocol lie; a message the protocol has no lie for goes out true', () => {
    const sim = world([byzantine('a', { kind: 'lie' })], { peers: ['b', 'c'], count: 3 })
    sim.run()
    expect(heard(sim, 'b').map((r) => r.n)).toEqual([-1, -2, -3])
    expect(heard(sim, 'c').map((r) => r.n)).toEqual([-1, -2, -3])
    const lone = sim.actor<Talker>('a')!.lies
    expect(lone.every((l) => l.accomplices.length === 0)).toBe(true)
  })

  it('collude: colluders lie to the same side, never to each other, and share one number', () => {
    const honest = Array.from({ length: 10 }, (_, i) => `h${i}`)
    const colluders = ['x', 'y']
    const sim = new Simulation({ seed: 3, network: constant(10), faults: colluders.map((c) => byzantine(c, { kind: 'collude' })) })
    for (const c of colluders) sim.addNode(c, () => new Talker([...honest, ...colluders.filter((o) => o !== c)], 2))
    for (const h of honest) sim.addNode(h, () => new Talker())
    sim.run()
    const deceived = (h: string, from: string) => heard(sim, h).filter((r) => r.from === from).every((r) => r.n < 0)
    for (const h of honest) expect(deceived(h, 'x')).toBe(deceived(h, 'y'))
    expect(honest.some((h) => deceived(h, 'x'))).toBe(true)
    expect(honest.some((h) => !deceived(h, 'x'))).toBe(true)
    expect(heard(sim, 'x').every((r) => r.n >= 0)).toBe(true)
    const [lx, ly] = colluders.map((c) => sim.actor<Talker>(c)!.lies[0]!)
    expect(lx!.shared).toBe(ly!.shared)
    expect(lx!.accomplices).toEqual(['y'])
    // The controller saw both colluders' traffic: y's lie can build on what x sent.
    const seen = sim.actor<Talker>('y')!.lies.at(-1)!.overheard()
    expect(seen.some((o) => o.from === 'x')).toBe(true)
    expect(seen.some((o) => o.from === 'y')).toBe(true)
  })

  it('ends a behaviour after its window, and leaves sends to self alone', () => {
    const sim = world([byzantine('a', { kind: 'silent' }, { at: 45, durationMs: 100 })], { count: 20 })
    sim.run()
    // Sent at 0..190 every 10 ms; those sent in [45, 145) are silenced.
    expect(heard(sim, 'b').map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 15, 16, 17, 18, 19])
  })

  it("traces what it did, as the node's, so a replay shows which message was changed", () => {
    const events: TraceEvent[] = []
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [byzantine('a', { kind: 'duplicate', copies: 2 })], onTrace: (e) => events.push(e) })
    sim.addNode('a', () => new Talker(['b'], 2))
    sim.addNode('b', () => new Talker())
    sim.run()
    expect(events.filter((e) => e.kind === 'user')).toEqual([
      { t: 0, kind: 'user', node: 'a', adversary: 'duplicate', to: 'b', times: 2 },
      { t: 10, kind: 'user', node: 'a', adversary: 'duplicate', to: 'b', times: 2 },
    ])
  })

  it('replays byte for byte from the seed', () => {
    const faults = [byzantine('a', { kind: 'garbage', rate: 0.5 }), byzantine('a', { kind: 'replay', rate: 0.5 }), byzantine('a', { kind: 'drop-some', rate: 0.2 })]
    const hash = (seed: number) => world(faults, { count: 40, seed }).run().traceHash
    expect(hash(7)).toBe(hash(7))
    expect(hash(7)).not.toBe(hash(8))
  })
})

/** Sends one object three times, changing it after each send (as an actor that reuses a buffer may). */
class Reuser implements Actor<Msg> {
  readonly inbox = Msg
  private readonly message = { n: 0 }
  start(ctx: Context): void {
    for (let i = 0; i < 3; i++) {
      ctx.send('b', this.message)
      if (!Object.isFrozen(this.message)) this.message.n++
    }
  }
  receive(): void {}
}

describe('what a Byzantine node sends is what it sent', () => {
  for (const isolation of ['bytes', 'frozen'] as const) {
    it(`delay and replay send the message as it was when sent, not as it is when it leaves (${isolation})`, () => {
      const sent = (behaviour: Behaviour) => {
        const sim = new Simulation({ seed: 1, network: constant(10), isolation, faults: [byzantine('a', behaviour)] })
        sim.addNode('a', () => new Reuser())
        sim.addNode('b', () => new Talker())
        const result = sim.run()
        return { ns: heard(sim, 'b').map((r) => r.n), violations: result.violations }
      }
      if (isolation === 'bytes') {
        expect(sent({ kind: 'delay', ms: 100 }).ns).toEqual([0, 1, 2])
        for (const n of sent({ kind: 'replay' }).ns) expect(n).toBeLessThanOrEqual(2)
      } else {
        // Frozen isolation freezes what is sent: the reuse is refused at once, however late it leaves.
        expect(sent({ kind: 'delay', ms: 100 }).ns).toEqual([0, 0, 0])
      }
    })
  }

  it('caps the copies one message becomes, however many duplicates stack', () => {
    const faults = Array.from({ length: 4 }, () => byzantine('a', { kind: 'duplicate', copies: 16 }))
    const sim = world(faults, { count: 1 })
    sim.run()
    expect(heard(sim, 'b').length).toBe(MAX_COPIES_PER_MESSAGE)
  })

  it('counts the lies it could not tell for want of a lie hook', () => {
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [byzantine('a', { kind: 'lie' })] })
    sim.addNode('a', () => new Reuser())
    sim.addNode('b', () => new Talker())
    expect(sim.run().adversary).toMatchObject({ lie: 0, noLieHook: 3 })
  })

  it('leaves the collusion when its collude window ends: no longer an accomplice', () => {
    const sim = new Simulation({
      seed: 1,
      network: constant(10),
      faults: [byzantine('x', { kind: 'collude', deceive: 'all' }, { durationMs: 5 }), byzantine('y', { kind: 'collude', deceive: 'all' })],
    })
    sim.addNode('x', () => new Talker(['h'], 3))
    sim.addNode('y', () => new Talker(['h'], 3))
    sim.addNode('h', () => new Talker())
    sim.run()
    const lies = sim.actor<Talker>('y')!.lies
    expect(lies[0]!.accomplices).toEqual(['x']) // at 0 ms, x colludes
    expect(lies.at(-1)!.accomplices).toEqual([]) // at 20 ms, its window is over
  })

  it('refuses up front more than MAX_BEHAVIOURS_PER_NODE behaviours on one node, and a twin of a twin', () => {
    const many = Array.from({ length: MAX_BEHAVIOURS_PER_NODE + 1 }, () => byzantine('a', { kind: 'delay', ms: 1 }))
    expect(() => world(many).run()).toThrow(/at most 8 a node/)
    const twinOfTwin: FaultSchedule = [
      { at: 100, kind: 'twin', node: 'b' },
      { at: 1e6, kind: 'twin', node: "b'" },
    ]
    const sim = world(twinOfTwin)
    expect(() => sim.run()).toThrow(/twins b', a twin/)
    expect(sim.now).toBe(0) // refused before the run began
  })
})

describe('Twins (faults of kind twin)', () => {
  it('runs a second copy under the same address: both hear messages to it, and what a copy sends comes from the address', () => {
    const sim = new Simulation({ seed: 1, network: constant(10), faults: [{ at: 0, kind: 'twin', node: 'b' }] })
    sim.addNode('a', () => new Talker(['b'], 2))
    sim.addNode('b', () => new Talker(['c'], 2))
    sim.addNode('c', () => new Talker())
    sim.run()
    expect(heard(sim, 'b').map((r) => r.n)).toEqual([0, 1])
    expect(sim.actor<Talker>("b'")!.received.map((r) => r.n)).toEqual([0, 1])
    // c hears both copies, each from b.
    expect(heard(sim, 'c').map((r) => `${r.from}:${r.n}`)).toEqual(['b:0', 'b:0', 'b:1', 'b:1'])
    expect(sim.isByzantine('b')).toBe(true)
    expect(sim.addresses()).toEqual(['a', 'b', 'c'])
  })

  it('lets a partition decide which twin hears what', () => {
    const sim = new Simulation({
      seed: 1,
      network: constant(10),
      faults: [
        { at: 0, kind: 'twin', node: 'b', twin: 'b2' },
        { at: 0, kind: 'partition', groups: [['a', 'b'], ['b2']] },
      ],
    })
    sim.addNode('a', () => new Talker(['b'], 3))
    sim.addNode('b', () => new Talker())
    sim.run()
    expect(heard(sim, 'b').length).toBe(3)
    expect(sim.actor<Talker>('b2')!.received).toEqual([])
  })

  it('refuses a schedule that twins a twin, or adds a name that exists', () => {
    const run = (faults: FaultSchedule) => world(faults).run()
    expect(() => run([{ at: 0, kind: 'twin', node: 'b', twin: 'a' }])).toThrow(ConfigError)
    expect(() => run([{ at: 5, kind: 'crash', node: "b'" }, { at: 10, kind: 'twin', node: 'b' }])).toThrow(/unknown node b'/)
  })
})

describe('Sybils (faults of kind sybil)', () => {
  it('adds adversary-run identities that collude by default', () => {
    const sim = new Simulation({ seed: 1, network: constant(10), sybil: () => new Talker(['h'], 1), faults: [{ at: 100, kind: 'sybil', count: 3, spacingMs: 5 }] })
    sim.addNode('h', () => new Talker())
    sim.run()
    expect(sim.addresses()).toEqual(['h', 'sybil0', 'sybil1', 'sybil2'])
    expect(heard(sim, 'h').map((r) => r.at)).toEqual([110, 115, 120])
    expect(['sybil0', 'sybil1', 'sybil2'].every((s) => sim.isByzantine(s))).toBe(true)
    // The colluders split the honest node to one side: it hears the lie from all three or from none.
    expect(new Set(heard(sim, 'h').map((r) => r.n < 0)).size).toBe(1)
  })

  it('refuses a sybil fault when the run names no Sybil actor', () => {
    const sim = new Simulation({ seed: 1, faults: [{ at: 0, kind: 'sybil', count: 1 }] })
    sim.addNode('h', () => new Talker())
    expect(() => sim.run()).toThrow(/has no Sybil actor/)
  })
})

describe('parsing Byzantine faults', () => {
  const parse = (fault: unknown) => () => parseFaultSchedule(JSON.stringify([fault]))
  it('refuses a misspelt field rather than run with its default, and names what is wrong', () => {
    expect(parse({ at: 0, kind: 'byzantine', node: 'a', behaviour: { kind: 'garbage', prob: 0.5 } })).toThrow(/"behaviour" garbage has an unknown field "prob" \(its fields: kind, rate\)/)
    expect(parse({ at: 0, kind: 'byzantine', node: 'a', durationMS: 5, behaviour: { kind: 'silent' } })).toThrow(/unknown field "durationMS"/)
    expect(parse({ at: 0, kind: 'byzantine', node: 'a', behaviour: { kind: 'delay' } })).toThrow(/"behaviour" delay has no "ms"/)
    expect(parse({ at: 0, kind: 'byzantine', node: 'a', behaviour: { kind: 'drop-some', rate: 5 } })).toThrow(/"rate" must be a probability from 0 to 1, got 5/)
    expect(parse({ at: 0, kind: 'byzantine', node: 'a', behaviour: { kind: 'nope' } })).toThrow(/unknown kind "nope" \(expected one of silent, delay/)
    expect(parseFaultSchedule(JSON.stringify([{ at: 0, kind: 'byzantine', node: 'a', behaviour: { kind: 'duplicate', copies: 2 } }]))).toHaveLength(1)
  })
})
