import { Result, Schema } from 'effect'
import type { Actor, Address, Context } from '../../core/actor.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { formatNumber, formatPercent } from '../format.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE, GOSSIP_FANOUT as FANOUT, GOSSIP_ROUNDS as ROUNDS } from './catalogue.ts'

const Rumor = Schema.Struct({
  type: Schema.Literal('rumor'),
  id: Schema.String.check(Schema.isMaxLength(64)),
  value: Schema.String.check(Schema.isMaxLength(256)),
})
type Rumor = typeof Rumor.Type
/** What a node keeps on disk: the rumor and when it learnt it. */
const Stored = Schema.Struct({ rumor: Rumor, at: Schema.Number })

const ROUND_MS = 200
const STORAGE_KEY = 'rumor'
const REGIONS = ['eu', 'us', 'asia'] as const
/**
 * The share of nodes a run should inform. Each informed node pushes FANOUT × ROUNDS = 12 times, so a
 * node is missed with probability about e^-12 on a healthy network: 1% missing means faults cut the
 * rumour off (a partitioned source informs nobody, a crash wave leaves nodes behind).
 */
const EXPECTED_COVERAGE = 0.99

/** What the summary adds: nodes informed, their share, and when 50%, 99% and all of the nodes knew (null: never). */
type GossipFigures = {
  readonly informed: number
  readonly coverage: number
  readonly msTo50: number | null
  readonly msTo99: number | null
  readonly msToAll: number | null
}

/**
 * Push gossip (rumor mongering): a node that learns the rumor stores it, then for ROUNDS rounds sends
 * it to FANOUT peers drawn at random from the membership. Loss and crashes are absorbed by redundancy.
 */
class GossipNode implements Actor<Rumor> {
  readonly inbox = Rumor
  rumor: Rumor | undefined
  informedAt: number | undefined
  duplicates = 0
  private roundsLeft = 0

  constructor(
    private readonly members: readonly Address[],
    private readonly origin: Rumor | undefined,
  ) {}

  start(ctx: Context): void {
    const bytes = ctx.storage.get(STORAGE_KEY)
    const stored = bytes === undefined ? undefined : decodeFrame(bytes, Stored)
    if (stored !== undefined && Result.isSuccess(stored)) {
      this.rumor = stored.success.rumor
      this.informedAt = stored.success.at
    } else if (this.origin !== undefined) this.learn(this.origin, ctx)
  }

  receive(rumor: Rumor, _from: Address, ctx: Context): void {
    if (this.rumor === undefined) this.learn(rumor, ctx)
    else this.duplicates++
  }

  timer(_tag: string | number, ctx: Context): void {
    this.spread(ctx)
  }

  private learn(rumor: Rumor, ctx: Context): void {
    this.rumor = rumor
    this.informedAt = ctx.now()
    ctx.storage.put(STORAGE_KEY, encode({ rumor, at: this.informedAt }))
    ctx.storage.sync()
    this.roundsLeft = ROUNDS
    this.spread(ctx)
  }

  private spread(ctx: Context): void {
    if (this.rumor === undefined || this.roundsLeft === 0) return
    this.roundsLeft--
    for (let i = 0; i < FANOUT; i++) {
      const peer = ctx.random.pick(this.members)
      if (peer !== ctx.self) ctx.send(peer, this.rumor)
    }
    if (this.roundsLeft > 0) ctx.setTimer(ROUND_MS, 'round')
  }
}

const address = (i: number) => `n${i}`

function build(options: ScenarioOptions): ScenarioRun<GossipFigures> {
  const members = Array.from({ length: options.nodes }, (_, i) => address(i))
  const origin: Rumor = { type: 'rumor', id: 'r1', value: `hello from ${members[0]}` }
  const sim = new Simulation({
    ...runSettings(options),
    network: { ...DEFAULT_NETWORK, regionLatencyMs: { eu: { us: 40, asia: 110 }, us: { asia: 80 } } },
    invariants: [
      {
        name: 'validity',
        when: 'end',
        check: (view) => {
          for (const member of members) {
            const rumor = view.actor<GossipNode>(member)?.rumor
            if (rumor !== undefined && rumor.value !== origin.value) return `${member} holds a value nobody sent: ${rumor.value}`
          }
          return undefined
        },
      },
    ],
  })
  members.forEach((member, i) => {
    sim.addNode(member, () => new GossipNode(members, i === 0 ? origin : undefined), { region: REGIONS[i % REGIONS.length] })
  })
  return {
    sim,
    summarize: () => {
      const times = members
        .map((m) => sim.actor<GossipNode>(m)?.informedAt)
        .filter((t): t is number => t !== undefined)
        .sort((a, b) => a - b)
      const at = (fraction: number) => {
        const k = Math.ceil(fraction * members.length)
        return k <= times.length ? round(times[k - 1] as number, 2) : null
      }
      return {
        informed: times.length,
        coverage: times.length / members.length,
        msTo50: at(0.5),
        msTo99: at(0.99),
        msToAll: at(1),
      }
    },
  }
}

function round(x: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(x * scale) / scale
}

export const gossip: Scenario<GossipFigures> = {
  ...CATALOGUE.gossip,
  faultTargets: (nodes) => Array.from({ length: nodes }, (_, i) => address(i)),
  build,
  expectations: [
    {
      name: `coverage ≥ ${formatPercent(EXPECTED_COVERAGE)}`,
      check: (s) => ({
        held: s.informed >= EXPECTED_COVERAGE * s.nodes,
        detail: `${formatPercent(s.coverage)} (${formatNumber(s.informed)} of ${formatNumber(s.nodes)} nodes informed)`,
      }),
    },
  ],
  units: { informed: 'nodes', coverage: 'share', msTo50: 'ms', msTo99: 'ms', msToAll: 'ms' },
}
