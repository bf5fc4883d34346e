import type { Context, TimerTag } from '../../core/actor.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { Random } from '../../core/random.ts'
import { sign } from '../../core/sign.ts'
import { KademliaNode } from '../../actors/peer/kademlia.ts'
import { signRecord, type DhtRecord } from '../../actors/peer/record.ts'
import type { Fault } from '../faults.ts'
import { formatNumber, formatPercent } from '../format.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE } from './catalogue.ts'

const BOOTSTRAP = ['n0', 'n1', 'n2']
const PUBLISH_AT_MS = 10_000
const CHURN_FROM_MS = 15_000
const CHURN_UNTIL_MS = 75_000
const READ_FROM_MS = 80_000
const REPUBLISH_MS = 10_000
const REPLACED = 0.2 // share of the original nodes replaced over the run
const READS_PER_RECORD = 4
/** The share of reads that should find their record: 100% at seeds 1–3; fewer means records were lost to churn. */
const EXPECTED_RECORD_SUCCESS = 0.99

/** What the summary adds: records published, nodes replaced, reads made and the share that found their record. */
type ChurnFigures = { readonly records: number; readonly replaced: number; readonly reads: number; readonly recordSuccess: number }

/** A node with a plan: publish some records, read some keys, at given times. */
class ChurnNode extends KademliaNode {
  readonly reads: { key: Uint8Array; found: boolean | undefined }[] = []

  constructor(
    private readonly plan: { readonly publish: readonly DhtRecord[]; readonly read: readonly { at: number; key: Uint8Array }[] },
  ) {
    super({ bootstrap: BOOTSTRAP, republishMs: REPUBLISH_MS })
  }

  override start(ctx: Context): void {
    super.start(ctx)
    if (this.plan.publish.length > 0) ctx.setTimer(Math.max(0, PUBLISH_AT_MS - ctx.now()), 'publish')
    this.plan.read.forEach((r, i) => ctx.setTimer(Math.max(0, r.at - ctx.now()), `read:${i}`))
  }

  override timer(tag: TimerTag, ctx: Context): void {
    if (tag === 'publish') return this.plan.publish.forEach((r) => this.publish(r))
    if (typeof tag === 'string' && tag.startsWith('read:')) {
      const read = { key: this.plan.read[Number(tag.slice(5))]!.key, found: undefined as boolean | undefined }
      this.reads.push(read)
      return this.get(read.key, (record) => (read.found = record !== undefined))
    }
    super.timer(tag, ctx)
  }
}

function build(options: ScenarioOptions): ScenarioRun<ChurnFigures> {
  const n = options.nodes
  const random = Random.fromSeed(options.seed).split('scenario:churn')
  const originals = Array.from({ length: n }, (_, i) => `n${i}`)
  const leaving = random.sample(originals.slice(BOOTSTRAP.length), Math.round(REPLACED * n))
  const joiners = leaving.map((_, i) => `j${i}`)
  const gap = (CHURN_UNTIL_MS - CHURN_FROM_MS) / Math.max(1, leaving.length)
  const churn: Fault[] = leaving.map((node, i) => ({ at: CHURN_FROM_MS + i * gap, kind: 'crash', node }))
  // Records, each published by a node that stays; read back at the end by nodes that stay.
  const stayers = [...originals.filter((m) => !leaving.includes(m)), ...joiners]
  const records = Array.from({ length: Math.max(1, Math.round(n / 6)) }, (_, i) => {
    const keys = ed25519FromSeed(random.bytes(32))
    return signRecord(keys.publicKey, (m) => sign(keys.secretKey, m), { name: new TextEncoder().encode(`record-${i}`), value: random.bytes(64), seq: 1, expiresAt: 3_600_000 })
  })
  const plans = new Map<string, { publish: DhtRecord[]; read: { at: number; key: Uint8Array }[] }>()
  const planOf = (m: string) => plans.get(m) ?? plans.set(m, { publish: [], read: [] }).get(m)!
  for (const r of records) {
    planOf(random.pick(originals.filter((m) => !leaving.includes(m)))).publish.push(r)
    for (let k = 0; k < READS_PER_RECORD; k++) planOf(random.pick(stayers)).read.push({ at: READ_FROM_MS + random.int(10_000), key: r.key })
  }
  const sim = new Simulation({ ...runSettings(options), network: DEFAULT_NETWORK, faults: [...churn, ...(options.faults ?? [])] })
  originals.forEach((m, i) => sim.addNode(m, () => new ChurnNode(planOf(m)), { bootAt: (i * 5_000) / n }))
  joiners.forEach((m, i) => sim.addNode(m, () => new ChurnNode(planOf(m)), { bootAt: CHURN_FROM_MS + i * gap + gap / 2 }))
  return {
    sim,
    summarize: () => {
      const reads = stayers.flatMap((m) => sim.actor<ChurnNode>(m)?.reads ?? [])
      const found = reads.filter((r) => r.found === true).length
      return {
        records: records.length,
        replaced: leaving.length,
        reads: reads.length,
        recordSuccess: reads.length === 0 ? 0 : found / reads.length,
      }
    },
  }
}

export const churn: Scenario<ChurnFigures> = {
  // Kademlia lies (actors/peer/kademlia-lie.ts): routing answers full of the adversary's identities.
  lies: true,
  ...CATALOGUE.churn,
  faultTargets: (nodes) => Array.from({ length: nodes - BOOTSTRAP.length }, (_, i) => `n${i + BOOTSTRAP.length}`),
  build,
  expectations: [
    {
      name: `record reads succeed ≥ ${formatPercent(EXPECTED_RECORD_SUCCESS)}`,
      check: (s) => ({
        held: s.reads > 0 && s.recordSuccess >= EXPECTED_RECORD_SUCCESS,
        detail: `${formatPercent(s.recordSuccess)} of ${formatNumber(s.reads)} reads found their record`,
      }),
    },
  ],
  units: { records: 'records', replaced: 'nodes', reads: 'reads', recordSuccess: 'share' },
}
