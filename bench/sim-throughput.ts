import { Schema } from 'effect'
import type { Actor, Address, Context } from '../core/actor.ts'
import type { Isolation } from '../sim/isolation.ts'
import { RELIABLE_NETWORK } from '../sim/network.ts'
import { Simulation } from '../sim/simulation.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'
import { fakeTimersRun, typedHeapRun, type PeerRun } from './sim-throughput-peers.ts'

/**
 * Message deliveries per second through the simulator on trivial ping-pong actors: every node pings a
 * random peer, the peer answers, and on the answer the node pings the next random peer, `rounds` times.
 *
 * Two peers, same run, same workload and draws (bench/sim-throughput-peers.ts): a bare loop over the
 * simulator's typed heap (the practical limit of JS: no contexts, addresses, isolation, network
 * model, trace hashing or statistics; `heap ×` is what the kernel costs above it), and
 * @sinonjs/fake-timers, the usual virtual clock of JS tests (`× fake-timers` is how much faster the
 * kernel is).
 */
const Ping = Schema.Struct({ type: Schema.Literals(['ping', 'pong']), round: Schema.Int })
type Ping = typeof Ping.Type

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

function kernelRun(nodes: number, rounds: number, isolation: Isolation): PeerRun {
  const members = Array.from({ length: nodes }, (_, i) => `n${i}`)
  const sim = new Simulation({ seed: 1, network: RELIABLE_NETWORK, isolation })
  for (const m of members) sim.addNode(m, () => new Pinger(members, rounds))
  const start = process.hrtime.bigint()
  const result = sim.run()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return { deliveries: result.stats.delivered, seconds }
}

export interface ThroughputRow {
  readonly nodes: number
  readonly mode: Isolation
  readonly deliveries: number
  readonly deliveriesPerSec: number
  readonly typedHeapPerSec: number
  readonly fakeTimersPerSec: number
  /** typedHeapPerSec / deliveriesPerSec: what the kernel costs above a bare loop over its heap. */
  readonly overhead: number
  /** deliveriesPerSec / fakeTimersPerSec. */
  readonly vsFakeTimers: number
}

/** Deliveries a row aims at in frozen mode (bytes mode: a fifth); a tenth of it with --quick. */
const FROZEN_DELIVERIES = 2_000_000
const BYTES_DELIVERIES = 400_000
const QUICK_DIVISOR = 10

export const simThroughput: Bench<ThroughputRow> = {
  ...BENCH_CATALOGUE.simThroughput,
  run({ quick, log }) {
    const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]
    const results: ThroughputRow[] = []
    for (const nodes of sizes) {
      for (const mode of ['frozen', 'bytes'] as const) {
        const target = (mode === 'frozen' ? FROZEN_DELIVERIES : BYTES_DELIVERIES) / (quick ? QUICK_DIVISOR : 1)
        const rounds = Math.max(1, Math.round(target / (2 * nodes)))
        const heap = typedHeapRun(nodes, rounds)
        const fake = fakeTimersRun(nodes, rounds)
        const kernel = kernelRun(nodes, rounds, mode)
        for (const [peer, run] of [['typed heap', heap], ['fake-timers', fake]] as const) {
          if (run.deliveries !== kernel.deliveries) throw new Error(`kernel delivered ${kernel.deliveries}, ${peer} ${run.deliveries}`)
        }
        const perSec = (run: PeerRun) => Math.round(run.deliveries / run.seconds)
        const row: ThroughputRow = {
          nodes,
          mode,
          deliveries: kernel.deliveries,
          deliveriesPerSec: perSec(kernel),
          typedHeapPerSec: perSec(heap),
          fakeTimersPerSec: perSec(fake),
          overhead: ratio(perSec(heap), perSec(kernel)),
          vsFakeTimers: ratio(perSec(kernel), perSec(fake)),
        }
        results.push(row)
        const n = (x: number) => x.toLocaleString('en-US')
        log(`${nodes} nodes, ${mode}: ${n(row.deliveriesPerSec)} deliveries/s (typed heap ${n(row.typedHeapPerSec)}/s, fake-timers ${n(row.fakeTimersPerSec)}/s)`)
      }
    }
    const table = formatTable(
      ['nodes', 'mode', 'deliveries', 'deliveries/s', 'typed heap/s', 'fake-timers/s', 'heap ×', '× fake-timers'],
      results.map((r) => [r.nodes, r.mode, r.deliveries, r.deliveriesPerSec, r.typedHeapPerSec, r.fakeTimersPerSec, r.overhead, r.vsFakeTimers]),
    )
    return { bench: 'sim-throughput', results, table }
  },
}

/** a / b to two decimals. */
function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100
}
