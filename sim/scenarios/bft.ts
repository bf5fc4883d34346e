import { Result, Schema } from 'effect'
import type { Address, Context } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import type { Component } from '../../core/component.ts'
import { Composite } from '../../core/composite.ts'
import { ed25519FromSeed, type Ed25519KeyPair } from '../../core/keys.ts'
import { Random } from '../../core/random.ts'
import type { AppendLog } from '../../core/storage.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { Committee, type Member, type PlantedBug } from '../../actors/consensus/committee.ts'
import { readEntry } from '../../actors/consensus/entries.ts'
import { evidenceKey, verifyEvidence } from '../../actors/consensus/evidence.ts'
import { Mempool } from '../../actors/consensus/mempool.ts'
import { blockHash, type Commit } from '../../actors/consensus/messages.ts'
import { BftVoter } from '../../actors/consensus/voter.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Expectation, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { BFT_ENTRY_EVERY_MS as ENTRY_EVERY_MS, CATALOGUE } from './catalogue.ts'

/**
 * A committee of `nodes` validators with equal weights runs the BFT voter (actors/consensus) under the
 * default network; each submits an entry every ENTRY_EVERY_MS. The invariants: no two honest nodes
 * commit different blocks at one height, and no node loses a block it committed. `bft-unsafe` plants
 * a bug (a quorum of half the weight) that a partition turns into a fork.
 */

/** The chain log as the simulator's storage names it: the component's namespace, then the log. */
const CHAIN = 'bft/chain'
const address = (i: number) => `n${i}`
/** What the load submits: its node's name and the time, so the commit tells the latency. */
const LoadEntry = Schema.Tuple([Schema.String, Schema.Number])

/** The scenario's client: submits an entry (its name and the time) to its node's voter, steadily. */
class Load implements Component {
  readonly name = 'load'
  private ctx: Context | undefined
  constructor(private readonly voter: BftVoter) {}

  start(ctx: Context): void {
    this.ctx = ctx
    // Spread the nodes' submissions over the period rather than all at one instant.
    ctx.setTimer(ctx.random.int(ENTRY_EVERY_MS), 'entry')
  }

  timer(_tag: unknown, ctx: Context): void {
    if (this.voter.pendingEntries < this.voter.maxPending) this.voter.submit(encode([ctx.self, ctx.now()]))
    ctx.setTimer(ENTRY_EVERY_MS, 'entry')
  }
}

interface Committed {
  readonly address: Address
  readonly height: number
  readonly round: number
  readonly hex: string
}

export type BftFigures = {
  readonly commits: number
  readonly commitsPerSecond: number
  readonly entries: number
  readonly safetyViolations: number
  readonly latencyP50Ms: number
  readonly latencyP99Ms: number
  readonly messagesPerCommit: number
  readonly viewChanges: number
  readonly equivocations: number
  readonly evidenceCommitted: number
  readonly committee: number
  readonly byzantineWeight: number
}

/** The genesis keys of an n-member committee: drawn from the run's seed, so twins and restarts share them. */
function genesisKeys(seed: ScenarioOptions['seed'], nodes: number): Ed25519KeyPair[] {
  const random = Random.fromSeed(seed).split('bft/genesis')
  return Array.from({ length: nodes }, () => ed25519FromSeed(random.bytes(32)))
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number)
}

/** What a run of the scenario may change beyond the options every scenario takes (for tests). */
export interface BftSettings {
  /** Each validator's weight, in address order (default: 1 each). */
  readonly weights?: readonly number[]
  readonly plantedBug?: PlantedBug
}

/** Builds a run of the bft scenario; `settings` give unequal weights or the planted bug. */
export function buildBft(options: ScenarioOptions, settings: BftSettings = {}): ScenarioRun<BftFigures> {
  const { plantedBug } = settings
  const addresses = Array.from({ length: options.nodes }, (_, i) => address(i))
  const keys = genesisKeys(options.seed, options.nodes)
  const members: Member[] = addresses.map((a, i) => ({ address: a, weight: settings.weights?.[i] ?? 1, publicKey: (keys[i] as Ed25519KeyPair).publicKey }))
  // One verifier for the run, as one node's components share theirs: its memo checks each signature once.
  const verifier = new SignatureVerifier()
  const commits: Committed[] = []
  const committee = new Committee(members)
  // Offences (offender, height, round) with verified evidence in a block an honest node committed.
  const punished = new Set<string>()
  const latencies: number[] = []
  const reference = new Map<number, Committed>()
  let checked = 0
  let forks = 0
  let fork: string | undefined
  // Blocks each node has reported committed (its chain's length then), for the durability invariant.
  const highest = new Map<Address, number>()
  const chains = new Map<Address, AppendLog>()

  const onCommit = (commit: Commit, ctx: Context) => {
    commits.push({ address: ctx.self, height: commit.b.h, round: commit.r, hex: toHex(blockHash(commit.b)) })
    for (const entry of commit.b.entries) {
      const reading = readEntry(entry)
      if (reading.kind === 'evidence') {
        if (!sim.isByzantine(ctx.self) && verifyEvidence(reading.evidence, committee, verifier)) punished.add(evidenceKey(reading.evidence))
        continue
      }
      const decoded = decodeFrame(entry, LoadEntry)
      if (Result.isSuccess(decoded) && decoded.success[0] === ctx.self) latencies.push(ctx.now() - decoded.success[1])
    }
  }

  const sim = new Simulation({
    ...runSettings(options),
    network: DEFAULT_NETWORK,
    invariants: [
      {
        name: 'honest nodes agree on every height',
        check: () => {
          for (; checked < commits.length; checked++) {
            const c = commits[checked] as Committed
            if (sim.isByzantine(c.address)) continue
            const first = reference.get(c.height)
            if (first === undefined) reference.set(c.height, c)
            else if (first.hex !== c.hex) {
              forks++
              fork ??= `${first.address} committed ${first.hex.slice(0, 16)}… at height ${c.height} (round ${first.round}), ${c.address} committed ${c.hex.slice(0, 16)}… (round ${c.round})`
            }
          }
          return fork
        },
      },
      {
        name: 'no committed block is lost',
        check: (view) => {
          for (const a of addresses) {
            if (sim.isByzantine(a)) continue
            // A log view reads the live image at each call (a crash replaces it), so one view per node serves the run.
            let chain = chains.get(a)
            if (chain === undefined) chains.set(a, (chain = view.storage(a).log(CHAIN)))
            const kept = chain.length
            const committed = highest.get(a) ?? 0
            if (kept < committed) return `${a} committed ${committed} blocks but its storage keeps ${kept}`
          }
          return undefined
        },
      },
    ],
  })
  const record = (commit: Commit, ctx: Context) => {
    highest.set(ctx.self, Math.max(highest.get(ctx.self) ?? 0, commit.b.h + 1))
    onCommit(commit, ctx)
  }
  addresses.forEach((a, i) => {
    sim.addNode(a, () => {
      const mempool = new Mempool({ committee: members }, { verifier })
      const voter = new BftVoter({ committee: members, key: keys[i] as Ed25519KeyPair, onCommit: record, ...(plantedBug && { plantedBug }) }, { verifier, mempool })
      return new Composite([mempool, voter, new Load(voter)])
    })
  })

  return {
    sim,
    summarize: (result) => {
      const honest = addresses.filter((a) => !sim.isByzantine(a))
      const height = Math.max(0, ...honest.map((a) => sim.storage(a).log(CHAIN).length))
      const sorted = latencies.slice().sort((x, y) => x - y)
      const seconds = result.virtualTimeMs / 1000
      let equivocations = 0
      for (const a of honest) equivocations += sim.actor<Composite>(a)?.component<BftVoter>('bft')?.equivocations ?? 0
      return {
        commits: height,
        commitsPerSecond: seconds > 0 ? height / seconds : 0,
        entries: latencies.length,
        safetyViolations: forks,
        latencyP50Ms: percentile(sorted, 0.5),
        latencyP99Ms: percentile(sorted, 0.99),
        messagesPerCommit: height === 0 ? 0 : result.stats.sent / height,
        viewChanges: [...reference.values()].filter((c) => c.round > 0).length,
        equivocations,
        evidenceCommitted: punished.size,
        committee: members.length,
        byzantineWeight: members.reduce((sum, m) => sum + (sim.isByzantine(m.address) ? m.weight : 0), 0) / members.reduce((sum, m) => sum + m.weight, 0),
      }
    },
  }
}

/** With every validator honest, a run of the defaults commits a block every few hundred ms. */
const commitsSomething: Expectation<BftFigures> = {
  name: 'commits > 0',
  check: (s) => ({ held: s.commits > 0, detail: `${s.commits} blocks committed` }),
}

const common = {
  faultTargets: (nodes: number) => Array.from({ length: nodes }, (_, i) => address(i)),
  // Equal weights: f = ⌊(n−1)/3⌋ validators may be the adversary's, so `vain check` twins up to f of them.
  byzantine: { maxFaulty: (nodes: number) => Math.floor((nodes - 1) / 3) },
  // The voter lies (actors/consensus/lies.ts): a signed vote or proposal for another block.
  lies: true,
  expectations: [commitsSomething],
  units: {
    commits: 'blocks',
    commitsPerSecond: 'blocks/s',
    entries: 'entries',
    safetyViolations: 'forks',
    latencyP50Ms: 'ms',
    latencyP99Ms: 'ms',
    messagesPerCommit: 'messages',
    viewChanges: 'heights',
    equivocations: 'number',
    evidenceCommitted: 'offences',
    committee: 'validators',
    byzantineWeight: 'share',
  },
}

export const bft: Scenario<BftFigures> = { ...common, ...CATALOGUE.bft, build: (options) => buildBft(options) }

export const bftUnsafe: Scenario<BftFigures> = { ...common, ...CATALOGUE.bftUnsafe, build: (options) => buildBft(options, { plantedBug: 'half-quorum' }) }

export const bftForgetful: Scenario<BftFigures> = { ...common, ...CATALOGUE.bftForgetful, build: (options) => buildBft(options, { plantedBug: 'forget-lock' }) }
