/*
 * What each scenario is, for `vain list` and the help: its name, description, defaults and size, and
 * the settings its description quotes. Plain data that loads nothing else, so listing the scenarios
 * does not load the simulator; each scenario module takes its entry from here (and a test checks that
 * every scenario the CLI knows has one).
 */

/** An entry of the catalogue: what a Scenario (sim/scenario.ts) says of itself before any run. */
export interface ScenarioEntry {
  readonly name: string
  readonly description: string
  readonly defaults: { readonly nodes: number; readonly untilMs: number }
  readonly minNodes: number
  /**
   * Heap a run takes per node, measured at peak (the largest sampled heapUsed of a run at the default
   * duration, over the baseline, divided by the nodes; docs/cli.md has the figures). What
   * estimatedHeapBytes uses to refuse, up front, a node count that cannot fit in memory.
   */
  readonly bytesPerNode: number
}

export const DAY = 24 * 3600_000

/** Push gossip: each informed node tells this many random others, for this many rounds. */
export const GOSSIP_FANOUT = 3
export const GOSSIP_ROUNDS = 4
/** Writes the replication scenario's client makes. */
export const REPLICATION_WRITES = 20
/** How often each validator of the bft scenarios submits an entry. */
export const BFT_ENTRY_EVERY_MS = 100
/** Sybil identities of the eclipse scenarios. */
export const ECLIPSE_SYBILS = 50
/** The dht scenario's phases: nodes join over the first window, settle, then look up over the last. */
export const DHT_JOIN_WINDOW_MS = 10_000
export const DHT_SETTLE_MS = 5_000
export const DHT_LOOKUP_WINDOW_MS = 10_000

/**
 * The disk-faults scenario's timeline (ms): nodes boot over the first window; some disks start lying
 * before the records are published; damage lands after the first republish has synced them; the nodes
 * hit crash and restart (reading the damage); the reads come after two more republish periods.
 */
export const DISK_FAULTS_TIMELINE = {
  bootWindowMs: 3_000,
  lieFrom: 4_000,
  publishAt: 5_000,
  republishMs: 10_000,
  damageAt: 12_000,
  crashAt: 13_000,
  restartAt: 14_000,
  readFrom: 30_000,
  readWindowMs: 5_000,
} as const

/** The vote scenarios' round: a leader's proposal and the votes fit in it many times over (10 ms latency at most). */
export const VOTE_ROUND_MS = 500

/**
 * Every voter sends every other its votes, so the heap grows as n², not n: measured, 117 KiB a voter at
 * 50 voters and 245 KiB at 100 (24 MiB), about 2.4 KiB × n a voter. A constant per node cannot follow
 * that; this one is the extrapolation at 1,300 voters, where the run would fill a 4 GiB heap, so the
 * up-front refusal refuses from there (and overestimates smaller runs, which it then admits anyway).
 */
const BYTES_PER_VOTER = 3 * 2 ** 20

const voteDescription = (flaw: string) =>
  `BFT voters (quorum 2f+1 of 3f+1) decide each ${VOTE_ROUND_MS} ms round what a rotating leader proposes (whom it heard); ${flaw}`

const eclipseDescription = (defended: boolean) =>
  `${ECLIPSE_SYBILS} Sybils (a sybil fault) with ids ground near a victim join through it and collude (a lookup that asks one is answered with the others; in this run the victim's table fills as they join); ${defended ? 'buckets take at most 2 contacts per network group' : 'no diversity limit (the plain paper)'}`

const entries = {
  gossip: {
    name: 'gossip',
    description: `push gossip of one rumor (fanout ${GOSSIP_FANOUT}, ${GOSSIP_ROUNDS} rounds) across three regions under the default fault model`,
    defaults: { nodes: 500, untilMs: 60_000 },
    minNodes: 2,
    // Peak heap measured at 10,000 nodes: 5.6 kB a node (54 MiB); 4.4 kB a node from 1,000 to 10,000.
    bytesPerNode: 6 * 1024,
  },
  replication: {
    name: 'replication',
    description: `primary-backup store: ${REPLICATION_WRITES} writes, acknowledged once a majority has synced them`,
    defaults: { nodes: 3, untilMs: 10_000 },
    minNodes: 1,
    // Peak heap measured at 1,000 nodes: 24.8 kB a node (24 MiB).
    bytesPerNode: 25 * 1024,
  },
  replicationUnsafe: {
    name: 'replication-unsafe',
    description: 'the same store with a planted bug: a write-behind cache acknowledges writes before it writes them, and flushes them later',
    defaults: { nodes: 3, untilMs: 10_000 },
    minNodes: 1,
    bytesPerNode: 25 * 1024,
  },
  rotation: {
    name: 'rotation',
    description: 'identities rotate their signing keys every 90 days for three years; a thief with a stolen epoch-0 key is refused after the grace window',
    defaults: { nodes: 8, untilMs: 3 * 365 * DAY },
    minNodes: 2,
    // Peak heap measured over the default three years: 840 kB a node at 64 nodes (51 MiB).
    bytesPerNode: 840 * 1024,
  },
  node: {
    name: 'node',
    description: 'what `vain node` runs: a third of the nodes meet on a LAN, the rest join through a bootstrap node; one publishes a record, another finds it',
    defaults: { nodes: 30, untilMs: 30_000 },
    minNodes: 3,
    // Peak heap measured at 1,000 nodes: 529 kB a node (505 MiB); 399 kB at 300.
    bytesPerNode: 520 * 1024,
  },
  dht: {
    name: 'dht',
    description: 'Kademlia (k=20, α=3): nodes join through 3 bootstrap nodes under the default fault model, then each looks up a random node',
    defaults: { nodes: 1000, untilMs: DHT_JOIN_WINDOW_MS + DHT_SETTLE_MS + DHT_LOOKUP_WINDOW_MS + 5_000 },
    minNodes: 4,
    // Peak heap measured at 10,000 nodes: 73.9 kB a node (705 MiB); 82.7 kB at 1,000.
    bytesPerNode: 74 * 1024,
  },
  churn: {
    name: 'churn',
    description: 'records are published, then 20% of the nodes leave for good and as many new ones join; the records are read back at the end',
    defaults: { nodes: 300, untilMs: 100_000 },
    minNodes: 10,
    // Peak heap measured: 361 kB a node at 300 nodes, 288 kB at 1,000 (275 MiB).
    bytesPerNode: 360 * 1024,
  },
  diskFaults: {
    name: 'disk-faults',
    description: 'DHT records under disk faults below the checksums: bad sectors, corrupted reads and disks that lie about syncs; damaged copies are refused and fetched again',
    defaults: { nodes: 30, untilMs: 40_000 },
    minNodes: 9,
    // Peak heap measured: 249 kB a node at 300 nodes, 199 kB at 1,000 (194 MiB).
    bytesPerNode: 250 * 1024,
  },
  eclipse: {
    name: 'eclipse',
    description: eclipseDescription(true),
    defaults: { nodes: 200, untilMs: 30_000 },
    minNodes: 6,
    // Peak heap measured at 1,000 nodes: 85.7 kB a node (82 MiB); 137 kB at 200.
    bytesPerNode: 88 * 1024,
  },
  eclipseUndefended: {
    name: 'eclipse-undefended',
    description: eclipseDescription(false),
    defaults: { nodes: 200, untilMs: 30_000 },
    minNodes: 6,
    bytesPerNode: 88 * 1024,
  },
  vote: {
    name: 'vote',
    description: voteDescription('one vote a round, kept in storage'),
    defaults: { nodes: 4, untilMs: 10_000 },
    minNodes: 4,
    bytesPerNode: BYTES_PER_VOTER,
  },
  voteUnsafe: {
    name: 'vote-unsafe',
    description: voteDescription('planted bug: a voter votes for every proposal'),
    defaults: { nodes: 4, untilMs: 10_000 },
    minNodes: 4,
    bytesPerNode: BYTES_PER_VOTER,
  },
  voteForgetful: {
    name: 'vote-forgetful',
    description: voteDescription('planted bug: a voter forgets its vote when it restarts'),
    defaults: { nodes: 4, untilMs: 10_000 },
    minNodes: 4,
    bytesPerNode: BYTES_PER_VOTER,
  },
  bft: {
    name: 'bft',
    description: `a committee of validators with equal weights runs the weighted BFT voter (Tendermint rounds); each submits an entry every ${BFT_ENTRY_EVERY_MS} ms; honest nodes must agree on every height`,
    defaults: { nodes: 4, untilMs: 30_000 },
    minNodes: 1,
    // Peak heap measured over the default 30 s: 1,467 kB a node at 16 nodes, 824 kB at 32 (each node
    // keeps its chain, blocks and certificates, in a durable and a live image; it grows with the run).
    bytesPerNode: 1536 * 1024,
  },
  bftForgetful: {
    name: 'bft-forgetful',
    description: 'the same committee with a planted bug: a validator forgets its lock and its votes when it restarts',
    defaults: { nodes: 4, untilMs: 30_000 },
    minNodes: 1,
    bytesPerNode: 1536 * 1024,
  },
  bftUnsafe: {
    name: 'bft-unsafe',
    description: 'the same committee with a planted bug: a quorum of half the weight, so two halves of a partition each decide',
    defaults: { nodes: 4, untilMs: 30_000 },
    minNodes: 1,
    bytesPerNode: 1536 * 1024,
  },
} as const satisfies Record<string, ScenarioEntry>

export const CATALOGUE: { readonly [K in keyof typeof entries]: ScenarioEntry } = entries

/** Every scenario the CLI knows, in the order `vain list` shows them. */
export const SCENARIO_ENTRIES: readonly ScenarioEntry[] = [entries.gossip, entries.replication, entries.replicationUnsafe, entries.rotation, entries.node, entries.dht, entries.churn, entries.diskFaults, entries.eclipse, entries.eclipseUndefended, entries.vote, entries.voteUnsafe, entries.voteForgetful, entries.bft, entries.bftUnsafe, entries.bftForgetful]
