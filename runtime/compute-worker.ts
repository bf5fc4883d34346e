import { parentPort } from 'node:worker_threads'
import { jobFailed, jobKind, type ComputeOutcome } from '../core/compute.ts'
import type { JobRequest } from './compute-pool.ts'

/**
 * A compute worker: for each request, imports the module that defines the job kind (once; the module
 * cache keeps it), runs the job and posts its outcome. Every failure is an outcome, never a dead worker.
 */
const port = parentPort
if (port === null) throw new Error('runtime/compute-worker.ts runs only as a worker thread')

port.on('message', async (request: JobRequest) => {
  const outcome = await run(request)
  try {
    port.postMessage(outcome)
  } catch (error) {
    port.postMessage(jobFailed(request.name, error)) // a value that cannot be cloned, as in the simulator
  }
})

async function run({ module, name, input }: JobRequest): Promise<ComputeOutcome> {
  try {
    await import(module)
  } catch (error) {
    return jobFailed(name, new Error(`its module ${module} did not load: ${error instanceof Error ? error.message : String(error)}`))
  }
  const kind = jobKind(name)
  if (kind === undefined) return jobFailed(name, new Error(`${module} does not define it`))
  try {
    return { ok: true, value: kind.run(input) }
  } catch (error) {
    return jobFailed(name, error)
  }
}
