import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Result, Schema } from 'effect'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame } from '../../core/codec.ts'
import type { Composite } from '../../core/composite.ts'
import { readEntry } from '../../actors/consensus/entries.ts'
import { verifyEvidence } from '../../actors/consensus/evidence.ts'
import { Commit, blockHash } from '../../actors/consensus/messages.ts'
import type { BftVoter, Dissemination } from '../../actors/consensus/voter.ts'
import { checkScenario } from '../check.ts'
import type { FaultSchedule } from '../faults.ts'
import { runScenario } from '../scenario.ts'
import { BftSync } from '../../actors/consensus/sync.ts'
import { bft, bftForgetful, bftUnsafe, bftWith, buildBft, type BftSettings } from './bft.ts'
import { CATALOGUE } from './catalogue.ts'

const SECONDS = 1000
const CHAIN = 'bft/chain'
/** Both ways of disseminating votes run the same rules: every protocol test runs in both. */
const MODES: readonly Dissemination[] = ['collector', 'all-to-all']
/** The scenario and its planted-bug variants in one mode. */
const scenariosIn = (dissemination: Dissemination) => ({
  bft: bftWith({ dissemination }),
  bftUnsafe: bftWith({ dissemination, plantedBug: 'half-quorum' }, CATALOGUE.bftUnsafe),
  bftForgetful: bftWith({ dissemination, plantedBug: 'forget-lock' }, CATALOGUE.bftForgetful),
})

/** Runs the scenario and returns its summary with every node's committed chain, record by record. */
function runWithChains(dissemination: Dissemination, nodes: number, untilMs: number, faults: FaultSchedule = [], seed = 1) {
  const run = bftWith({ dissemination }).build({ seed, nodes, untilMs, faults })
  const result = run.sim.run({ untilMs })
  const chains = run.sim.addresses().map((a) => {
    const log = run.sim.storage(a).log(CHAIN)
    // A node's record holds the block and the certificate it saw; the block's hash is what must agree.
    return Array.from({ length: log.length }, (_, i) => {
      const decoded = decodeFrame(log.get(i) as Uint8Array, Commit)
      if (Result.isFailure(decoded)) throw decoded.failure
      return toHex(blockHash(decoded.success.b))
    })
  })
  return { result, summary: run.summarize(result), chains, sim: run.sim }
}

/** A node's committed chain, commit by commit. */
function commitsOf(sim: ReturnType<typeof runWithChains>['sim'], address: string): Commit[] {
  const log = sim.storage(address).log(CHAIN)
  return Array.from({ length: log.length }, (_, i) => {
    const decoded = decodeFrame(log.get(i) as Uint8Array, Commit)
    if (Result.isFailure(decoded)) throw decoded.failure
    return decoded.success
  })
}

/** Every honest chain is a prefix of the longest honest one: they agree on every height two of them committed. */
function expectPrefixes(chains: readonly (readonly string[])[], honest: (i: number) => boolean = () => true): void {
  const mine = chains.filter((_, i) => honest(i))
  const longest = mine.reduce((a, b) => (b.length > a.length ? b : a))
  mine.forEach((chain, i) => expect(chain, `honest node ${i}`).toEqual(longest.slice(0, chain.length)))
}

/**
 * Generated runs of the correct voter per mode, per `npm test` (docs/consensus.md, *Liveness*, counts
 * them with the liveness property's): each costs 0.1 to 0.2 s of CPU here, and the file stays within a
 * minute on the shared machine. Long checks: `vain check bft --runs 10000`, BFT_CHECK_RUNS (both `vain
 * check` tests) and BFT_TWINS_RUNS.
 */
const CHECK_RUNS = Number(process.env.BFT_CHECK_RUNS ?? 20)
const BYZANTINE_CHECK_RUNS = Number(process.env.BFT_CHECK_RUNS ?? 16)
const TWINS_RUNS = Number(process.env.BFT_TWINS_RUNS ?? 30)
/** A test's timeout: a second a run leaves room for long checks on a loaded machine. */
const timeoutFor = (runs: number) => Math.max(120_000, runs * 1_000)

const collude = (node: string) => ({ at: 0, kind: 'byzantine' as const, node, behaviour: { kind: 'collude' as const } })

describe.each(MODES)('the bft scenario (%s)', (dissemination) => {
  const { bft } = scenariosIn(dissemination)
  it.each([4, 7])('%i honest validators commit blocks steadily and agree on every one', (nodes) => {
    const { result, summary, chains } = runWithChains(dissemination, nodes, 10 * SECONDS)
    expect(result.violations).toEqual([])
    // A block every few hundred ms with honest leaders (3 network delays and the 100 ms pause).
    expect(summary.commits).toBeGreaterThan(20)
    expect(summary.entries).toBeGreaterThan(0)
    expect(summary.safetyViolations).toBe(0)
    expectPrefixes(chains)
    // All but the last few heights are on every node.
    for (const chain of chains) expect(chain.length).toBeGreaterThan(summary.commits - 3)
  })

  it('replays exactly: the same seed and faults give the same trace hash', () => {
    const faults: FaultSchedule = [{ at: 500, kind: 'crash', node: 'n2', torn: true }, { at: 900, kind: 'restart', node: 'n2' }]
    const hashes = [1, 1, 2].map((seed) => runScenario(bft, { seed, nodes: 4, untilMs: 3 * SECONDS, faults }).traceHash)
    expect(hashes[0]).toBe(hashes[1])
    expect(hashes[0]).not.toBe(hashes[2])
  })

  it('keeps safety and every committed block through crashes and torn restarts, and the restarted catch up', () => {
    const faults: FaultSchedule = [
      { at: 1500, kind: 'crash', node: 'n1', torn: true },
      { at: 2500, kind: 'restart', node: 'n1' },
      { at: 4000, kind: 'crash', node: 'n2' },
      { at: 4100, kind: 'restart', node: 'n2' },
      { at: 6000, kind: 'crash', node: 'n3', torn: true },
      { at: 6000, kind: 'crash', node: 'n0', torn: true },
      { at: 6300, kind: 'restart', node: 'n3' },
      { at: 6400, kind: 'restart', node: 'n0' },
    ]
    const { result, summary, chains } = runWithChains(dissemination, 4, 12 * SECONDS, faults)
    expect(result.violations).toEqual([])
    expectPrefixes(chains)
    // Two of four down stops commits for a while; afterwards every node is back within a few heights.
    expect(summary.commits).toBeGreaterThan(20)
    for (const chain of chains) expect(chain.length).toBeGreaterThan(summary.commits - 3)
  })

  it('passes vain check: generated crashes, torn writes, partitions, clogs and skews break no invariant', () => {
    const report = checkScenario({ scenario: bft, nodes: 4, untilMs: 8 * SECONDS, runs: CHECK_RUNS, checkSeed: 13 })
    expect(report).toEqual({ ok: true, runs: CHECK_RUNS })
  }, timeoutFor(CHECK_RUNS))

  it('passes vain check with one Byzantine validator of four (f = 1) of any behaviour', () => {
    const report = checkScenario({ scenario: bft, nodes: 4, untilMs: 8 * SECONDS, runs: BYZANTINE_CHECK_RUNS, checkSeed: 7, byzantine: { maxNodes: 1 } })
    expect(report).toEqual({ ok: true, runs: BYZANTINE_CHECK_RUNS })
  }, timeoutFor(BYZANTINE_CHECK_RUNS))

  it.each([
    ['a twin of n1 on the other side of a partition', 4, [{ at: 0, kind: 'twin', node: 'n1' }, { at: 0, kind: 'partition', groups: [['n0', 'n1'], ["n1'", 'n2', 'n3']] }]],
    ['a twin of n1 that moves between sides', 4, [
      { at: 0, kind: 'twin', node: 'n1' },
      { at: 0, kind: 'partition', id: 'p', groups: [['n0', 'n1', 'n2'], ["n1'", 'n3']] },
      { at: 3000, kind: 'heal', id: 'p' },
      { at: 3000, kind: 'partition', id: 'q', groups: [['n0', 'n1'], ["n1'", 'n2', 'n3']] },
      // Liveness is promised after the network heals; a partition that cuts off an honest node while
      // a twin fills its place can hold the two remaining honest nodes a round apart for good.
      { at: 6000, kind: 'heal', id: 'q' },
    ]],
    ['twins of n1 and n2 among seven', 7, [
      { at: 0, kind: 'twin', node: 'n1' },
      { at: 0, kind: 'twin', node: 'n2' },
      { at: 0, kind: 'partition', groups: [['n0', 'n1', 'n2', 'n3'], ["n1'", "n2'", 'n4', 'n5', 'n6']] },
    ]],
    ['n1 equivocating', 4, [{ at: 0, kind: 'byzantine', node: 'n1', behaviour: { kind: 'equivocate' } }]],
    ['n1 lying', 4, [{ at: 0, kind: 'byzantine', node: 'n1', behaviour: { kind: 'lie' } }]],
    ['n1 and n4 colluding among seven', 7, [collude('n1'), collude('n4')]],
  ] as [string, number, FaultSchedule][])('stays safe and live with f Byzantine validators: %s', (_name, nodes, faults) => {
    const { result, summary, chains, sim } = runWithChains(dissemination, nodes, 10 * SECONDS, faults)
    expect(result.violations).toEqual([])
    expect(summary.byzantineWeight).toBeLessThan(1 / 3)
    // A lie behaviour that never lied would make this test pass on an empty attack.
    for (const fault of faults) if (fault.kind === 'byzantine') expect(result.adversary?.[fault.behaviour.kind]).toBeGreaterThan(0)
    expect(summary.commits).toBeGreaterThan(5)
    expectPrefixes(chains, (i) => !sim.isByzantine(`n${i}`))
  })

  it('the bound is tight: two colluders of four (half the weight) fork the honest nodes', () => {
    // Seed 6: where the colluders' split lands depends on the run (seeds 1 to 30, collector: 9 fork within 10 s).
    const run = runScenario(bft, { seed: 6, nodes: 4, untilMs: 10 * SECONDS, faults: [collude('n1'), collude('n3')] })
    expect(run.byzantineWeight).toBe(0.5)
    expect(run.violations.map((v) => v.invariant)).toEqual(['honest nodes agree on every height'])
  })

  it('the bound is tight: a silent third of the weight stops every commit (liveness)', () => {
    const silent = (node: string) => ({ at: 0, kind: 'byzantine' as const, node, behaviour: { kind: 'silent' as const } })
    const run = runScenario(bft, { seed: 1, nodes: 6, untilMs: 5 * SECONDS, faults: [silent('n1'), silent('n4')] })
    expect(run.byzantineWeight).toBeCloseTo(1 / 3)
    expect(run.violations).toEqual([])
    expect(run.commits).toBe(0)
    expect(run.expectations[0]).toMatchObject({ held: false })
  })
})

/**
 * Twins as a property (Bano et al.): one of four validators has a twin, and a few times over the run the
 * five copies are split into two random sides; crashes and restarts of honest nodes on top. Safety must
 * hold whatever the splits; fast-check shrinks a failure to the fewest splits.
 */
const twinsSchedule = fc
  .record({
    twinned: fc.integer({ min: 0, max: 3 }),
    splits: fc.array(fc.record({ at: fc.integer({ min: 0, max: 4000 }), side: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }) }), { minLength: 1, maxLength: 4 }),
    crash: fc.option(fc.record({ node: fc.integer({ min: 0, max: 3 }), at: fc.integer({ min: 0, max: 4000 }), torn: fc.boolean(), downMs: fc.integer({ min: 0, max: 1500 }) }), { nil: undefined }),
  })
  .map(({ twinned, splits, crash }): FaultSchedule => {
    const copies = ['n0', 'n1', 'n2', 'n3', `n${twinned}'`]
    const faults: FaultSchedule[number][] = [{ at: 0, kind: 'twin', node: `n${twinned}` }]
    splits.forEach(({ at, side }, i) => {
      faults.push({ at, kind: 'heal' }, { at, kind: 'partition', id: `s${i}`, groups: [copies.filter((_, c) => side[c])] })
    })
    // A crash of an honest node (a twinned one's crash is the adversary's business).
    if (crash !== undefined && crash.node !== twinned) {
      faults.push({ at: crash.at, kind: 'crash', node: `n${crash.node}`, torn: crash.torn }, { at: crash.at + crash.downMs, kind: 'restart', node: `n${crash.node}` })
    }
    faults.push({ at: 5000, kind: 'heal' })
    return faults.sort((a, b) => a.at - b.at)
  })

describe.each(MODES)('Twins (%s)', (dissemination) => {
  const { bft, bftUnsafe } = scenariosIn(dissemination)
  it('a twinned validator of four, under random splits of the copies, crashes and restarts: honest nodes never disagree', () => {
    fc.assert(
      fc.property(twinsSchedule, fc.nat(1000), (faults, seed) => {
        const run = runScenario(bft, { seed, nodes: 4, untilMs: 7 * SECONDS, faults })
        expect(run.violations).toEqual([])
        expect(run.byzantineWeight).toBe(0.25)
      }),
      { numRuns: TWINS_RUNS, seed: Number(process.env.BFT_TWINS_SEED ?? 5) },
    )
  }, timeoutFor(TWINS_RUNS))

  it('the same property finds the planted half-quorum bug', () => {
    const details = fc.check(
      fc.property(twinsSchedule, fc.nat(1000), (faults, seed) => runScenario(bftUnsafe, { seed, nodes: 4, untilMs: 7 * SECONDS, faults }).violations.length === 0),
      { numRuns: 15, seed: 5, endOnFailure: true },
    )
    expect(details.failed).toBe(true)
  }, 120_000)
})

describe('the bft-forgetful scenario (a validator that forgets its lock and votes when it restarts)', () => {
  // Found by the Twins property above with a restart in every run (all-to-all, run 338 at seed 5), as
  // fast-check shrank it. The mempool changed every run's messages: the schedule now forks the forgetful
  // voter (and not the correct one) at run seeds 8, 18 and 50 of the first 51 (it was 612 before).
  // `vain check bft-forgetful` does not find it in 4,000
  // runs (it needs a twin, a restart and splits aligned; Twins-style splits and reboots in its
  // generator did not change that).
  const seed = 8
  const faults: FaultSchedule = [
    { at: 0, kind: 'twin', node: 'n2' },
    { at: 117, kind: 'partition', id: 's3', groups: [['n0', 'n1', 'n2', 'n3', "n2'"]] },
    { at: 494, kind: 'heal' },
    { at: 494, kind: 'partition', id: 's0', groups: [['n1', "n2'"]] },
    { at: 1496, kind: 'crash', node: 'n0', torn: false },
    { at: 2254, kind: 'heal' },
    { at: 2254, kind: 'partition', id: 's1', groups: [['n0']] },
    { at: 2580, kind: 'restart', node: 'n0' },
    { at: 2807, kind: 'heal' },
    { at: 2807, kind: 'partition', id: 's2', groups: [['n2']] },
    { at: 5000, kind: 'heal' },
  ]

  it('all-to-all: forks under a twin and one restart, where the correct voter keeps every honest chain agreeing', () => {
    expectForksOnlyWhenForgetful('all-to-all', seed, faults)
  })

  // Collector mode, with the mempool: the same property, search seed 6, found it at run 2,197 (none in
  // 5,000 runs at seed 5), shrunk to a twin, one split, one crash and restart.
  it('collector: forks under a twin and one restart, where the correct voter keeps every honest chain agreeing', () => {
    expectForksOnlyWhenForgetful('collector', 646, [
      { at: 0, kind: 'twin', node: 'n3' },
      { at: 1937, kind: 'heal' },
      { at: 1937, kind: 'partition', id: 's0', groups: [['n1', 'n2', 'n3']] },
      { at: 2893, kind: 'crash', node: 'n2', torn: false },
      { at: 3195, kind: 'heal' },
      { at: 3390, kind: 'restart', node: 'n2' },
      { at: 5000, kind: 'heal' },
    ])
  })

  function expectForksOnlyWhenForgetful(dissemination: Dissemination, seed: number, faults: FaultSchedule) {
    const { bft, bftForgetful } = scenariosIn(dissemination)
    const forgetful = runScenario(bftForgetful, { seed, nodes: 4, untilMs: 7 * SECONDS, faults })
    expect(forgetful.violations.map((v) => v.invariant)).toEqual(['honest nodes agree on every height'])
    const correct = runScenario(bft, { seed, nodes: 4, untilMs: 7 * SECONDS, faults })
    expect(correct.violations).toEqual([])
    expect(correct.commits).toBeGreaterThan(5)
  }
})

describe.each(MODES)('weights, not head counts, decide (%s)', (dissemination) => {
  // n0 holds 4 of 9: a quorum is 7 (3w > 18), a blocking set 4.
  const weights = [4, 1, 1, 1, 1, 1]
  // At 1 ms, once the nodes have booted.
  const crash = (...nodes: string[]): FaultSchedule => nodes.map((node) => ({ at: 1, kind: 'crash', node }))
  const commitsWith = (faults: FaultSchedule) => {
    const run = buildBft({ seed: 1, nodes: 6, untilMs: 10 * SECONDS, faults }, { weights, dissemination })
    const result = run.sim.run({ untilMs: 10 * SECONDS })
    expect(result.violations).toEqual([])
    return run.summarize(result).commits
  }

  it('two light validators down of six: 7 of 9 is a quorum though 4 of 6 heads is not', () => {
    // Two of nine leader slots are dead, so some heights need a second or third round, and a quorum
    // needs every live member's vote, so one lost vote (1% loss) fails a round: measured 7 to 23 blocks
    // in 10 s over seeds 1 to 8 and both modes (seed 1, all-to-all: 7). The contrast below is none.
    expect(commitsWith(crash('n4', 'n5'))).toBeGreaterThan(5)
  })

  it('the heavy validator down: 5 of 9 is no quorum though 5 of 6 heads would be', () => {
    expect(commitsWith(crash('n0'))).toBe(0)
  })
})

describe('linear dissemination: messages per committed block, counted in the simulation', () => {
  // A proposal, the votes to the collector (precommits to the next leader too), two certificates:
  // 6(n − 1) a height. The default network's loss adds catch-up and, rarely, a slow round.
  const perBlock = (dissemination: Dissemination, nodes: number) => {
    const run = runScenario(bftWith({ dissemination }), { seed: 1, nodes, untilMs: 5 * SECONDS })
    expect(run.violations).toEqual([])
    expect(run.commits).toBeGreaterThan(10)
    return run.messagesPerCommit as number
  }

  it.each([4, 16, 64])('n = %i: at most 7n in the collector mode', (nodes) => {
    expect(perBlock('collector', nodes)).toBeLessThanOrEqual(7 * nodes)
  }, 60_000)

  it('all-to-all sends more than n² at n = 16: the contrast', () => {
    expect(perBlock('all-to-all', 16)).toBeGreaterThan(16 * 16)
  })
})

describe.each(MODES)('the bft-unsafe scenario (a quorum of half the weight, %s)', (dissemination) => {
  const { bftUnsafe } = scenariosIn(dissemination)
  // A twin: one Byzantine node is enough at half weight. Shrunk, search seed 3, in both modes: the lone twin.
  it('vain check finds the fork and shrinks it to one fault, a twin', () => {
    const report = checkScenario({ scenario: bftUnsafe, nodes: 4, untilMs: 8 * SECONDS, runs: 40, checkSeed: 3 })
    expect(report.ok).toBe(false)
    if (report.ok) return
    expect(report.summary.violations[0]?.invariant).toBe('honest nodes agree on every height')
    expect(report.minimal.faults.length).toBeLessThanOrEqual(report.firstFailure.faults.length)
    expect(report.minimal.faults).toHaveLength(1)
    expect(['partition', 'twin']).toContain(report.minimal.faults[0]?.kind)
  }, 180_000)
})

describe('light clients and range catch-up (actors/consensus/sync.ts)', () => {
  /** Runs the scenario with these settings; each node's chain (validators' and followers' logs), by block hash. */
  function runSynced(settings: BftSettings, untilMs: number, faults: FaultSchedule = [], seed = 1) {
    const run = buildBft({ seed, nodes: 4, untilMs, faults }, settings)
    const result = run.sim.run({ untilMs })
    const chainOf = (a: string) => {
      const log = run.sim.storage(a).log(a.startsWith('f') ? 'bft-follower/chain' : CHAIN)
      return Array.from({ length: log.length }, (_, i) => {
        const decoded = decodeFrame(log.get(i) as Uint8Array, Commit)
        if (Result.isFailure(decoded)) throw decoded.failure
        return toHex(blockHash(decoded.success.b))
      })
    }
    return { result, summary: run.summarize(result), sim: run.sim, chainOf }
  }
  const syncOf = (sim: ReturnType<typeof runSynced>['sim'], a: string) => sim.actor<Composite>(a)!.component<BftSync>('bft-sync')!

  it('followers end with the same chain as the validators, a block or two behind at most', () => {
    const { result, summary, sim, chainOf } = runSynced({ followers: 3 }, 10 * SECONDS)
    expect(result.violations).toEqual([])
    const members = ['n0', 'n1', 'n2', 'n3'].map(chainOf)
    const longest = members.reduce((a, b) => (b.length > a.length ? b : a))
    for (const f of ['f0', 'f1', 'f2']) {
      const chain = chainOf(f)
      expect(chain, f).toEqual(longest.slice(0, chain.length))
      expect(chain.length, f).toBeGreaterThan(summary.commits - 3)
      expect(syncOf(sim, f).refused.get('no-quorum')).toBeUndefined()
    }
  })

  it('followers never trust a single member: a lying validator\'s ranges are refused and they keep up from the others', () => {
    const faults: FaultSchedule = [{ at: 0, kind: 'byzantine', node: 'n3', behaviour: { kind: 'lie' } }]
    const { result, summary, sim, chainOf } = runSynced({ followers: 2 }, 10 * SECONDS, faults)
    // The agreement invariant covers the followers: not one block of theirs differs from the honest validators'.
    expect(result.violations).toEqual([])
    expect(summary.safetyViolations).toBe(0)
    const honest = chainOf('n0')
    for (const f of ['f0', 'f1']) {
      const chain = chainOf(f)
      expect(chain.length, f).toBeGreaterThan(summary.commits - 3)
      expect(chain).toEqual(honest.slice(0, chain.length))
      // The liar was asked, refused (twin blocks under real certificates) and passed over.
      expect(syncOf(sim, f).refused.get('no-quorum'), f).toBeGreaterThan(0)
    }
  })

  it('a validator down for 30 s catches up by ranges within a second of its restart; without them it takes many', () => {
    const faults: FaultSchedule = [{ at: 2 * SECONDS, kind: 'crash', node: 'n3' }, { at: 32 * SECONDS, kind: 'restart', node: 'n3' }]
    const behindAfter = (rangeSync: boolean) => {
      const run = buildBft({ seed: 1, nodes: 4, untilMs: 33 * SECONDS, faults }, { rangeSync })
      run.sim.run({ untilMs: 32 * SECONDS })
      const height = (a: string) => run.sim.storage(a).log(CHAIN).length
      const target = height('n0')
      const missed = target - height('n3')
      const result = run.sim.run({ untilMs: 33 * SECONDS })
      expect(result.violations).toEqual([])
      return { missed, behind: target - height('n3') }
    }
    const ranges = behindAfter(true)
    // Thirty seconds down: some 60 blocks committed without it (3 of 4 is a quorum).
    expect(ranges.missed).toBeGreaterThan(40)
    expect(ranges.behind).toBeLessThanOrEqual(0)
    // The contrast: one commit per request, one request per 100 ms per member, waits on every height.
    expect(behindAfter(false).behind).toBeGreaterThan(20)
  })
})

describe('equivocation evidence and the shared mempool', () => {
  it.each(MODES)('%s: an equivocating member ends up with verified evidence against it on every honest chain, and no honest member does', (dissemination) => {
    const { result, summary, sim } = runWithChains(dissemination, 4, 10 * SECONDS, [{ at: 0, kind: 'byzantine', node: 'n1', behaviour: { kind: 'equivocate' } }])
    expect(result.violations).toEqual([])
    expect(result.adversary?.equivocate).toBeGreaterThan(0)
    expect(summary.evidenceCommitted).toBeGreaterThan(0)
    const committee = sim.actor<Composite>('n0')!.component<BftVoter>('bft')!.committee
    for (const address of ['n0', 'n2', 'n3']) {
      const offenders = commitsOf(sim, address).flatMap((c) => c.b.entries.map(readEntry)).flatMap((e) => (e.kind === 'evidence' && verifyEvidence(e.evidence, committee) ? [e.evidence.s] : []))
      expect(offenders.length, address).toBeGreaterThan(0)
      expect(new Set(offenders), address).toEqual(new Set([1]))
    }
  })

  it.each(MODES)('%s: entries reach the block of whichever member leads next, not only their own node’s', (dissemination) => {
    const { summary, sim } = runWithChains(dissemination, 7, 10 * SECONDS)
    let others = 0
    let all = 0
    for (const { b } of commitsOf(sim, 'n0')) {
      for (const entry of b.entries) {
        all++
        // The load's entries are [its node's address, the time]: count those in a block another member made.
        const decoded = decodeFrame(entry, Schema.Tuple([Schema.String, Schema.Number]))
        if (Result.isSuccess(decoded) && decoded.success[0] !== `n${b.by}`) others++
      }
    }
    // Waiting for their own node to lead, none would be; gossiped, about six in seven are.
    expect(others / all).toBeGreaterThan(0.6)
    // And they wait about a block, not n/2 blocks (virtual time: the same on any machine).
    expect(summary.latencyP50Ms).toBeLessThan((2 * 10 * SECONDS) / summary.commits)
  })
})
