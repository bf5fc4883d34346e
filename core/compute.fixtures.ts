import { defineJob } from './compute.ts'

/**
 * Job kinds for tests of compute failures, in a module of their own that a worker thread can import
 * (it imports nothing of a test runner).
 */

/** RUNAWAY's deadline: short, so a test waits for it in a fraction of a second. */
export const RUNAWAY_MAX_MS = 200

/**
 * A job that never ends (a loop with no exit, as a bug in a real kind would be). Its cost model says
 * five times its deadline, so the simulator fails it with `deadline` without running it; a real pool
 * terminates the worker running it at the deadline.
 */
export const RUNAWAY = defineJob<number, never>({
  name: 'test-runaway/1',
  module: import.meta.url,
  run: () => {
    for (;;);
  },
  costMs: () => 5 * RUNAWAY_MAX_MS,
  maxMs: RUNAWAY_MAX_MS,
})
