import { Schema } from 'effect'
import type { Actor, Address, Context } from '../core/actor.ts'
import { Random } from '../core/random.ts'
import type { Isolation } from '../sim/isolation.ts'
import { sampleLatency } from '../sim/latency.ts'
import { RELIABLE_NETWORK } from '../sim/network.ts'
import { EventQueue } from '../sim/event-queue.ts'
import { Simulation } from '../sim/simulation.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'

/**
 * Message deliveries per second through the simulator on trivial ping-pong actors: every node pings a
 * random peer, the peer answers, and on the answer the node pings the next random peer, `rounds` times.
 *
 * Baseline, same run: the same deliveries (same nodes, same peers, same latency draws, same event
 * order) by a bare loop over the same event queue calling plain functions: no contexts, addresses,
 * isolation, network model, trace hashing or statistics. The ratio is what the kernel costs.
 */
const Ping = Schema.Struct({ type: Schema.Literals(['ping', 'pong']), round: Schema.Int })
type Ping = typeof Ping.Type

const LATENCY = RELIABLE_NETWORK.latency

class Pinger implements Actor<Ping> {
  readonly inbox = Ping
  constructor(
    private readonly members: readonly Address[],
    private readonly rounds: number,
  ) {}
  start(ctx: Context): void {
    ctx.send(ctx.random.pick(this.members), { type: 'ping', round: 1 })
  }
  receive(message: Ping, from: Address, ctx: Context): void {
    if (message.type === 'ping') ctx.send(from, { type: 'pong', round: message.round })
    else if (message.round < this.rounds) ctx.send(ctx.random.pick(this.members), { type: 'ping', round: message.round + 1 })
  }
}

function kernelRun(nodes: number, rounds: number, isolation: Isolation): { deliveries: number; seconds: number } {
  const members = Array.from({ length: nodes }, (_, i) => `n${i}`)
  const sim = new Simulation({ seed: 1, network: RELIABLE_NETWORK, isolation })
  for (const m of members) sim.addNode(m, () => new Pinger(members, rounds))
  const start = process.hrtime.bigint()
  const result = sim.run()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return { deliveries: result.stats.delivered, seconds }
}

function bareRun(nodes: number, rounds: number): { deliveries: number; seconds: number } {
  const root = Random.fromSeed(1)
  const pickers = Array.from({ length: nodes }, (_, i) => root.split(`actor:n${i}`))
  const nets = Array.from({ length: nodes }, (_, i) => root.split(`net:n${i}`))
  // An event is packed into one number: ((round * 2 + isPong) * nodes + to) * nodes + from.
  const queue = new EventQueue<number>()
  const start = process.hrtime.bigint()
  let now = 0
  let deliveries = 0
  const send = (from: number, to: number, round: number, pong: number) =>
    queue.push(now + sampleLatency(LATENCY, nets[from] as Random), ((round * 2 + pong) * nodes + to) * nodes + from)
  for (let i = 0; i < nodes; i++) send(i, (pickers[i] as Random).int(nodes), 1, 0)
  while (queue.size > 0) {
    now = queue.peekTime()
    const packed = queue.pop() as number
    const from = packed % nodes
    const to = Math.floor(packed / nodes) % nodes
    const kind = Math.floor(packed / nodes / nodes)
    const round = kind >> 1
    deliveries++
    if ((kind & 1) === 0) send(to, from, round, 1)
    else if (round < rounds) send(to, (pickers[to] as Random).int(nodes), round + 1, 0)
  }
  return { deliveries, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

export interface ThroughputRow {
  readonly nodes: number
  readonly mode: Isolation
  readonly deliveries: number
  readonly deliveriesPerSec: number
  readonly baselinePerSec: number
  readonly overhead: number
}

export const simThroughput: Bench<ThroughputRow> = {
  ...BENCH_CATALOGUE.simThroughput,
  run({ quick, log }) {
    const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]
    const results: ThroughputRow[] = []
    for (const nodes of sizes) {
      for (const mode of ['frozen', 'bytes'] as const) {
        // Enough rounds for about 2M deliveries in frozen mode and 400k in bytes mode (0.2M / 40k when quick).
        const target = (mode === 'frozen' ? 2_000_000 : 400_000) / (quick ? 10 : 1)
        const rounds = Math.max(1, Math.round(target / (2 * nodes)))
        const bare = bareRun(nodes, rounds)
        const kernel = kernelRun(nodes, rounds, mode)
        if (kernel.deliveries !== bare.deliveries) throw new Error(`kernel delivered ${kernel.deliveries}, baseline ${bare.deliveries}`)
        const row = {
          nodes,
          mode,
          deliveries: kernel.deliveries,
          deliveriesPerSec: Math.round(kernel.deliveries / kernel.seconds),
          baselinePerSec: Math.round(bare.deliveries / bare.seconds),
          overhead: 0,
        }
        row.overhead = Math.round((row.baselinePerSec / row.deliveriesPerSec) * 100) / 100
        results.push(row)
        log(`${nodes} nodes, ${mode}: ${row.deliveriesPerSec.toLocaleString('en-US')} deliveries/s (baseline ${row.baselinePerSec.toLocaleString('en-US')}/s)`)
      }
    }
    const table = formatTable(
      ['nodes', 'mode', 'deliveries', 'deliveries/s', 'baseline/s', 'overhead ×'],
      results.map((r) => [r.nodes, r.mode, r.deliveries, r.deliveriesPerSec, r.baselinePerSec, r.overhead]),
    )
    return { bench: 'sim-throughput', results, table }
  },
}
