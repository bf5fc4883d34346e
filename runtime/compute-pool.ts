import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { ComputeOutcome, JobKind } from '../core/compute.ts'

/**
 * Worker threads per node: every core but one, which is left to the event loop that runs the actor
 * and its links; at least one. (On this 2-core machine: 1.)
 */
export const DEFAULT_COMPUTE_WORKERS = Math.max(1, availableParallelism() - 1)
/**
 * Jobs waiting for a worker. A node asks for compute a few times per round (a training step, a proof
 * check per task), so 64 waiting is far behind already; past it a request fails at once with
 * `ok: false` rather than queueing work (and its input's memory) without bound.
 */
export const DEFAULT_MAX_QUEUED_JOBS = 64

export interface ComputePoolOptions {
  readonly workers?: number
  readonly maxQueued?: number
}

/** What the pool posts to a worker, and what runtime/compute-worker.ts reads. */
export interface JobRequest {
  readonly module: string
  readonly name: string
  readonly input: unknown
}

interface Task {
  readonly request: JobRequest
  readonly done: (outcome: ComputeOutcome) => void
}

// A .js entry: a worker thread starts without the parent's TypeScript loader, and this file registers it.
const WORKER_ENTRY = new URL('./compute-worker.js', import.meta.url)

/**
 * A bounded pool of worker threads running compute jobs (core/compute.ts) off the event loop. Workers
 * start on first use and stay; each runs one job at a time, the others wait in a bounded queue in the
 * order asked. A worker that dies (a job that exits its thread, runs out of memory) fails its job and
 * is replaced on the next one.
 */
export class ComputePool {
  private readonly idle: Worker[] = []
  private readonly busy = new Map<Worker, Task>()
  private readonly queue: Task[] = []
  private readonly workers: number
  private readonly maxQueued: number
  private closed = false

  constructor(options: ComputePoolOptions = {}) {
    this.workers = options.workers ?? DEFAULT_COMPUTE_WORKERS
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED_JOBS
    if (!(Number.isSafeInteger(this.workers) && this.workers >= 1)) throw new RangeError(`a compute pool needs at least one worker, got ${this.workers}`)
    if (!(Number.isSafeInteger(this.maxQueued) && this.maxQueued >= 0)) throw new RangeError(`maxQueued must be an integer ≥ 0, got ${this.maxQueued}`)
  }

  /** Runs `input` through `kind` on a worker; the promise never rejects: a failure is an `ok: false` outcome. */
  run<I>(kind: JobKind<I>, input: I): Promise<ComputeOutcome> {
    return new Promise((done) => {
      if (this.closed) return done({ ok: false, error: `${kind.name}: the compute pool is closed` })
      const task = { request: { module: kind.module, name: kind.name, input }, done }
      const worker = this.freeWorker()
      if (worker !== undefined) return this.start(worker, task)
      if (this.queue.length >= this.maxQueued) {
        return done({ ok: false, error: `${kind.name}: the compute queue is full (${this.maxQueued} jobs waiting for ${this.workers} workers)` })
      }
      this.queue.push(task)
    })
  }

  /** Jobs running and waiting. */
  get pending(): number {
    return this.busy.size + this.queue.length
  }

  /** Worker threads alive. */
  get threads(): number {
    return this.busy.size + this.idle.length
  }

  /** Stops every worker; jobs running or waiting end with `ok: false`. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const tasks = [...this.busy.values(), ...this.queue.splice(0)]
    const workers = [...this.busy.keys(), ...this.idle.splice(0)]
    this.busy.clear()
    for (const task of tasks) task.done({ ok: false, error: `${task.request.name}: the compute pool closed` })
    await Promise.all(workers.map((worker) => worker.terminate()))
  }

  private freeWorker(): Worker | undefined {
    const idle = this.idle.pop()
    if (idle !== undefined) return idle
    if (this.busy.size + this.idle.length >= this.workers) return undefined
    const worker = new Worker(WORKER_ENTRY)
    worker.on('message', (outcome: ComputeOutcome) => this.finished(worker, outcome))
    worker.on('error', (error) => this.died(worker, `${error.message}`))
    worker.on('exit', (code) => this.died(worker, `exited with code ${code}`))
    return worker
  }

  // A job keeps the process alive until it ends; an idle worker does not (`close` ends it).
  private start(worker: Worker, task: Task): void {
    this.busy.set(worker, task)
    worker.ref()
    worker.postMessage(task.request)
  }

  private finished(worker: Worker, outcome: ComputeOutcome): void {
    const task = this.busy.get(worker)
    this.busy.delete(worker)
    task?.done(outcome)
    const next = this.queue.shift()
    if (next !== undefined) return this.start(worker, next)
    worker.unref()
    this.idle.push(worker)
  }

  // 'error' is followed by 'exit': the first one fails the job, the second finds nothing left to do.
  private died(worker: Worker, why: string): void {
    if (this.closed) return
    const task = this.busy.get(worker)
    this.busy.delete(worker)
    const at = this.idle.indexOf(worker)
    if (at >= 0) this.idle.splice(at, 1)
    task?.done({ ok: false, error: `${task.request.name}: the worker running it died (${why})` })
    const next = this.queue.shift()
    if (next === undefined) return
    const replacement = this.freeWorker()
    if (replacement !== undefined) this.start(replacement, next)
    else this.queue.unshift(next)
  }
}
