import { blake2b } from './hash.ts'
import { defineJob } from './compute.ts'

/** A hash chain: `rounds` applications of BLAKE2b-256 to `seed`. */
export interface HashChainInput {
  readonly seed: Uint8Array
  readonly rounds: number
}

/**
 * The most rounds one job may ask for: 2^24 rounds take ~8 s of one core here, the longest a proof
 * check should hold a worker; a request beyond it is refused rather than pinning a worker for minutes.
 */
export const MAX_HASH_CHAIN_ROUNDS = 2 ** 24

/**
 * Virtual milliseconds per round in simulation: a BLAKE2b-256 of 32 bytes through sodium-native took
 * 0.50 µs, measured over 10^6 rounds on this machine (so a simulated proof check costs what a real one does).
 */
export const HASH_CHAIN_MS_PER_ROUND = 0.0005

/**
 * The end of a BLAKE2b-256 hash chain over `seed` (a sequential proof of work: no step can start before
 * the one before it ends). The compute job kind the context suite and the runtime's tests run.
 */
export const HASH_CHAIN = defineJob<HashChainInput, Uint8Array>({
  name: 'hash-chain/1',
  module: import.meta.url,
  run({ seed, rounds }) {
    if (!(seed instanceof Uint8Array)) throw new TypeError('seed must be bytes')
    if (!Number.isSafeInteger(rounds) || rounds < 0 || rounds > MAX_HASH_CHAIN_ROUNDS) {
      throw new RangeError(`rounds must be an integer in 0..${MAX_HASH_CHAIN_ROUNDS}, got ${rounds}`)
    }
    let digest: Uint8Array = seed
    for (let i = 0; i < rounds; i++) digest = blake2b(digest)
    return digest
  },
  costMs: ({ rounds }) => (Number.isSafeInteger(rounds) && rounds > 0 ? rounds * HASH_CHAIN_MS_PER_ROUND : 0),
})
