import type { Dissemination } from '../actors/consensus/voter.ts'
import { DEFAULT_NETWORK } from '../sim/network.ts'
import { runScenario } from '../sim/scenario.ts'
import { bftWith } from '../sim/scenarios/bft.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'
import { polynomialFit } from './fit.ts'

/**
 * The BFT voter in simulation (sim/scenarios/bft.ts: equal weights, DEFAULT_NETWORK, no faults), at
 * n = 4 … 256 in both dissemination modes: commits per second of virtual and of wall time, messages per
 * commit beside the textbook counts, and a height's latency in network delays. Then the least-squares
 * fits of messages per commit against n: a line for the collector mode (its slope is the figure), a
 * parabola for all-to-all (its n² coefficient).
 *
 * The textbook counts, per block, with n members:
 * - Tendermint / PBFT, all-to-all: a proposal to n − 1, then every member's prevote and precommit to
 *   n − 1 others: (n − 1)(2n + 1) ≈ 2n² (PBFT's pre-prepare, prepare and commit count the same);
 * - HotStuff, basic (not chained): a new-view to the leader, four leader broadcasts (prepare,
 *   pre-commit, commit, decide) and three rounds of votes to the leader: 8(n − 1).
 */
export type BftBenchRow =
  | {
      readonly kind: 'run'
      readonly nodes: number
      readonly mode: Dissemination
      readonly virtualSeconds: number
      readonly commits: number
      readonly commitsPerVirtualSec: number
      readonly commitsPerWallSec: number
      readonly messagesPerCommit: number
      /** Messages per commit over n. */
      readonly perMember: number
      readonly tendermint: number
      readonly hotstuff: number
      readonly heightMs: number
      /** heightMs over the network's median one-way delay. */
      readonly delays: number
      readonly viewChanges: number
      readonly safetyViolations: number
    }
  | { readonly kind: 'fit'; readonly mode: Dissemination; readonly model: string; readonly coefficients: readonly number[] }

const SIZES = [4, 16, 64, 100, 256]
const QUICK_SIZES = [4, 16, 64]
const MODES: readonly Dissemination[] = ['collector', 'all-to-all']
/**
 * Messages a row may simulate: the virtual time of a row is what this many messages take at the mode's
 * expected cost per block (a few blocks for all-to-all at n = 256, ~130k messages each), within
 * [MIN_VIRTUAL_MS, MAX_VIRTUAL_MS]. 400k keeps the whole bench to a few minutes on one core.
 */
const MESSAGE_BUDGET = 400_000
const QUICK_DIVISOR = 10
/** At least a few blocks (one takes ~200 ms), at most what gives a stable rate. */
const MIN_VIRTUAL_MS = 1_000
const MAX_VIRTUAL_MS = 10_000
/** A block with honest leaders: the 100 ms pause and a handful of network delays (measured 170–250 ms). */
const TYPICAL_BLOCK_MS = 220
/** The network's median one-way delay: latencies are given in these units. */
const MEDIAN_DELAY_MS = DEFAULT_NETWORK.latency.kind === 'lognormal' ? DEFAULT_NETWORK.latency.medianMs : Number.NaN

export const tendermintCount = (n: number): number => (n - 1) * (2 * n + 1)
export const hotstuffCount = (n: number): number => 8 * (n - 1)
/** What a block is expected to cost in each mode (the collector's 6(n − 1): docs/consensus.md). */
const expectedPerBlock = (n: number, mode: Dissemination): number => (mode === 'collector' ? 6 * (n - 1) : tendermintCount(n))

/** The virtual time a row runs for, from the message budget. */
export function virtualMsFor(n: number, mode: Dissemination, quick: boolean): number {
  const budget = MESSAGE_BUDGET / (quick ? QUICK_DIVISOR : 1)
  const ms = Math.round((budget / expectedPerBlock(n, mode)) * TYPICAL_BLOCK_MS)
  return Math.min(MAX_VIRTUAL_MS, Math.max(MIN_VIRTUAL_MS, ms))
}

const round2 = (x: number) => Math.round(x * 100) / 100

export const bftBench: Bench<BftBenchRow> = {
  ...BENCH_CATALOGUE.bft,
  run({ quick, log }) {
    const runs: Extract<BftBenchRow, { kind: 'run' }>[] = []
    for (const nodes of quick ? QUICK_SIZES : SIZES) {
      for (const mode of MODES) {
        const untilMs = virtualMsFor(nodes, mode, quick)
        const start = process.hrtime.bigint()
        const s = runScenario(bftWith({ dissemination: mode }), { seed: 1, nodes, untilMs })
        const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9
        const row = {
          kind: 'run' as const,
          nodes,
          mode,
          virtualSeconds: untilMs / 1000,
          commits: s.commits,
          commitsPerVirtualSec: round2(s.commitsPerSecond),
          commitsPerWallSec: round2(s.commits / wallSeconds),
          messagesPerCommit: Math.round(s.messagesPerCommit),
          perMember: round2(s.messagesPerCommit / nodes),
          tendermint: tendermintCount(nodes),
          hotstuff: hotstuffCount(nodes),
          heightMs: Math.round(s.commitLatencyP50Ms),
          delays: round2(s.commitLatencyP50Ms / MEDIAN_DELAY_MS),
          viewChanges: s.viewChanges,
          safetyViolations: s.safetyViolations,
        }
        runs.push(row)
        log(`n = ${nodes}, ${mode}: ${row.commits} blocks in ${row.virtualSeconds} s virtual (${round2(wallSeconds)} s wall), ${row.messagesPerCommit} messages a block`)
      }
    }
    const fitOf = (mode: Dissemination, degree: number) => {
      const rows = runs.filter((r) => r.mode === mode && r.commits > 0)
      return polynomialFit(
        rows.map((r) => r.nodes),
        rows.map((r) => r.messagesPerCommit),
        degree,
      ).map(round2)
    }
    const fits: BftBenchRow[] = [
      { kind: 'fit', mode: 'collector', model: 'c0 + c1·n', coefficients: fitOf('collector', 1) },
      { kind: 'fit', mode: 'all-to-all', model: 'c0 + c1·n + c2·n²', coefficients: fitOf('all-to-all', 2) },
    ]
    const table = formatTable(
      ['n', 'mode', 'virtual s', 'blocks', 'blocks/s virtual', 'blocks/s wall', 'msgs/block', 'msgs/block/n', 'Tendermint (n−1)(2n+1)', 'HotStuff 8(n−1)', 'height ms', 'delays', 'rounds > 0', 'forks'],
      runs.map((r) => [r.nodes, r.mode, r.virtualSeconds, r.commits, r.commitsPerVirtualSec, r.commitsPerWallSec, r.messagesPerCommit, r.perMember, r.tendermint, r.hotstuff, r.heightMs, r.delays, r.viewChanges, r.safetyViolations]),
    )
    const [c0, c1] = (fits[0] as { coefficients: readonly number[] }).coefficients
    const [d0, d1, d2] = (fits[1] as { coefficients: readonly number[] }).coefficients
    const fitted = `\n\nleast squares, messages per block against n:\n  collector:  ${c1} n + ${c0}  (slope ${c1} messages per member)\n  all-to-all: ${d2} n² + ${d1} n + ${d0}`
    return { bench: 'bft', results: [...runs, ...fits], table: table + fitted }
  },
}
