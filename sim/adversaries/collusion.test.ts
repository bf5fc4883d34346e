import { describe, expect, it } from 'vitest'
import type { Actor, Address, Context } from '../../core/actor.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { KademliaInbox, KademliaNode } from '../../actors/peer/kademlia.ts'
import { unpackContacts } from '../../actors/peer/kademlia-rpc.ts'
import { nodeIdOf } from '../../actors/peer/node-id.ts'
import { parseFaultSchedule, type Fault } from '../faults.ts'
import { RELIABLE_NETWORK } from '../network.ts'
import { Simulation } from '../simulation.ts'
import type { Behaviour } from './behaviours.ts'

const HONEST = Array.from({ length: 6 }, (_, i) => `h${i}`)
const COLLUDERS = ['c0', 'c1']
/** Askers: enough that both sides of a split are drawn (all on one side: 2 in 2^12). */
const ASKERS = Array.from({ length: 12 }, (_, i) => `a${i}`)
/** By then every Kademlia node has joined, and its table holds the honest nodes. */
const ASK_AT_MS = 3_000

/** Sends one FIND_NODE (the same target) to each colluder at ASK_AT_MS and keeps the addresses each reply lists. */
class Asker implements Actor<KademliaInbox> {
  readonly inbox = KademliaInbox
  readonly replies = new Map<Address, string[]>()
  private readonly key: Uint8Array

  constructor(seed: number) {
    this.key = ed25519FromSeed(new Uint8Array(32).fill(seed)).publicKey
  }

  start(ctx: Context): void {
    ctx.setTimer(ASK_AT_MS, 'ask')
  }

  timer(_tag: unknown, ctx: Context): void {
    const target = nodeIdOf(ed25519FromSeed(new Uint8Array(32).fill(200)).publicKey)
    COLLUDERS.forEach((c, i) => ctx.send(c, { type: 'find_node', rpc: new Uint8Array(8).fill(i + 1), key: this.key, target }))
  }

  receive(message: KademliaInbox, from: Address): void {
    if (message.type === 'nodes') this.replies.set(from, unpackContacts(message, 'nobody').map((c) => c.address))
  }
}

/**
 * Honest Kademlia nodes, two colluding ones, and askers, on a network that loses nothing; the
 * `colludingAskers` collude too. Returns, per asker, the addresses in the replies of c0 and c1.
 */
function run(behaviour: Behaviour, colludingAskers: readonly Address[] = []): Map<Address, [string[], string[]]> {
  const faults: Fault[] = [...COLLUDERS, ...colludingAskers].map((node) => ({ at: 0, kind: 'byzantine', node, behaviour }))
  const sim = new Simulation({ seed: 5, faults, network: RELIABLE_NETWORK })
  for (const h of [...HONEST, ...COLLUDERS]) sim.addNode(h, () => new KademliaNode({ bootstrap: ['h0'] }))
  ASKERS.forEach((a, i) => sim.addNode(a, () => new Asker(i + 1)))
  expect(sim.run({ untilMs: ASK_AT_MS + 2_000 }).violations).toEqual([])
  return new Map(ASKERS.map((a) => [a, COLLUDERS.map((c) => sim.actor<Asker>(a)!.replies.get(c)!) as [string[], string[]]]))
}

const isLie = (addresses: readonly string[]) => addresses.length > 0 && addresses.every((a) => COLLUDERS.includes(a))

describe('collude: Kademlia colluders coordinated by one controller', () => {
  it('tell the same asker the same lie, or both the truth: the controller split the askers once for both', () => {
    const replies = run({ kind: 'collude' })
    let lied = 0
    for (const [asker, [r0, r1]] of replies) {
      expect(isLie(r0), asker).toBe(isLie(r1))
      if (!isLie(r0)) {
        expect(r0.some((a) => HONEST.includes(a))).toBe(true) // the truth: the honest nodes they know
        continue
      }
      lied++
      expect(r0).toEqual(r1) // one lie, the colluders nearest the target, from both
      expect([...r0].sort()).toEqual(COLLUDERS)
    }
    expect(lied).toBeGreaterThan(0)
    expect(lied).toBeLessThan(ASKERS.length)
  })

  it("with deceive: 'all', lie to every honest asker, and never to a fellow colluder", () => {
    const colluding = ['a0', 'a1', 'a2']
    const replies = run({ kind: 'collude', deceive: 'all' }, colluding)
    for (const [asker, [r0, r1]] of replies) {
      if (colluding.includes(asker)) {
        expect(isLie(r0) || isLie(r1), asker).toBe(false)
        expect(r0.some((a) => HONEST.includes(a))).toBe(true)
      } else {
        expect(isLie(r0) && isLie(r1), asker).toBe(true)
        expect(r0).toEqual(r1)
      }
    }
  })

  it("a schedule names it as data: collude's deceive is 'half' or 'all', and nothing else", () => {
    const sybils = (behaviour: string) => `[{"at":0,"kind":"sybil","count":2,"behaviour":${behaviour}}]`
    expect(parseFaultSchedule(sybils('{"kind":"collude","deceive":"all"}'))[0]).toMatchObject({ behaviour: { kind: 'collude', deceive: 'all' } })
    expect(() => parseFaultSchedule(sybils('{"kind":"collude","deceive":"most"}'))).toThrow(/fault 1 of 1 \(sybil\): "behaviour" collude: "deceive" must be "half" or "all", got "most"/)
  })
})
