import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { createMachine } from 'xstate'
import type { Actor, Context } from '../core/actor.ts'
import { Composite } from '../core/composite.ts'
import { MachineActor } from '../core/machine-actor.ts'
import { RELIABLE_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'

const Poke = Schema.Struct({ type: Schema.Literal('poke') })

/** idle --poke--> waiting --(after 1 s)--> expired, tracing each entry; a second poke resets the wait. */
function lifecycle(ctx: Context) {
  return createMachine({
    id: 'lifecycle',
    initial: 'idle',
    states: {
      idle: { on: { poke: 'waiting' } },
      waiting: {
        entry: () => ctx.trace({ entered: 'waiting', at: ctx.now() }),
        after: { 1000: 'expired' },
        on: { poke: { target: 'waiting', reenter: true } },
      },
      expired: { entry: () => ctx.trace({ entered: 'expired', at: ctx.now() }), type: 'final' },
    },
  })
}

const poker = (times: number[]): Actor =>
  ({
    inbox: Schema.Unknown,
    start: (ctx: Context) => times.forEach((t) => ctx.setTimer(t, 'poke')),
    receive() {},
    timer: (_tag: string | number, ctx: Context) => ctx.send('m', { type: 'poke' }),
  }) as Actor

function run(pokes: number[]) {
  const entered: unknown[] = []
  const s = new Simulation({
    seed: 1,
    network: { ...RELIABLE_NETWORK, latency: { kind: 'constant', ms: 0 } },
    onTrace: (e) => e.kind === 'user' && entered.push([e.entered, e.at]),
  })
  s.addNode('m', () => new MachineActor({ inbox: Poke, machine: lifecycle, toEvent: (m) => m }))
  s.addNode('p', () => poker(pokes))
  const result = s.run()
  return { entered, result, machine: s.actor<MachineActor<typeof Poke.Type, ReturnType<typeof lifecycle>>>('m') }
}

// The adapter lives in core/; this checks it end to end inside the simulator.
describe('MachineActor in the simulator', () => {
  it('runs delayed transitions on virtual time', () => {
    const { entered, machine, result } = run([250])
    expect(entered).toEqual([
      ['waiting', 250],
      ['expired', 1250],
    ])
    expect(machine?.snapshot.value).toBe('expired')
    expect(result.virtualTimeMs).toBe(1250)
  })

  it('cancels a pending delay when the state is left', () => {
    const { entered } = run([0, 600])
    expect(entered).toEqual([
      ['waiting', 0],
      ['waiting', 600],
      ['expired', 1600],
    ])
  })
})

describe('MachineActor as one component among others', () => {
  it('runs two machines in one node, each on its own timers, poked under its own protocol', () => {
    const entered: unknown[] = []
    const s = new Simulation({
      seed: 1,
      network: { ...RELIABLE_NETWORK, latency: { kind: 'constant', ms: 0 } },
      onTrace: (e) => e.kind === 'user' && entered.push([e.component, e.entered, e.at]),
    })
    // Both machines number their timers from 0: inside the composite, each number is the machine's own.
    const machine = (name: string) => new MachineActor({ name, protocol: `${name}/1`, inbox: Poke, machine: lifecycle, toEvent: (m) => m })
    s.addNode('m', () => new Composite([machine('early'), machine('late')]))
    s.addNode('p', () =>
      ({
        inbox: Schema.Unknown,
        start: (ctx: Context) => [ctx.setTimer(100, 'early'), ctx.setTimer(700, 'late'), ctx.setTimer(900, 'early')],
        receive() {},
        timer: (tag: string | number, ctx: Context) => ctx.send('m', { p: `${tag}/1`, m: { type: 'poke' } }),
      }) as Actor,
    )
    s.run()
    expect(entered).toEqual([
      ['early', 'waiting', 100],
      ['late', 'waiting', 700],
      ['early', 'waiting', 900], // the second poke resets early's wait, not late's
      ['late', 'expired', 1700],
      ['early', 'expired', 1900],
    ])
  })
})
