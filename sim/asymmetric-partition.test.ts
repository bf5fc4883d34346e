import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context } from '../core/actor.ts'
import { parseFaultSchedule } from './faults.ts'
import { RELIABLE_NETWORK } from './network.ts'
import { Simulation } from './simulation.ts'

const Hello = Schema.Struct({ hello: Schema.String })

/** Says hello to every other node every 100 ms and counts whom it heard from. */
class Greeter implements Actor<typeof Hello.Type> {
  readonly inbox = Hello
  readonly heard = new Map<Address, number>()
  constructor(private readonly others: readonly Address[]) {}
  start(ctx: Context): void {
    ctx.setTimer(100, 'hello')
  }
  receive(_message: typeof Hello.Type, from: Address): void {
    this.heard.set(from, (this.heard.get(from) ?? 0) + 1)
  }
  timer(_tag: unknown, ctx: Context): void {
    for (const other of this.others) ctx.send(other, { hello: ctx.self })
    ctx.setTimer(100, 'hello')
  }
}

function run(faults: string) {
  const names = ['a', 'b', 'c']
  const sim = new Simulation({ seed: 1, network: RELIABLE_NETWORK, faults: [...parseFaultSchedule(faults)] })
  for (const name of names) sim.addNode(name, () => new Greeter(names.filter((n) => n !== name)))
  sim.run({ untilMs: 1_050 })
  return (name: string) => Object.fromEntries(sim.actor<Greeter>(name)!.heard)
}

describe('an asymmetric partition', () => {
  it('cuts one way only: a still hears b and c, they hear nothing of a; c and b still hear each other', () => {
    const heard = run('[{"at":0,"kind":"partition","groups":[["a"]],"oneWay":true}]')
    expect(heard('a')).toEqual({ b: 10, c: 10 })
    expect(heard('b')).toEqual({ c: 10 })
    expect(heard('c')).toEqual({ b: 10 })
  })

  it('orders its groups: a message is cut only from a group to a later one', () => {
    const heard = run('[{"at":0,"kind":"partition","groups":[["a"],["b"]],"oneWay":true}]')
    expect(heard('a')).toEqual({ b: 10, c: 10 }) // hears the later groups
    expect(heard('b')).toEqual({ c: 10 }) // hears only the group after it
    expect(heard('c')).toEqual({}) // the rest, last, hears no one
  })

  it('cuts one link alone when the rest is untouched: b does not hear a, and everyone else hears everyone', () => {
    const heard = run('[{"at":0,"kind":"partition","groups":[["a"],["b"]],"oneWay":true,"rest":"untouched"}]')
    expect(heard('a')).toEqual({ b: 10, c: 10 })
    expect(heard('b')).toEqual({ c: 10 })
    expect(heard('c')).toEqual({ a: 10, b: 10 })
  })

  it('is symmetric without oneWay, and healed like any partition', () => {
    const heard = run('[{"at":0,"kind":"partition","groups":[["a"]]},{"at":550,"kind":"heal"}]')
    expect(heard('a')).toEqual({ b: 5, c: 5 })
    expect(heard('b')).toEqual({ a: 5, c: 10 })
  })
})
