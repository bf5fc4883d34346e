import type { Context, TimerTag } from '../../core/actor.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { Random } from '../../core/random.ts'
import { sign } from '../../core/sign.ts'
import { KademliaNode } from '../../actors/peer/kademlia.ts'
import { idHex } from '../../actors/peer/node-id.ts'
import { sameRecord, signRecord, type DhtRecord } from '../../actors/peer/record.ts'
import { MEASURED_SYNC_COST_MS } from '../environment.ts'
import type { Fault } from '../faults.ts'
import { formatNumber, formatPercent } from '../format.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE, DISK_FAULTS_TIMELINE as T } from './catalogue.ts'

const BOOTSTRAP = ['n0', 'n1', 'n2']
/** Where the DHT keeps its records on a node's disk (actors/peer/record-store.ts), as a fault path. */
const RECORD_ITEMS = 'kv/dht/record/'
const READS_PER_RECORD = 4
/** The share of reads that should find their record: every copy a fault damaged or lost is fetched or republished again. */
const EXPECTED_RECORD_SUCCESS = 0.99

/** What the summary adds (see docs/simulator.md, disk faults). */
type DiskFigures = {
  readonly records: number
  /** Reads the nodes' stores refused because the bytes did not match their checksums. */
  readonly corruptReads: number
  /** Records the DHT dropped as damaged when a node restarted, and how many of them it fetched again. */
  readonly dropped: number
  readonly repaired: number
  /** Writes a lying sync claimed durable that a crash lost. */
  readonly lostSyncedWrites: number
  readonly reads: number
  readonly recordSuccess: number
}

/** A Kademlia node that publishes its records and reads some keys at given times. */
class DiskNode extends KademliaNode {
  readonly reads: { found: boolean | undefined }[] = []

  constructor(private readonly plan: { readonly publish: DhtRecord[]; readonly read: { at: number; key: Uint8Array }[] }) {
    super({ bootstrap: BOOTSTRAP, republishMs: T.republishMs })
  }

  override start(ctx: Context): void {
    super.start(ctx)
    if (this.plan.publish.length > 0 && ctx.now() < T.publishAt) ctx.setTimer(T.publishAt - ctx.now(), 'publish')
    this.plan.read.forEach((r, i) => r.at > ctx.now() && ctx.setTimer(r.at - ctx.now(), `read:${i}`))
  }

  override timer(tag: TimerTag, ctx: Context): void {
    if (tag === 'publish') return this.plan.publish.forEach((r) => this.publish(r))
    if (typeof tag === 'string' && tag.startsWith('read:')) {
      const read = { found: undefined as boolean | undefined }
      this.reads.push(read)
      return this.get(this.plan.read[Number(tag.slice(5))]!.key, (record) => (read.found = record !== undefined))
    }
    super.timer(tag, ctx)
  }
}

/**
 * The scenario's own disk faults (not in the run's schedule, as churn's departures are not): of the
 * nodes outside the bootstrap, a sixth get a latent bad sector under every record they hold, a sixth
 * get corrupted reads of them, and a sixth a disk that lies about every sync from before the records
 * are published; then all of them crash and restart, so the damage is read (and the lie costs writes).
 */
function diskWorkload(random: Random, candidates: readonly string[]): { readonly faults: Fault[]; readonly hit: readonly string[] } {
  const share = Math.max(1, Math.floor(candidates.length / 6))
  const [bad, misread, lying] = [0, 1, 2].map((i) => random.sample(candidates, candidates.length).slice(i * share, (i + 1) * share))
  const hit = [...new Set([...bad!, ...misread!, ...lying!])]
  const everything = 1_000 // more items, reads or syncs than a node of this run has: all of them
  const faults: Fault[] = [
    ...lying!.map((node): Fault => ({ at: T.lieFrom, kind: 'lying-sync', node, syncs: everything })),
    ...bad!.map((node): Fault => ({ at: T.damageAt, kind: 'bad-sector', node, items: everything, prefix: RECORD_ITEMS })),
    ...misread!.map((node): Fault => ({ at: T.damageAt, kind: 'corrupt-read', node, reads: everything, prefix: RECORD_ITEMS })),
    ...hit.map((node): Fault => ({ at: T.crashAt, kind: 'crash', node })),
    ...hit.map((node): Fault => ({ at: T.restartAt, kind: 'restart', node })),
  ]
  return { faults, hit }
}

function build(options: ScenarioOptions): ScenarioRun<DiskFigures> {
  const n = options.nodes
  const random = Random.fromSeed(options.seed).split('scenario:disk-faults')
  const members = Array.from({ length: n }, (_, i) => `n${i}`)
  const { faults: workload, hit } = diskWorkload(random, members.slice(BOOTSTRAP.length))
  const records = Array.from({ length: Math.max(1, Math.round(n / 6)) }, (_, i) => {
    const keys = ed25519FromSeed(random.bytes(32))
    return signRecord(keys.publicKey, (m) => sign(keys.secretKey, m), { name: new TextEncoder().encode(`record-${i}`), value: random.bytes(64), seq: 1, expiresAt: 3_600_000 })
  })
  const published = new Map(records.map((r) => [idHex(r.key), r]))
  const plans = new Map(members.map((m) => [m, { publish: [] as DhtRecord[], read: [] as { at: number; key: Uint8Array }[] }]))
  const healthy = members.filter((m) => !hit.includes(m))
  for (const r of records) {
    plans.get(random.pick(healthy))!.publish.push(r)
    for (let k = 0; k < READS_PER_RECORD; k++) plans.get(random.pick(members))!.read.push({ at: T.readFrom + random.int(T.readWindowMs), key: r.key })
  }
  const sim = new Simulation({
    ...runSettings(options),
    network: DEFAULT_NETWORK,
    // Syncs cost what an fsync costs here: a STORE's acknowledgement leaves once its record is on disk.
    syncCostMs: MEASURED_SYNC_COST_MS,
    faults: [...workload, ...(options.faults ?? [])].sort((a, b) => a.at - b.at),
    invariants: [
      {
        // What the checksums are for: whatever the disk did, a node holds (and so serves) only the
        // bytes that were published. Without them, a flipped bit in a value decodes as a record.
        name: 'no node holds a record other than the one published',
        when: 'end',
        check: (view) => {
          for (const m of members) {
            for (const held of view.actor<DiskNode>(m)?.records.live(0) ?? []) {
              const original = published.get(idHex(held.key))
              if (original === undefined || !sameRecord(held, original)) return `${m} holds a record at ${idHex(held.key)} that was never published`
            }
          }
          return undefined
        },
      },
    ],
  })
  members.forEach((m, i) => sim.addNode(m, () => new DiskNode(plans.get(m)!), { bootAt: (i * T.bootWindowMs) / n }))
  return {
    sim,
    summarize: () => {
      const nodes = members.map((m) => sim.actor<DiskNode>(m)).filter((a) => a !== undefined)
      const reads = nodes.flatMap((a) => a.reads)
      const storages = members.map((m) => sim.storage(m))
      const sum = (f: (x: DiskNode) => number) => nodes.reduce((total, a) => total + f(a), 0)
      return {
        records: records.length,
        corruptReads: storages.reduce((total, s) => total + s.corruptReadsDetected, 0),
        dropped: sum((a) => a.records.droppedAtLoad),
        repaired: sum((a) => a.records.repaired),
        lostSyncedWrites: storages.reduce((total, s) => total + s.lostSyncedWrites, 0),
        reads: reads.length,
        recordSuccess: reads.length === 0 ? 0 : reads.filter((r) => r.found === true).length / reads.length,
      }
    },
  }
}

export const diskFaults: Scenario<DiskFigures> = {
  // Kademlia lies (actors/peer/kademlia-lie.ts): routing answers full of the adversary's identities.
  lies: true,
  ...CATALOGUE.diskFaults,
  faultTargets: (nodes) => Array.from({ length: nodes - BOOTSTRAP.length }, (_, i) => `n${i + BOOTSTRAP.length}`),
  build,
  expectations: [
    {
      name: 'every damaged read detected, every dropped record fetched again',
      check: (s) => ({
        held: s.dropped > 0 && s.corruptReads >= s.dropped && s.repaired === s.dropped,
        detail: `${formatNumber(s.corruptReads)} damaged reads refused; ${formatNumber(s.repaired)} of ${formatNumber(s.dropped)} dropped records fetched again`,
      }),
    },
    {
      name: `record reads succeed ≥ ${formatPercent(EXPECTED_RECORD_SUCCESS)}`,
      check: (s) => ({
        held: s.reads > 0 && s.recordSuccess >= EXPECTED_RECORD_SUCCESS,
        detail: `${formatPercent(s.recordSuccess)} of ${formatNumber(s.reads)} reads found their record (${formatNumber(s.lostSyncedWrites)} synced writes lost to lying disks)`,
      }),
    },
  ],
  units: { records: 'records', corruptReads: 'reads', dropped: 'records', repaired: 'records', lostSyncedWrites: 'writes', reads: 'reads', recordSuccess: 'share' },
}
