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
}

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

/** How a computation ended: its value, or why it failed (the job threw, the pool was full, the worker died). */
export type ComputeOutcome<O = unknown> = { readonly ok: true; readonly value: O } | { readonly ok: false; readonly error: string }

const kinds = new Map<string, JobKind<any, any>>()

/** Defines and registers a job kind. Call it at a module's top level, with `module: import.meta.url`. */
export function defineJob<I, O>(kind: JobKind<I, O>): JobKind<I, O> {
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

/** A request that passed `acceptJob`: its virtual cost, and a copy of its input the caller cannot touch. */
export interface AcceptedJob {
  readonly kind: JobKind
  readonly costMs: number
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
  return { kind, costMs, input: structuredClone(request.input) }
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
  return { ok: false, error: `${name}: ${error instanceof Error ? error.message : String(error)}` }
}
