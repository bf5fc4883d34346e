import { defineJob } from '../core/compute.ts'

/** Job kinds that break a worker in the ways a real job might, for the pool's tests. */

/** Ends the worker thread it runs on (as a native crash or an out-of-memory would). */
export const EXIT_THREAD = defineJob<number, never>({
  name: 'test-exit-thread/1',
  module: import.meta.url,
  run: (code) => process.exit(code),
  costMs: () => 0,
})

/** Returns a value a worker cannot post back. */
export const UNCLONEABLE = defineJob<number, () => number>({
  name: 'test-uncloneable/1',
  module: import.meta.url,
  run: (n) => () => n,
  costMs: () => 0,
})
