import { MemoryKeyStore, ROOT_KEY } from '../../actors/identity/key-store.ts'
import { VainNode } from '../../actors/node/vain-node.ts'
import { bytesEqual } from '../../core/bytes.ts'
import { Random } from '../../core/random.ts'
import { idsEqual, nodeIdOf } from '../../actors/peer/node-id.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE } from './catalogue.ts'

const address = (i: number) => `n${i}`
const PUBLISHER = 1
const GREETING = new TextEncoder().encode('hello from n1')

/** What the summary adds: the smallest and largest routing table, the nodes holding the record, and whether it was found. */
type NodeFigures = { readonly tableMin: number; readonly tableMax: number; readonly recordHolders: number; readonly recordFound: boolean }

function build(options: ScenarioOptions): ScenarioRun<NodeFigures> {
  const n = options.nodes
  const random = Random.fromSeed(options.seed).split('scenario:node')
  const seeds = Array.from({ length: n }, () => random.bytes(32))
  const members = seeds.map((_, i) => address(i))
  const onLan = (i: number) => i < Math.ceil(n / 3)
  const searcher = address(n - 1)
  const publisher = new MemoryKeyStore(seeds[PUBLISHER]!).publicKey(ROOT_KEY)
  const ids = new Map(seeds.map((seed, i) => [address(i), nodeIdOf(new MemoryKeyStore(seed).publicKey(ROOT_KEY))]))
  const sim = new Simulation({
    ...runSettings(options),
    network: DEFAULT_NETWORK,
    // Safety holds under any fault schedule (`vain check node`): tables hold only real nodes under
    // their true addresses, and whatever is found is what the publisher published. How full the
    // tables get and whether the record is found depend on the faults: the summary reports them.
    invariants: [
      {
        name: 'no false contacts',
        when: 'end',
        check: (view) => {
          for (const m of members) {
            const wrong = view.actor<VainNode>(m)?.peer.table.contacts().find((c) => !idsEqual(c.id, ids.get(c.address) ?? new Uint8Array(0)))
            if (wrong !== undefined) return `${m} holds a contact at ${wrong.address} whose id is not that node's`
          }
          return undefined
        },
      },
      {
        name: 'only the published record is found',
        when: 'end',
        check: (view) => {
          const found = [...(view.actor<VainNode>(searcher)?.found.values() ?? [])]
          return found.every((r) => bytesEqual(r.value, GREETING) && bytesEqual(r.publisher, publisher)) ? undefined : `${searcher} found something else`
        },
      },
    ],
  })
  members.forEach((m, i) =>
    sim.addNode(
      m,
      () =>
        new VainNode({
          identity: { keys: new MemoryKeyStore(seeds[i]!) },
          listen: m,
          // The first third share a LAN and find each other by broadcast; the rest join through n0.
          bootstrap: onLan(i) ? [] : [address(0)],
          ...(i === PUBLISHER && { publish: [{ name: 'greeting', value: GREETING }] }),
          ...(m === searcher && { find: [{ publisher, name: 'greeting' }] }),
        }),
      { bootAt: i * 100, lan: onLan(i) ? 'lan' : `home-${m}`, identity: (node) => node.peer.identity },
    ),
  )
  return {
    sim,
    summarize: () => {
      const tables = members.map((m) => sim.actor<VainNode>(m)?.peer.table.size ?? 0)
      const holders = members.filter((m) => (sim.actor<VainNode>(m)?.peer.records.size ?? 0) > 0).length
      return { tableMin: Math.min(...tables), tableMax: Math.max(...tables), recordHolders: holders, recordFound: (sim.actor<VainNode>(searcher)?.found.size ?? 0) > 0 }
    },
  }
}

export const node: Scenario<NodeFigures> = {
  // Kademlia lies (actors/peer/kademlia-lie.ts): routing answers full of the adversary's identities.
  lies: true,
  ...CATALOGUE.node,
  faultTargets: (nodes) => Array.from({ length: nodes }, (_, i) => address(i)).filter((m, i) => i !== 0 && i !== PUBLISHER && i !== nodes - 1),
  build,
  // At the defaults every table holds 20 or more contacts and the record is found (seeds 1–8).
  expectations: [
    {
      name: 'every node joined (a contact or more in its table)',
      check: (s) => ({ held: s.tableMin >= 1, detail: `smallest table: ${s.tableMin} contacts` }),
    },
    {
      name: 'the searcher finds the published record',
      check: (s) => ({ held: s.recordFound, detail: `${s.recordFound ? 'found' : 'not found'}; ${s.recordHolders} nodes hold it` }),
    },
  ],
  units: { tableMin: 'contacts', tableMax: 'contacts', recordHolders: 'nodes', recordFound: 'yes/no' },
}
