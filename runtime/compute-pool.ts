import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { jobMaxMs, pastDeadline, type ComputeOutcome, type JobKind } from '../core/compute.ts'

/**
 * Worker threads per node: every core but one, which is left to the event loop that runs the actor
 * and its links; at least one. (On this 2-core machine: 1.)
 */
export const DEFAULT_COMPUTE_WORKERS = Math.max(1, availableParallelism() - 1)
/**
 * Jobs waiting for a worker. A node asks for compute a few times per round (a training step, a proof
 * check per task), so 64 waiting is far behind already; past it a request fails at once with
 * `queue-full` rather than queueing work (and its input's memory) without bound.
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

/**
 * How a job given to the pool ended: a ComputeOutcome, or `closed` when the pool was closed before it
 * ended (a node that stopped: its actor sees nothing more, so this never reaches one).
 */
export type PoolOutcome = ComputeOutcome | PoolClosed

export interface PoolClosed {
  readonly ok: false
  readonly reason: 'closed'
  readonly error: string
}

export const poolClosed = (outcome: PoolOutcome): outcome is PoolClosed => !outcome.ok && outcome.reason === 'closed'

interface Task {
  readonly request: JobRequest
  readonly maxMs: number
  readonly done: (outcome: PoolOutcome) => void
}

interface Running {
  readonly task: Task
  readonly deadline: NodeJS.Timeout
}

// A .js entry: a worker thread starts without the parent's TypeScript loader, and this file registers it.
const WORKER_ENTRY = new URL('./compute-worker.js', import.meta.url)
/**
 * What a worker evaluates: an import of the entry. A worker inherits the process's Node options, and a
 * worker started from a file dies at once in a process run as `node --input-type=module -e SCRIPT`
 * ("--input-type can only be used with string input"), failing every job as `worker-died`; given as a
 * string, the entry starts under any options (a dynamic import is the same in a module and a script).
 */
const WORKER_SOURCE = `import(${JSON.stringify(WORKER_ENTRY.href)})`

/**
 * A bounded pool of worker threads running compute jobs (core/compute.ts) off the event loop. Workers
 * start on first use and stay; each runs one job at a time, the others wait in a bounded queue in the
 * order asked. A job still running at its kind's deadline (`maxMs`, counted from when a worker took it)
 * has its worker terminated and fails with `deadline`; a worker that dies (a job that exits its thread,
 * runs out of memory) fails its job with `worker-died`. Either way the next job gets a new worker, so a
 * runaway job holds a worker for its deadline at most. (A terminated worker's thread may take a moment
 * to end, beside its replacement.)
 */
export class ComputePool {
  private readonly idle: Worker[] = []
  private readonly busy = new Map<Worker, Running>()
  private readonly queue: Task[] = []
  /** Workers terminated or dead: whatever they still report ('message', 'error', 'exit') is ignored. */
  private readonly retired = new WeakSet<Worker>()
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
  run<I>(kind: JobKind<I>, input: I): Promise<PoolOutcome> {
    return new Promise((done) => {
      if (this.closed) return done({ ok: false, reason: 'closed', error: `${kind.name}: the compute pool is closed` })
      const task: Task = { request: { module: kind.module, name: kind.name, input }, maxMs: jobMaxMs(kind), done }
      const worker = this.freeWorker()
      if (worker !== undefined) return this.start(worker, task)
      if (this.queue.length >= this.maxQueued) {
        return done({ ok: false, reason: 'queue-full', error: `${kind.name}: the compute queue is full (${this.maxQueued} jobs waiting for ${this.workers} workers)` })
      }
      this.queue.push(task)
    })
  }

  /** Jobs running and waiting. */
  get pending(): number {
    return this.busy.size + this.queue.length
  }

  /** Worker threads in use or idle (not counting terminated ones still ending). */
  get threads(): number {
    return this.busy.size + this.idle.length
  }

  /** Stops every worker; jobs running or waiting end with `closed`. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const running = [...this.busy.values()]
    const tasks = [...running.map((r) => r.task), ...this.queue.splice(0)]
    const workers = [...this.busy.keys(), ...this.idle.splice(0)]
    for (const { deadline } of running) clearTimeout(deadline)
    this.busy.clear()
    for (const task of tasks) task.done({ ok: false, reason: 'closed', error: `${task.request.name}: the compute pool closed` })
    await Promise.all(workers.map((worker) => worker.terminate()))
  }

  private freeWorker(): Worker | undefined {
    const idle = this.idle.pop()
    if (idle !== undefined) return idle
    if (this.busy.size + this.idle.length >= this.workers) return undefined
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.on('message', (outcome: ComputeOutcome) => this.finished(worker, outcome))
    worker.on('error', (error) => this.died(worker, `${error.message}`))
    worker.on('exit', (code) => this.died(worker, `exited with code ${code}`))
    return worker
  }

  // A job keeps the process alive until it ends; an idle worker does not (`close` ends it).
  private start(worker: Worker, task: Task): void {
    const deadline = setTimeout(() => this.overdue(worker), task.maxMs)
    this.busy.set(worker, { task, deadline })
    worker.ref()
    worker.postMessage(task.request)
  }

  private finished(worker: Worker, outcome: ComputeOutcome): void {
    if (this.retired.has(worker) || this.closed) return
    this.end(worker, outcome)
    const next = this.queue.shift()
    if (next !== undefined) return this.start(worker, next)
    worker.unref()
    this.idle.push(worker)
  }

  private overdue(worker: Worker): void {
    const running = this.busy.get(worker)
    if (running === undefined) return
    this.retire(worker, pastDeadline(running.task.request.name, running.task.maxMs))
    void worker.terminate()
  }

  // 'error' is followed by 'exit': the first one retires the worker, the second finds it retired.
  private died(worker: Worker, why: string): void {
    if (this.retired.has(worker) || this.closed) return
    const name = this.busy.get(worker)?.task.request.name
    this.retire(worker, { ok: false, reason: 'worker-died', error: `${name}: the worker running it died (${why})` })
  }

  /** Forgets a worker that is gone or going, fails its job (if any) with `outcome`, and gives waiting jobs new workers. */
  private retire(worker: Worker, outcome: ComputeOutcome): void {
    this.retired.add(worker)
    const at = this.idle.indexOf(worker)
    if (at >= 0) this.idle.splice(at, 1)
    if (this.busy.has(worker)) this.end(worker, outcome)
    for (let next = this.queue[0]; next !== undefined; next = this.queue[0]) {
      const replacement = this.freeWorker()
      if (replacement === undefined) return
      this.queue.shift()
      this.start(replacement, next)
    }
  }

  private end(worker: Worker, outcome: ComputeOutcome): void {
    const running = this.busy.get(worker) as Running
    this.busy.delete(worker)
    clearTimeout(running.deadline)
    running.task.done(outcome)
  }
}
