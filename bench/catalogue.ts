/*
 * What each benchmark measures, for `vain list`: plain data that loads nothing else, so listing does
 * not load the benchmarks (the simulator, the transports, LevelDB). Each bench module takes its entry
 * from here (and a test checks that every benchmark the CLI knows has one).
 */

export interface BenchEntry {
  readonly name: string
  readonly description: string
}

/** The slow reader of the blob-transfer bench reads one frame this often. */
export const BLOB_SLOW_READ_MS = 20

const entries = {
  simThroughput: { name: 'sim-throughput', description: 'simulator deliveries per second on ping-pong actors at 1k, 10k and 100k nodes, beside a bare loop over a typed heap and @sinonjs/fake-timers' },
  ed25519: { name: 'ed25519', description: 'Ed25519 sign and verify per second, sodium-native beside node:crypto, and the verification memo' },
  secureLink: { name: 'secure-link', description: 'one ws link on loopback: full stack (TLS 1.3 + identity binding + msgpackr + schema) beside raw ws, 64 B and 64 KiB messages' },
  storage: { name: 'storage', description: 'durable (fsynced) writes per second and the open time of 10,000 keys: FileStorage beside LevelDB (classic-level, sync: true)' },
  dht: { name: 'dht', description: 'a simulated Kademlia network bootstrapped and N random lookups: wall time, events/s, peak memory, hops beside log2(N)' },
  blobTransfer: {
    name: 'blob-transfer',
    description: `a 5 MB blob over ws on loopback: blob/1 pulled with its window beside pushing every chunk at once; fast and slow (${BLOB_SLOW_READ_MS} ms a frame) readers; time and peak RSS growth`,
  },
  bft: {
    name: 'bft',
    description: 'the BFT voter in simulation at n = 4 … 256 (--quick: 4, 16, 64, shorter runs), leader-collected votes beside all-to-all: blocks/s (virtual and wall), messages per block beside Tendermint and HotStuff, latency in network delays, fitted growth',
  },
  trust: {
    name: 'trust',
    description: 'EigenTrust on a 100,000-node, 1,000,000-edge feedback graph (--quick: 10,000 and 100,000), 50 iterations: time and memory on sparse typed arrays beside a naive Map-of-Maps implementation',
  },
} as const satisfies Record<string, BenchEntry>

export const BENCH_CATALOGUE: { readonly [K in keyof typeof entries]: BenchEntry } = entries

/** Every benchmark the CLI knows, in the order `vain list` shows them. */
export const BENCH_ENTRIES: readonly BenchEntry[] = [entries.simThroughput, entries.ed25519, entries.secureLink, entries.storage, entries.dht, entries.blobTransfer, entries.bft, entries.trust]
