import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { Random } from '../../core/random.ts'
import { MemoryKeyStore, ROOT_KEY } from '../../actors/identity/key-store.ts'
import { KademliaNode } from '../../actors/peer/kademlia.ts'
import { compareDistance, nodeIdOf, type NodeId } from '../../actors/peer/node-id.ts'
import type { Contact } from '../../actors/peer/routing-table.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { NO_RPC } from '../../actors/peer/rpc.ts'
import { CATALOGUE, ECLIPSE_SYBILS as SYBILS } from './catalogue.ts'

const K = 20
const GRIND = 5_000 // keys the attacker generates to pick the 50 ids nearest the victim
const ATTACK_AT_MS = 5_000
const VICTIM = 'n5'
const ATTACKER_GROUP = 'attacker'
/** The defended variant's limit per network group per bucket (routing-table.ts allows twice as many per table). */
const DEFENDED_MAX_PER_GROUP = 2
/** The Sybil contacts the defended victim's table can hold: its per-table group cap (seeds 1–8: exactly this). */
const DEFENDED_SYBIL_CAP = 2 * DEFENDED_MAX_PER_GROUP

/** What the summary adds (zeros when the victim is down). */
type EclipseFigures = {
  readonly capturedBuckets: number
  readonly totalBuckets: number
  readonly sybilContacts: number
  readonly tableSize: number
  readonly maxPerGroup: number
}

const address = (i: number) => `n${i}`
/** Every node's key is bound to its name, Sybils' too (sim/simulation.ts): a Sybil's ids are its own keys'. */
const sybil = (i: number) => `sybil${i}`
/** Honest nodes sit in networks of their own; every Sybil runs on the attacker's machines. */
const groupOf = (a: Address) => (a.startsWith('sybil') ? ATTACKER_GROUP : a)

/**
 * A Sybil: joins like any node, then pings the victim every 500 ms so that it keeps a place in the
 * victim's table, and answers every FIND_NODE with Sybils only (the ones closest to the target).
 */
class SybilNode extends KademliaNode {
  constructor(
    seed: Uint8Array,
    bootstrap: readonly Address[],
    private readonly victim: Address,
    private readonly colluders: () => Contact[],
  ) {
    super({ bootstrap, keys: new MemoryKeyStore(seed) })
  }

  override start(ctx: Context): void {
    super.start(ctx)
    ctx.setTimer(0, 'harass')
  }

  override timer(tag: TimerTag, ctx: Context): void {
    if (tag !== 'harass') return super.timer(tag, ctx)
    ctx.send(this.victim, { type: 'ping', rpc: NO_RPC, key: this.key })
    ctx.setTimer(500, 'harass')
  }

  protected override answerFor(target: NodeId, asker: Address): Contact[] {
    return this.colluders()
      .filter((c) => c.address !== asker)
      .sort((a, b) => compareDistance(target, a.id, b.id))
      .slice(0, K)
  }
}

function build(options: ScenarioOptions, maxPerGroup: number): ScenarioRun<EclipseFigures> {
  const n = options.nodes
  const members = Array.from({ length: n }, (_, i) => address(i))
  const bootstrap = members.slice(0, 3)
  const random = Random.fromSeed(options.seed).split('scenario:eclipse')
  const victimSeed = random.bytes(32)
  const victimId = nodeIdOf(new MemoryKeyStore(victimSeed).publicKey(ROOT_KEY))
  // The attacker grinds keys and keeps those whose ids fall nearest the victim.
  const ground = Array.from({ length: GRIND }, () => {
    const seed = random.bytes(32)
    return { seed, id: nodeIdOf(new MemoryKeyStore(seed).publicKey(ROOT_KEY)) }
  })
    .sort((a, b) => compareDistance(victimId, a.id, b.id))
    .slice(0, SYBILS)
  const sybils: Contact[] = ground.map((g, i) => ({ id: g.id, address: sybil(i) }))
  const sim = new Simulation({ ...runSettings(options), network: DEFAULT_NETWORK })
  members.forEach((m, i) => {
    const keys = m === VICTIM ? new MemoryKeyStore(victimSeed) : undefined
    sim.addNode(m, () => new KademliaNode({ bootstrap, groupOf, maxPerGroup, ...(keys && { keys }) }), { bootAt: (i * ATTACK_AT_MS) / (2 * n) })
  })
  ground.forEach((g, i) => sim.addNode(sybil(i), () => new SybilNode(g.seed, bootstrap, VICTIM, () => sybils), { bootAt: ATTACK_AT_MS + i * 10 }))
  return {
    sim,
    summarize: () => {
      const victim = sim.actor<KademliaNode>(VICTIM)
      if (victim === undefined) return { capturedBuckets: 0, totalBuckets: 0, sybilContacts: 0, tableSize: 0, maxPerGroup }
      const buckets = victim.table.occupiedBuckets().map((i) => victim.table.bucketContacts(i))
      const evil = (bucket: readonly Contact[]) => bucket.filter((c) => groupOf(c.address) === ATTACKER_GROUP).length
      return {
        // A bucket is captured when Sybils hold at least half of it: lookups through it go mostly to the attacker.
        capturedBuckets: buckets.filter((b) => 2 * evil(b) >= b.length).length,
        totalBuckets: buckets.length,
        sybilContacts: buckets.reduce((a, b) => a + evil(b), 0),
        tableSize: victim.table.size,
        maxPerGroup,
      }
    },
  }
}

const sybilsInTable = (s: EclipseFigures) => `${s.sybilContacts} of ${s.tableSize} contacts are Sybils`

export const eclipse: Scenario<EclipseFigures> = {
  ...CATALOGUE.eclipse,
  faultTargets: (nodes) => Array.from({ length: nodes - 3 }, (_, i) => address(i + 3)).filter((a) => a !== VICTIM),
  build: (options) => build(options, DEFENDED_MAX_PER_GROUP),
  expectations: [
    {
      name: `Sybils hold ≤ ${DEFENDED_SYBIL_CAP} places in the victim's table`,
      check: (s) => ({ held: s.tableSize > 0 && s.sybilContacts <= DEFENDED_SYBIL_CAP, detail: s.tableSize > 0 ? sybilsInTable(s) : 'the victim is down' }),
    },
    {
      // Seeds 1–8 capture 2 to 4 of 9 to 14 buckets: the nearest ones, which hold few honest nodes (docs/dht.md).
      name: "fewer than half of the victim's buckets captured",
      check: (s) => ({ held: 2 * s.capturedBuckets < s.totalBuckets, detail: s.totalBuckets > 0 ? `${s.capturedBuckets} of ${s.totalBuckets} buckets captured` : 'the victim is down' }),
    },
  ],
  units: { capturedBuckets: 'buckets', totalBuckets: 'buckets', sybilContacts: 'contacts', tableSize: 'contacts', maxPerGroup: 'contacts' },
}

/** The control: without the limit the attack succeeds (seeds 1–8: 45 to 50 Sybil contacts). */
export const eclipseUndefended: Scenario<EclipseFigures> = {
  ...eclipse,
  ...CATALOGUE.eclipseUndefended,
  build: (options) => build(options, K),
  expectations: [
    {
      name: `Sybils take > ${DEFENDED_SYBIL_CAP} places in the victim's table (the attack the limit stops)`,
      check: (s) => ({ held: s.sybilContacts > DEFENDED_SYBIL_CAP, detail: s.tableSize > 0 ? sybilsInTable(s) : 'the victim is down' }),
    },
  ],
}
