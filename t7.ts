import { dht } from './sim/scenarios/dht.ts'
import { KademliaNode } from './actors/peer/kademlia.ts'
import { Random } from './core/random.ts'
const { sim } = dht.build({ seed: 1, nodes: 500, untilMs: 30000 })
sim.run({ untilMs: 30000 })
const node = sim.actor<KademliaNode>('n7')!
const table = node.table
console.log('size', table.size, 'buckets', table.occupiedBuckets(), table.contacts()[0]!.id.constructor.name, (table as any).self.constructor.name)
const r = Random.fromSeed(3)
const targets = Array.from({ length: 1000 }, () => r.bytes(32))
let s = performance.now()
for (let rep = 0; rep < 50; rep++) for (const x of targets) table.closest(x, 20)
console.log('closest µs', ((performance.now() - s) * 1000 / 50000).toFixed(2))
const ids = table.contacts().map((c) => c.id)
s = performance.now()
for (let rep = 0; rep < 50; rep++) for (const x of ids) table.closest(x, 20)
console.log('closest(own contacts) µs', ((performance.now() - s) * 1000 / (50 * ids.length)).toFixed(2))
