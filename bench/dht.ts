import { runScenario } from '../sim/scenario.ts'
import { dht } from '../sim/scenarios/dht.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'

/**
 * A Kademlia network of N nodes bootstrapped in simulation (each joins through 3 bootstrap nodes, looks
 * itself up and refreshes its farthest bucket), then N lookups of random nodes. Reported beside the
 * targets it is held to: wall time under 60 s for 10,000 nodes on one core, and mean hops no worse
 * than ⌈log2 N⌉ (the paper's bound for b = 1).
 */
export interface DhtRow {
  readonly nodes: number
  readonly lookups: number
  readonly lookupSuccess: number
  readonly wallSeconds: number
  readonly targetSeconds: number
  readonly eventsPerSec: number
  readonly peakRssMiB: number
  readonly hopsMean: number
  readonly hopsP99: number
  readonly hopsBound: number
  readonly messagesPerLookup: number
}

export const dhtBench: Bench<DhtRow> = {
  ...BENCH_CATALOGUE.dht,
  run({ quick, log }) {
    const results: DhtRow[] = []
    for (const nodes of quick ? [1_000] : [1_000, 10_000]) {
      let peak = process.memoryUsage().rss
      const start = process.hrtime.bigint()
      const summary = runScenario(dht, { seed: 1, nodes, untilMs: dht.defaults.untilMs }, () => {
        peak = Math.max(peak, process.memoryUsage().rss)
      })
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9
      const row: DhtRow = {
        nodes,
        lookups: summary.lookups as number,
        lookupSuccess: summary.lookupSuccess as number,
        wallSeconds: Math.round(wallSeconds * 10) / 10,
        targetSeconds: Math.round((60 * nodes) / 10_000),
        eventsPerSec: Math.round(summary.events / wallSeconds),
        peakRssMiB: Math.round(peak / 2 ** 20),
        hopsMean: summary.hopsMean as number,
        hopsP99: summary.hopsP99 as number,
        hopsBound: Math.ceil(Math.log2(nodes)),
        messagesPerLookup: summary.messagesPerLookup as number,
      }
      results.push(row)
      log(`${nodes} nodes: ${row.wallSeconds} s (target ${row.targetSeconds} s), ${row.eventsPerSec.toLocaleString('en-US')} events/s, hops ${row.hopsMean} (bound ${row.hopsBound})`)
    }
    const table = formatTable(
      ['nodes', 'lookups', 'success', 'wall s', 'target s', 'events/s', 'peak RSS MiB', 'hops mean', 'hops p99', '⌈log2 N⌉', 'msgs/lookup'],
      results.map((r) => [r.nodes, r.lookups, r.lookupSuccess, r.wallSeconds, r.targetSeconds, r.eventsPerSec, r.peakRssMiB, r.hopsMean, r.hopsP99, r.hopsBound, r.messagesPerLookup]),
    )
    return { bench: 'dht', results, table }
  },
}
