import { defineJob } from './compute.ts'
import { blake2b } from './hash.ts'

/**
 * Virtual milliseconds per byte hashed in simulation: BLAKE2b-256 through sodium-native hashed 64 MiB
 * in 285–340 ms on this machine (2 cores, shared), ~4.3 ns a byte; so verifying a 64 MiB blob costs a
 * simulated node what it costs a real one, about 0.3 s.
 */
export const BLOB_HASH_MS_PER_BYTE = 4.3e-6

/**
 * The BLAKE2b-256 of a blob's bytes (its name, core/storage.ts): the job a holder verifies a stored
 * blob with before serving it, off the event loop (actors/blob/holder.ts).
 */
export const BLOB_HASH = defineJob<Uint8Array, Uint8Array>({
  name: 'blob-hash/1',
  module: import.meta.url,
  run(bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('a blob is bytes')
    return blake2b(bytes)
  },
  costMs: (bytes) => (bytes instanceof Uint8Array ? bytes.length * BLOB_HASH_MS_PER_BYTE : 0),
})
