import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Address, Context, PeerSignal, TimerTag, TraceFields } from './actor.ts'
import { decodeFrame, encode } from './codec.ts'
import type { Component } from './component.ts'
import { Composite, CompositionError } from './composite.ts'
import { ManualContext } from './manual-context.ts'
import { Random } from './random.ts'

const Note = Schema.Struct({ note: Schema.String })
type Note = typeof Note.Type

/**
 * A component that uses the same timer tag and storage key as any other of its kind, draws from its
 * random stream at start and on every timer, and records everything it sees.
 */
class Probe implements Component<Note> {
  readonly inbox = Note
  readonly seen: { kind: string; value: unknown }[] = []
  readonly draws: number[] = []
  ctx!: Context

  constructor(
    readonly name: string,
    readonly protocol?: string,
  ) {}

  start(ctx: Context): void {
    this.ctx = ctx
    this.draws.push(ctx.random.nextU32())
    ctx.storage.put('state', new TextEncoder().encode(this.name))
    ctx.setTimer(10, 'tick')
    ctx.setTimer(20, 7)
    ctx.trace({ type: 'started' })
  }

  receive(message: Note, from: Address): void {
    this.seen.push({ kind: 'message', value: [message.note, from] })
  }

  timer(tag: TimerTag, ctx: Context): void {
    this.draws.push(ctx.random.nextU32())
    this.seen.push({ kind: 'timer', value: [tag, new TextDecoder().decode(ctx.storage.get('state'))] })
    ctx.trace({ type: 'fired', tag })
  }

  signal(signal: PeerSignal): void {
    this.seen.push({ kind: 'signal', value: signal.reason })
  }
}

/** Fires every due timer of a ManualContext, in time order, into `composite`. */
function fireAll(composite: Composite, ctx: ManualContext): void {
  const due = [...ctx.timers].sort(([a, x], [b, y]) => x.at - y.at || a - b)
  for (const [id, { tag }] of due) {
    ctx.timers.delete(id)
    composite.timer(tag, ctx)
  }
}

describe('Composite', () => {
  it('keeps components with the same timer tags and storage keys apart', () => {
    const [a, b] = [new Probe('a', 'a/1'), new Probe('b', 'b/1')]
    const node = new Composite([a, b])
    const ctx = new ManualContext('n')
    node.start(ctx)
    fireAll(node, ctx)
    expect(a.seen).toEqual([
      { kind: 'timer', value: ['tick', 'a'] },
      { kind: 'timer', value: [7, 'a'] },
    ])
    expect(b.seen).toEqual([
      { kind: 'timer', value: ['tick', 'b'] },
      { kind: 'timer', value: [7, 'b'] },
    ])
    expect(a.ctx.storage.keys()).toEqual(['state'])
    expect(ctx.storage.keys()).toEqual(['a/state', 'b/state'])
    a.ctx.storage.delete('state')
    expect(b.ctx.storage.get('state')).toEqual(new TextEncoder().encode('b'))
  })

  it('routes each message by its protocol id, decoded through that component inbox, and wraps what a component sends', () => {
    const [a, b] = [new Probe('a', 'a/1'), new Probe('b', 'b/1')]
    const node = new Composite([a, b])
    const ctx = new ManualContext('n')
    node.start(ctx)
    const decode = (message: unknown) => decodeFrame(encode(message), node.inbox)
    const routed = decode({ p: 'b/1', m: { note: 'hi' } })
    expect(Result.isSuccess(routed)).toBe(true)
    node.receive(Result.getOrThrow(routed), 'peer', ctx)
    expect(b.seen).toEqual([{ kind: 'message', value: ['hi', 'peer'] }])
    expect(a.seen).toEqual([])
    // Unknown protocol, a message of the wrong shape for its protocol, no protocol at all: refused.
    for (const bad of [{ p: 'c/1', m: { note: 'x' } }, { p: 'a/1', m: { note: 5 } }, { note: 'x' }]) expect(Result.isFailure(decode(bad))).toBe(true)
    a.ctx.send('peer', { note: 'out' })
    b.ctx.broadcast({ note: 'all' })
    expect(ctx.sent).toEqual([{ to: 'peer', message: { p: 'a/1', m: { note: 'out' } } }])
    expect(ctx.broadcasts).toEqual([{ p: 'b/1', m: { note: 'all' } }])
  })

  it('tags trace events with their component and fans runtime signals out to every component', () => {
    const [a, b] = [new Probe('a', 'a/1'), new Probe('b')]
    const node = new Composite([a, b])
    const ctx = new ManualContext('n')
    node.start(ctx)
    expect(ctx.traces).toEqual([
      { component: 'a', type: 'started' },
      { component: 'b', type: 'started' },
    ])
    node.signal({ peer: 'x', reason: 'undecodable', detail: '' }, ctx)
    expect([a.seen, b.seen]).toEqual([[{ kind: 'signal', value: 'undecodable' }], [{ kind: 'signal', value: 'undecodable' }]])
    expect(() => b.ctx.send('peer', { note: 'x' })).toThrow(/no protocol/)
  })

  it('a third component leaves the draws and trace of the first two unchanged, wherever it sits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.string({ maxLength: 8 }), (position, seed) => {
        const run = (withThird: boolean) => {
          const probes = [new Probe('a', 'a/1'), new Probe('b', 'b/1')]
          const components: Component<Note>[] = [...probes]
          if (withThird) components.splice(position, 0, new Probe('third', 'c/1'))
          const node = new Composite(components)
          const ctx = new ManualContext('n', seed)
          node.start(ctx)
          fireAll(node, ctx)
          const trace = ctx.traces.filter((e: TraceFields) => e.component !== 'third')
          return { draws: probes.map((p) => p.draws), trace }
        }
        expect(run(true)).toEqual(run(false))
      }),
      { numRuns: 50 },
    )
  })

  it('refuses a composition that could collide, with a clear error', () => {
    const refused = (components: Component[]) => () => new Composite(components)
    expect(refused([new Probe('a'), new Probe('a')])).toThrow(CompositionError)
    expect(refused([new Probe('a', 'x/1'), new Probe('b', 'x/1')])).toThrow(/both take protocol 'x\/1'/)
    expect(refused([new Probe('a/b')])).toThrow(/component name/)
    expect(refused([new Probe('a', 'kad')])).toThrow(/protocol id/)
    expect(refused([{ name: 'a', protocol: 'a/1' }])).toThrow(/no inbox and receive/)
  })

  it('lets no component cancel, read or sign for another: timer ids, logs, blobs and trace names are its own', () => {
    const [a, b] = [new Probe('a', 'a/1'), new Probe('b', 'b/1')]
    const node = new Composite([a, b])
    const ctx = new ManualContext('n')
    node.start(ctx)
    // Both armed timers 1 and 2 (their own numbers); b cancelling "1" and "2" cancels only its own.
    b.ctx.cancelTimer(1)
    b.ctx.cancelTimer(2)
    b.ctx.cancelTimer(99)
    fireAll(node, ctx)
    expect(a.seen.map((s) => s.kind)).toEqual(['timer', 'timer'])
    expect(b.seen).toEqual([])
    // Logs and blobs live under the component's name; a name that climbs out is refused.
    a.ctx.storage.log('ledger').append(new Uint8Array([1]))
    expect(b.ctx.storage.log('ledger').length).toBe(0)
    expect(ctx.storage.log('a/ledger').length).toBe(1)
    const hash = a.ctx.storage.blobs('weights').put(new Uint8Array([7]))
    expect(b.ctx.storage.blobs('weights').has(hash)).toBe(false)
    for (const escape of ['../b/ledger', 'x/../../b', '.', '']) expect(() => b.ctx.storage.log(escape)).toThrow()
    b.ctx.trace({ component: 'a', type: 'forged' })
    expect(ctx.traces.at(-1)).toEqual({ component: 'b', type: 'forged' })
  })

  it('refuses an input through another context than the one it started with', () => {
    const node = new Composite([new Probe('a', 'a/1')])
    node.start(new ManualContext('n'))
    expect(() => node.receive({ p: 'a/1', m: { note: 'x' } }, 'peer', new ManualContext('n'))).toThrow(/one context per incarnation/)
  })
})

describe('Composite.lie', () => {
  const lies = { random: Random.fromSeed(1), accomplices: [], shared: 0, overheard: () => [] }

  /** A component whose lie is its note shouted; it has no lie for an empty note. */
  class Liar extends Probe {
    lie(message: unknown): unknown {
      const { note } = message as Note
      return note === '' ? undefined : { note: note.toUpperCase() }
    }
  }

  it('routes a lie to the component whose protocol the message carries, and wraps it under that protocol', () => {
    const node = new Composite([new Probe('honest', 'honest/1'), new Liar('liar', 'liar/1')])
    expect(node.lie({ p: 'liar/1', m: { note: 'hi' } }, 'peer', lies)).toEqual({ p: 'liar/1', m: { note: 'HI' } })
  })

  it('tells the truth (undefined) for a component without a lie, an unknown protocol, or a message it has no lie for', () => {
    const node = new Composite([new Probe('honest', 'honest/1'), new Liar('liar', 'liar/1')])
    expect(node.lie({ p: 'honest/1', m: { note: 'hi' } }, 'peer', lies)).toBeUndefined()
    expect(node.lie({ p: 'ghost/1', m: { note: 'hi' } }, 'peer', lies)).toBeUndefined()
    expect(node.lie({ p: 'liar/1', m: { note: '' } }, 'peer', lies)).toBeUndefined()
    expect(node.lie('not routed', 'peer', lies)).toBeUndefined()
  })
})
