import { runScenario } from './sim/scenario.ts'
import { dht } from './sim/scenarios/dht.ts'
const t = performance.now()
const s = runScenario(dht, { seed: 1, nodes: 2000, untilMs: 30000 })
console.log(((performance.now() - t) / 1000).toFixed(1), 's', s.events)
