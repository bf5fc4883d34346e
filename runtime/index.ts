/**
 * `vain/runtime` (package.json `exports`): the real-time runtime (one actor on the event loop with the
 * wall clock, OS randomness, worker threads for ctx.compute) and its durable storage and key file.
 */
export {
  DEFAULT_MAX_DECODE_FAILURES,
  DEFAULT_MAX_FRAMES_PER_DIAL,
  DEFAULT_MAX_OUTBOUND_LINKS,
  NodeRuntime,
  type LogRecord,
  type RuntimeOptions,
} from './node-runtime.ts'
export { DEFAULT_COMPUTE_WORKERS, DEFAULT_MAX_QUEUED_JOBS, type ComputePoolOptions } from './compute-pool.ts'
export { DEFAULT_LOG_SAMPLING, type LogSampling } from './log-sampler.ts'
export { DEFAULT_ATOMIC_PREFIXES, DEFAULT_COMPACT_ABOVE_BYTES, FileStorage, type FileStorageOptions, type StoreRepair } from './file-storage.ts'
export { FileBlobs } from './file-blobs.ts'
export { DataDirLock, LOCK_FILE } from './data-dir-lock.ts'
export { StorageError, type StorageFailure } from './storage-error.ts'
export { KeyFileError, MODERATE_COST, openSeedFile, sealSeedFile, type PassphraseCost } from './sealed-seed-file.ts'
export { OsRandom } from './os-random.ts'
