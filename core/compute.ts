import type { TimerTag } from './actor.ts'

/**
 * Deterministic compute: work that takes real time (training a model, checking a proof) without
 * stalling the actor. An actor asks `ctx.compute(job, tag)`; the result comes back later as an input,
 * `computed(tag, outcome, ctx)`, like a timer. The simulator runs the job inline and delivers the
 * outcome after the job's modelled virtual cost; a real node runs it on a worker thread
 * (runtime/compute-pool.ts). Either way the actor never waits and never sees a half-done result.
 *
 * A job kind is a pure function of structured-cloneable input to structured-cloneable output, defined
 * with `defineJob` at the top level of a module that a worker can import by URL (the module must not
 * need anything the actor's process set up: a worker shares no memory with it).
 */
export interface JobKind<I = unknown, O = unknown> {
  /** Unique within a process, versioned like a protocol id (`hash-chain/1`): it names the function in a worker. */
  readonly name: string
  /** The URL of the module whose evaluation defines this kind (its `import.meta.url`); a worker imports it. */
  readonly module: string
  /** The work. Pure: same input, same output, no context, clock or randomness. It may throw (an `ok: false` outcome). */
  readonly run: (input: I) => O
  /** The virtual milliseconds the work takes in simulation: finite and ≥ 0, a function of the input alone. */
  readonly costMs: (input: I) => number
  /**
   * The longest one job of this kind may run (default DEFAULT_JOB_MAX_MS): a real pool stops a worker
   * still running it then, and the job fails with `deadline`; the simulator fails a job whose modelled
   * cost is past it the same way, at that instant. Finite and > 0.
   */
  readonly maxMs?: number
}

/**
 * A job's deadline when its kind declares none: a minute. The longest job defined here (a hash chain of
 * MAX_HASH_CHAIN_ROUNDS) takes ~8 s of one core; a minute leaves room for a loaded machine, and bounds
 * how long a runaway job (a loop that never ends) can hold a worker. A kind whose honest work is longer
 * (a training step) declares its own `maxMs`.
 */
export const DEFAULT_JOB_MAX_MS = 60_000

/** One piece of work: a kind and its input. Make one with `job(kind, input)`. */
export interface ComputeJob<I = unknown, O = unknown> {
  readonly kind: JobKind<I, O>
  readonly input: I
}

/**
 * What a computation's result is delivered under: plain data, like a timer tag, so that a composite can
 * namespace it by component exactly as it does timer tags.
 */
export type ComputeTag = TimerTag

/**
 * Why a computation failed. `threw`: the job threw (or its value could not be cloned); deterministic,
 * so asking again gives the same. `deadline`: it ran past its kind's `maxMs` and was stopped. Two are
 * conditions of a real node only, transient (asking later may succeed): `queue-full`, every worker busy
 * and the queue at its bound; `worker-died`, the thread running it ended (out of memory, a native crash).
 * See docs/runtime.md for which of them the simulator produces.
 */
export type ComputeFailure = 'threw' | 'queue-full' | 'worker-died' | 'deadline'

/** How a computation ended: its value, or why it failed (`reason`) with a message for people (`error`, prefixed by the kind's name). */
export type ComputeOutcome<O = unknown> = { readonly ok: true; readonly value: O } | { readonly ok: false; readonly reason: ComputeFailure; readonly error: string }

const kinds = new Map<string, JobKind<any, any>>()

/** Defines and registers a job kind. Call it at a module's top level, with `module: import.meta.url`. */
export function defineJob<I, O>(kind: JobKind<I, O>): JobKind<I, O> {
  if (kind.maxMs !== undefined && !(kind.maxMs > 0 && kind.maxMs < Infinity)) throw new RangeError(`job kind ${kind.name}: maxMs must be finite and > 0, got ${kind.maxMs}`)
  const existing = kinds.get(kind.name)
  if (existing !== undefined && existing.module !== kind.module) {
    throw new RangeError(`job kind ${kind.name} is defined twice: in ${existing.module} and in ${kind.module}`)
  }
  kinds.set(kind.name, kind)
  return kind
}

/** The registered kind named `name`, if the module defining it has been loaded in this thread. */
export function jobKind(name: string): JobKind | undefined {
  return kinds.get(name)
}

export function job<I, O>(kind: JobKind<I, O>, input: I): ComputeJob<I, O> {
  return { kind, input }
}

/** The longest a job of `kind` may run: its own `maxMs`, or DEFAULT_JOB_MAX_MS. */
export function jobMaxMs(kind: JobKind<any, any>): number {
  return kind.maxMs ?? DEFAULT_JOB_MAX_MS
}

/** A request that passed `acceptJob`: its virtual cost, its deadline, and a copy of its input the caller cannot touch. */
export interface AcceptedJob {
  readonly kind: JobKind
  readonly costMs: number
  readonly maxMs: number
  readonly input: unknown
}

/**
 * The checks every context makes when `compute` is called, so that a bad request is the same
 * programming error everywhere, thrown at the call: a kind never registered, a cost model that does not
 * give a finite number ≥ 0, an input that cannot be cloned (DataCloneError). The input is copied now,
 * as a worker would receive it, so what the actor does to its own data afterwards cannot change the job.
 */
export function acceptJob<I>(request: ComputeJob<I>): AcceptedJob {
  const kind = request.kind as unknown as JobKind
  if (jobKind(kind.name) !== kind) throw new RangeError(`compute: job kind ${kind.name} was not defined with defineJob`)
  const costMs = kind.costMs(request.input)
  if (!(costMs >= 0) || costMs === Infinity) throw new RangeError(`compute: job kind ${kind.name} costs ${costMs} ms; a cost is finite and ≥ 0`)
  return { kind, costMs, maxMs: jobMaxMs(kind), input: structuredClone(request.input) }
}

/**
 * A job as the simulator and ManualContext run it, standing in for a worker: its outcome, due `afterMs`
 * virtual milliseconds after it was asked. A job whose modelled cost is past its deadline is not run:
 * it fails with `deadline` once the deadline has passed, as a real pool stops it then.
 */
export function simulateJob(job: AcceptedJob): { readonly outcome: ComputeOutcome; readonly afterMs: number } {
  const outcome = job.costMs > job.maxMs ? pastDeadline(job.kind.name, job.maxMs) : runJob(job.kind, job.input)
  return { outcome, afterMs: simulatedAfterMs(job) }
}

/** When a simulated job's outcome is due, in virtual ms after it was asked: its cost, or its deadline if sooner. */
export const simulatedAfterMs = (job: AcceptedJob): number => Math.min(job.costMs, job.maxMs)

/** The outcome of a job stopped at its deadline: the same text under every runtime. */
export function pastDeadline(name: string, maxMs: number): ComputeOutcome<never> {
  return { ok: false, reason: 'deadline', error: `${name}: still running at its deadline of ${maxMs} ms; it was stopped` }
}

/**
 * Runs a job where it stands (the simulator's way, and a worker's) on an input `acceptJob` copied. The
 * value is cloned, as a worker's reply is, so an actor gets the same kind of data under every runtime
 * (a Buffer comes back a Uint8Array) and a value that cannot be cloned fails the same way everywhere.
 */
export function runJob<I>(kind: JobKind<I>, input: I): ComputeOutcome {
  try {
    return { ok: true, value: structuredClone(kind.run(input)) }
  } catch (error) {
    return jobFailed(kind.name, error)
  }
}

/** The outcome of a job that threw, or whose value could not be cloned: the same text under every runtime. */
export function jobFailed(name: string, error: unknown): ComputeOutcome<never> {
  return { ok: false, reason: 'threw', error: `${name}: ${error instanceof Error ? error.message : String(error)}` }
}
