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

/** The runtime's timer tag of a component's timer: `name/tag` for a string tag, `name#tag` for a number. */
export function scopedTimerTag(component: string, tag: TimerTag): string {
  return typeof tag === 'number' ? `${component}#${tag}` : `${component}/${tag}`
}

/** The component and its own tag, from a runtime timer tag made by `scopedTimerTag`. */
export function unscopeTimerTag(tag: TimerTag): { readonly component: string; readonly tag: TimerTag } | undefined {
  if (typeof tag !== 'string') return undefined
  const cut = tag.search(/[/#]/)
  if (cut <= 0) return undefined
  const own = tag.slice(cut + 1)
  return { component: tag.slice(0, cut), tag: tag[cut] === '#' ? Number(own) : own }
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

  setTimer(delayMs: number, tag: TimerTag): TimerId {
    return this.outer.setTimer(delayMs, scopedTimerTag(this.name, tag))
  }

  cancelTimer(id: TimerId): void {
    this.outer.cancelTimer(id)
  }

  trace(event: TraceFields): void {
    this.outer.trace({ component: this.name, ...event })
  }

  // A computation's tag is scoped like a timer's, so its outcome comes back to this component.
  compute<I>(job: ComputeJob<I>, tag: ComputeTag): void {
    this.outer.compute(job, scopedTimerTag(this.name, tag))
  }

  private routed(message: unknown): Routed {
    if (this.protocol === undefined) throw new Error(`component '${this.name}' has no protocol: it cannot send`)
    return { p: this.protocol, m: message }
  }
}
