import { ConfigError } from '../core/errors.ts'
import type { Bench } from './bench.ts'
import { bftBench } from './bft.ts'
import { blobTransferBench } from './blob-transfer.ts'
import { dhtBench } from './dht.ts'
import { ed25519Bench } from './ed25519.ts'
import { secureLinkBench } from './secure-link.ts'
import { simThroughput } from './sim-throughput.ts'
import { storageBench } from './storage.ts'
import { trustBench } from './trust.ts'

/** Every benchmark `vain bench` knows, by name. */
export const benches: ReadonlyMap<string, Bench> = new Map([simThroughput, ed25519Bench, secureLinkBench, storageBench, dhtBench, blobTransferBench, bftBench, trustBench].map((b) => [b.name, b as Bench]))

export function benchNamed(name: string): Bench {
  const bench = benches.get(name)
  if (bench === undefined) throw new ConfigError(`unknown benchmark '${name}'; known: ${[...benches.keys()].join(', ')}`)
  return bench
}
