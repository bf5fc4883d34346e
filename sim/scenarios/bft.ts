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
import { lightClient } from '../../actors/consensus/follower.ts'
import { BftSync } from '../../actors/consensus/sync.ts'
import { BftVoter, DEFAULT_BLOCK_INTERVAL_MS, type Dissemination } from '../../actors/consensus/voter.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Expectation, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { BFT_ENTRY_EVERY_MS as ENTRY_EVERY_MS, CATALOGUE, type ScenarioEntry } from './catalogue.ts'

/**
 * A committee of `nodes` validators with equal weights runs the BFT voter (actors/consensus) under the
 * default network; each submits an entry every ENTRY_EVERY_MS. The invariants: no two honest nodes
 * commit different blocks at one height, and no node loses a block it committed. `bft-unsafe` plants
 * a bug (a quorum of half the weight) that a partition turns into a fork.
 */

/** The chain log as the simulator's storage names it: the component's namespace, then the log. */
const CHAIN = 'bft/chain'
/** A light client's chain, in its own component's namespace. */
const FOLLOWER_CHAIN = 'bft-follower/chain'
const address = (i: number) => `n${i}`
const followerAddress = (i: number) => `f${i}`
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
  /** A height's time on a node, from its start (the node's last commit and the pause) to its commit: median over nodes and heights. */
  readonly commitLatencyP50Ms: number
  /** Consensus's messages per block: every message of the run but the mempool's gossip. */
  readonly messagesPerCommit: number
  /** The mempool's gossip per block (it grows with the load, not the protocol). */
  readonly mempoolMessagesPerCommit: number
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
  /** Light clients beside the committee (`f0`, `f1`, …): each follows the chain by range sync and certificates. */
  readonly followers?: number
  /**
   * Whether validators run range sync (actors/consensus/sync.ts): they serve ranges, and one far behind
   * catches up by them. Implied by `followers` (light clients need members that serve).
   */
  readonly rangeSync?: boolean
  /** Who hears a vote for a block (default: the voter's, the collector). */
  readonly dissemination?: Dissemination
}

/** Builds a run of the bft scenario; `settings` give unequal weights, the planted bug, light clients or range sync. */
export function buildBft(options: ScenarioOptions, settings: BftSettings = {}): ScenarioRun<BftFigures> {
  const { plantedBug, dissemination } = settings
  const addresses = Array.from({ length: options.nodes }, (_, i) => address(i))
  const followers = Array.from({ length: settings.followers ?? 0 }, (_, i) => followerAddress(i))
  const syncing = settings.rangeSync === true || followers.length > 0
  // Whose durable chain the invariants watch: every validator's and every light client's.
  const chainOf = new Map<Address, string>([...addresses.map((a): [Address, string] => [a, CHAIN]), ...followers.map((f): [Address, string] => [f, FOLLOWER_CHAIN])])
  const keys = genesisKeys(options.seed, options.nodes)
  const members: Member[] = addresses.map((a, i) => ({ address: a, weight: settings.weights?.[i] ?? 1, publicKey: (keys[i] as Ed25519KeyPair).publicKey }))
  // One verifier for the run, as one node's components share theirs: its memo checks each signature once.
  const verifier = new SignatureVerifier()
  const commits: Committed[] = []
  const committee = new Committee(members)
  // Offences (offender, height, round) with verified evidence in a block an honest node committed.
  const punished = new Set<string>()
  const latencies: number[] = []
  // When each node last committed, and how long each of its heights took after the pause.
  const lastCommitAt = new Map<Address, number>()
  const heightTimes: number[] = []
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
        // Light clients are honest nodes too: one that committed another block than the validators is a fork.
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
          for (const [a, name] of chainOf) {
            if (sim.isByzantine(a)) continue
            // A log view reads the live image at each call (a crash replaces it), so one view per node serves the run.
            let chain = chains.get(a)
            if (chain === undefined) chains.set(a, (chain = view.storage(a).log(name)))
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
    const last = lastCommitAt.get(ctx.self)
    if (last !== undefined) heightTimes.push(ctx.now() - last - DEFAULT_BLOCK_INTERVAL_MS)
    lastCommitAt.set(ctx.self, ctx.now())
    onCommit(commit, ctx)
  }
  addresses.forEach((a, i) => {
    sim.addNode(a, () => {
      const mempool = new Mempool({ committee: members }, { verifier })
      const voter = new BftVoter({ committee: members, key: keys[i] as Ed25519KeyPair, onCommit: record, ...(plantedBug && { plantedBug }), ...(dissemination && { dissemination }) }, { verifier, mempool })
      return new Composite([mempool, voter, new Load(voter), ...(syncing ? [new BftSync({}, { chain: voter })] : [])])
    })
  })
  for (const f of followers) sim.addNode(f, () => new Composite(lightClient({ committee: members, onCommit: record }, { verifier })))

  return {
    sim,
    summarize: (result) => {
      const honest = addresses.filter((a) => !sim.isByzantine(a))
      const height = Math.max(0, ...honest.map((a) => sim.storage(a).log(CHAIN).length))
      const sorted = latencies.slice().sort((x, y) => x - y)
      const seconds = result.virtualTimeMs / 1000
      let equivocations = 0
      for (const a of honest) equivocations += sim.actor<Composite>(a)?.component<BftVoter>('bft')?.equivocations ?? 0
      let gossip = 0
      for (const a of addresses) gossip += sim.actor<Composite>(a)?.component<Mempool>('mempool')?.sent ?? 0
      return {
        commits: height,
        commitsPerSecond: seconds > 0 ? height / seconds : 0,
        entries: latencies.length,
        safetyViolations: forks,
        latencyP50Ms: percentile(sorted, 0.5),
        latencyP99Ms: percentile(sorted, 0.99),
        commitLatencyP50Ms: percentile(heightTimes.slice().sort((x, y) => x - y), 0.5),
        messagesPerCommit: height === 0 ? 0 : (result.stats.sent - gossip) / height,
        mempoolMessagesPerCommit: height === 0 ? 0 : gossip / height,
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
    commitLatencyP50Ms: 'ms',
    messagesPerCommit: 'messages',
    mempoolMessagesPerCommit: 'messages',
    viewChanges: 'heights',
    equivocations: 'number',
    evidenceCommitted: 'offences',
    committee: 'validators',
    byzantineWeight: 'share',
  },
}

/** The bft scenario (by default) or one of its planted-bug variants, with these settings: tests and `vain bench bft` pick the dissemination. */
export function bftWith(settings: BftSettings, entry: ScenarioEntry = CATALOGUE.bft): Scenario<BftFigures> {
  return { ...common, ...entry, build: (options) => buildBft(options, settings) }
}

export const bft = bftWith({})

export const bftUnsafe = bftWith({ plantedBug: 'half-quorum' }, CATALOGUE.bftUnsafe)

export const bftForgetful = bftWith({ plantedBug: 'forget-lock' }, CATALOGUE.bftForgetful)
