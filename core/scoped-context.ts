import type { Address, Context, TimerId, TimerTag, TraceFields } from './actor.ts'
import type { ComputeJob, ComputeTag } from './compute.ts'
import type { Random } from './random.ts'
import type { AppendLog, BlobStore, Storage } from './storage.ts'

/*
 * What one component of a composite sees of its node's context (core/component.ts). Its timer tags
 * and storage keys are prefixed with its name, its random stream is split off by its name, its trace
 * events name it, and what it sends carries its protocol id. The prefixes are where the namespaces
 * meet the runtime: a component never sees another's tags or keys, whatever it names them.
 */

/**
 * The runtime's tag of a component's timer or computation: `name:n/tag` for a string tag, `name:n#tag`
 * for a number, where `n` is the component's own number for it (its timer id).
 */
export function scopedTag(component: string, local: number, tag: TimerTag): string {
  return `${component}:${local}${typeof tag === 'number' ? '#' : '/'}${tag}`
}

/** The component, its number and its own tag, from a runtime tag made by `scopedTag`. */
export function unscopeTag(tag: TimerTag): { readonly component: string; readonly local: number; readonly tag: TimerTag } | undefined {
  if (typeof tag !== 'string') return undefined
  const parsed = /^([a-z][a-z0-9-]*):(\d+)([/#])/.exec(tag)
  if (parsed === null) return undefined
  const own = tag.slice(parsed[0].length)
  return { component: parsed[1]!, local: Number(parsed[2]), tag: parsed[3] === '#' ? Number(own) : own }
}

/** A message of a composite on the wire: the protocol it belongs to and the message itself. */
export interface Routed {
  readonly p: string
  readonly m: unknown
}

/** A key-value view of `outer` under `prefix`: keys are stored as prefix + key, listed without it. */
export class ScopedStorage implements Storage {
  constructor(
    private readonly outer: Storage,
    private readonly prefix: string,
  ) {}

  get(key: string): Uint8Array | undefined {
    return this.outer.get(this.prefix + key)
  }

  put(key: string, value: Uint8Array): void {
    this.outer.put(this.prefix + key, value)
  }

  delete(key: string): void {
    this.outer.delete(this.prefix + key)
  }

  keys(prefix = ''): string[] {
    return this.outer.keys(this.prefix + prefix).map((key) => key.slice(this.prefix.length))
  }

  log(name: string): AppendLog {
    return this.outer.log(this.prefix + name)
  }

  blobs(name: string): BlobStore {
    return this.outer.blobs(this.prefix + name)
  }

  sync(): void {
    this.outer.sync()
  }
}

/** The context of one component: the node's context seen through the component's namespaces. */
export class ScopedContext implements Context {
  readonly self: Address
  readonly random: Random
  readonly storage: Storage
  /** Pending timers: this component's id → the runtime's. */
  private readonly pending = new Map<TimerId, TimerId>()
  private nextLocal = 1

  constructor(
    private readonly outer: Context,
    private readonly name: string,
    private readonly protocol: string | undefined,
  ) {
    this.self = outer.self
    this.random = outer.random.split(name)
    this.storage = new ScopedStorage(outer.storage, `${name}/`)
  }

  now(): number {
    return this.outer.now()
  }

  keyOf(address: Address): Uint8Array | undefined {
    return this.outer.keyOf(address)
  }

  send(to: Address, message: unknown): void {
    this.outer.send(to, this.routed(message))
  }

  broadcast(message: unknown): void {
    this.outer.broadcast(this.routed(message))
  }

  // A component's timer ids are its own numbers, mapped to the runtime's: it can cancel only its own
  // timers, whatever id it passes (the runtime's ids are one counter shared by every component).
  setTimer(delayMs: number, tag: TimerTag): TimerId {
    const local = this.nextLocal++
    this.pending.set(local, this.outer.setTimer(delayMs, scopedTag(this.name, local, tag)))
    return local
  }

  cancelTimer(id: TimerId): void {
    const outer = this.pending.get(id)
    if (outer === undefined) return // fired, cancelled, or never this component's
    this.pending.delete(id)
    this.outer.cancelTimer(outer)
  }

  /**
   * The component's own tag of a runtime timer or computation tag this context made, once: a timer
   * that fires is no longer pending. Undefined for a tag of another component.
   */
  takeTag(tag: TimerTag): TimerTag | undefined {
    const scoped = unscopeTag(tag)
    if (scoped === undefined || scoped.component !== this.name) return undefined
    this.pending.delete(scoped.local)
    return scoped.tag
  }

  // The component's name is the last word: an event cannot pass itself off as another component's.
  trace(event: TraceFields): void {
    this.outer.trace({ ...event, component: this.name })
  }

  // A computation's tag is scoped like a timer's, so its outcome comes back to this component.
  compute<I>(job: ComputeJob<I>, tag: ComputeTag): void {
    this.outer.compute(job, scopedTag(this.name, this.nextLocal++, tag))
  }

  private routed(message: unknown): Routed {
    if (this.protocol === undefined) throw new Error(`component '${this.name}' has no protocol: it cannot send`)
    return { p: this.protocol, m: message }
  }
}
