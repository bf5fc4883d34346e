import { runScenario } from './sim/scenario.ts'
import { dht } from './sim/scenarios/dht.ts'
import { RoutingTable } from './actors/peer/routing-table.ts'
import { Lookup } from './actors/peer/lookup.ts'
import { KademliaNode } from './actors/peer/kademlia.ts'
import * as codec from './core/codec.ts'
const acc: Record<string, [number, number]> = {}
function wrap(obj: any, name: string, label = name) {
  const orig = obj[name]
  obj[name] = function (...a: any[]) { const s = performance.now(); try { return orig.apply(this, a) } finally { const e = acc[label] ?? (acc[label] = [0, 0]); e[0] += performance.now() - s; e[1]++ } }
}
wrap(RoutingTable.prototype, 'closest'); wrap(RoutingTable.prototype, 'observe', 'table.observe'); wrap(Lookup.prototype, 'answered'); wrap(Lookup.prototype, 'next')
wrap(KademliaNode.prototype, 'receive'); wrap(KademliaNode.prototype, 'start')
const t = performance.now()
const s = runScenario(dht, { seed: 1, nodes: 2000, untilMs: 30000 })
console.log(((performance.now() - t) / 1000).toFixed(1), 's', s.events)
for (const [k, [ms, n]] of Object.entries(acc)) console.log(k.padEnd(14), (ms / 1000).toFixed(2), 's', n, 'calls', (ms * 1000 / n).toFixed(2), 'µs/call')
