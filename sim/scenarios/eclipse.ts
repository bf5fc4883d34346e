import type { Address } from '../../core/actor.ts'
import { Random } from '../../core/random.ts'
import { MemoryKeyStore, ROOT_KEY } from '../../actors/identity/key-store.ts'
import { KademliaNode } from '../../actors/peer/kademlia.ts'
import { compareDistance, nodeIdOf } from '../../actors/peer/node-id.ts'
import type { Contact } from '../../actors/peer/routing-table.ts'
import { sybilName, type Fault } from '../faults.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE, ECLIPSE_SYBILS as SYBILS } from './catalogue.ts'

const K = 20
const GRIND = 5_000 // keys the attacker generates to pick the 50 ids nearest the victim
const ATTACK_AT_MS = 5_000
/** Sybils boot this far apart (50 join within half a second): the hand-written attack's spacing, kept for its figures. */
const SYBIL_SPACING_MS = 10
const VICTIM = 'n5'
const ATTACKER_GROUP = 'attacker'
/** The defended variant's limit per network group per bucket (routing-table.ts allows twice as many per table). */
const DEFENDED_MAX_PER_GROUP = 2
/** The Sybil contacts the defended victim's table can hold: its per-table group cap (seeds 1–8: exactly this). */
const DEFENDED_SYBIL_CAP = 2 * DEFENDED_MAX_PER_GROUP

/**
 * The attack, as a fault of the scenario's own workload (sim/faults.ts): 50 identities of the
 * adversary, each running the honest Kademlia code with a ground key, made to lie by `collude`: every
 * FIND_NODE or FIND_VALUE an honest node asks one of them is answered with the Sybils nearest the target
 * (the lie hook, actors/peer/kademlia-lie.ts), alike from all of them, to every honest node.
 */
const ATTACK = {
  at: ATTACK_AT_MS,
  kind: 'sybil',
  count: SYBILS,
  prefix: 'sybil',
  spacingMs: SYBIL_SPACING_MS,
  behaviour: { kind: 'collude', deceive: 'all' },
} as const satisfies Fault
const sybilNames = Array.from({ length: SYBILS }, (_, i) => sybilName(ATTACK, i))
const sybilSet = new Set(sybilNames)

/** What the summary adds (zeros when the victim is down). */
type EclipseFigures = {
  readonly capturedBuckets: number
  readonly totalBuckets: number
  readonly sybilContacts: number
  readonly tableSize: number
  readonly maxPerGroup: number
}

const address = (i: number) => `n${i}`
/** Honest nodes sit in networks of their own; every Sybil of the attack runs on the attacker's machines. */
const groupOf = (a: Address) => (sybilSet.has(a) ? ATTACKER_GROUP : a)

function build(options: ScenarioOptions, maxPerGroup: number): ScenarioRun<EclipseFigures> {
  const n = options.nodes
  const members = Array.from({ length: n }, (_, i) => address(i))
  const bootstrap = members.slice(0, 3)
  const random = Random.fromSeed(options.seed).split('scenario:eclipse')
  const victimSeed = random.bytes(32)
  const victimId = nodeIdOf(new MemoryKeyStore(victimSeed).publicKey(ROOT_KEY))
  // The attacker grinds keys and keeps those whose ids fall nearest the victim. Every node's key is
  // bound to its name at boot (sim/simulation.ts), Sybils' too: a Sybil's id is its own key's.
  const ground = Array.from({ length: GRIND }, () => random.bytes(32))
    .map((seed) => ({ seed, id: nodeIdOf(new MemoryKeyStore(seed).publicKey(ROOT_KEY)) }))
    .sort((a, b) => compareDistance(victimId, a.id, b.id))
    .slice(0, SYBILS)
  const groundSeeds = new Map(ground.map((g, i) => [sybilNames[i]!, g.seed]))
  // The Sybils join through the victim as well as the bootstrap nodes, so the victim hears each the
  // moment it boots. (The hand-written Sybils this replaces pinged it every 500 ms from then on; only
  // the first ping ever changed its table: the figures are the same, seeds 1–8, docs/dht.md.)
  const sybilBootstrap = [...bootstrap, VICTIM]
  const sim = new Simulation({
    ...runSettings(options),
    faults: [...(options.faults ?? []), ATTACK],
    network: DEFAULT_NETWORK,
    // A Sybil of a fault of the caller's own (another prefix) has a key of its own, ground for nothing.
    sybil: (self) => {
      const seed = groundSeeds.get(self)
      return new KademliaNode({ bootstrap: sybilBootstrap, ...(seed && { keys: new MemoryKeyStore(seed) }) })
    },
  })
  members.forEach((m, i) => {
    const keys = m === VICTIM ? new MemoryKeyStore(victimSeed) : undefined
    sim.addNode(m, () => new KademliaNode({ bootstrap, groupOf, maxPerGroup, ...(keys && { keys }) }), { bootAt: (i * ATTACK_AT_MS) / (2 * n) })
  })
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
  // Kademlia lies (actors/peer/kademlia-lie.ts): routing answers full of the adversary's identities.
  lies: true,
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
