import { encode } from '../core/codec.ts'
import { Blake2bStream } from '../core/hash.ts'

/** A structured trace event, as a listener (the `replay` command, a test) receives it. */
export type TraceEvent = { readonly t: number; readonly kind: TraceKind } & Readonly<Record<string, unknown>>

export type TraceKind = (typeof KIND_NAMES)[number]
const KIND_NAMES = ['boot', 'send', 'deliver', 'drop', 'duplicate', 'reject', 'timer', 'fault', 'crash', 'restart', 'node', 'user', 'compute', 'computed'] as const
const KIND = Object.fromEntries(KIND_NAMES.map((name, i) => [name, i])) as { readonly [K in TraceKind]: number }

/** Why a message was not delivered. */
export type DropReason = (typeof DROP_REASONS)[number]
const DROP_REASONS = ['loss', 'partition', 'down', 'unknown-address'] as const
const DROP_CODE = Object.fromEntries(DROP_REASONS.map((name, i) => [name, i])) as { readonly [K in DropReason]: number }

const RECORD_BYTES = 22 // kind u8, code u8, time f64, a u32, b u32, n u32
const BUFFER_BYTES = 1 << 16

/**
 * The run's trace. Every kernel event is written as a fixed 22-byte little-endian record (node numbers,
 * not names: the `node` event binds each number to its address) into a buffer that is fed to a running
 * BLAKE2b, so hashing costs a few nanoseconds per event. Structured objects are built only when a
 * listener is attached.
 */
export class Trace {
  private readonly hash = new Blake2bStream(32)
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES)
  private readonly view = new DataView(this.buffer.buffer, this.buffer.byteOffset, BUFFER_BYTES)
  private offset = 0

  constructor(
    private readonly names: readonly string[],
    private readonly listener?: (event: TraceEvent) => void,
  ) {}

  node(t: number, node: number): void {
    this.data(KIND.node, t, node, { address: this.names[node] })
    this.listener?.({ t, kind: 'node', node: this.names[node] })
  }

  boot(t: number, node: number): void {
    this.record(KIND.boot, 0, t, node, 0, 0)
    this.listener?.({ t, kind: 'boot', node: this.names[node] })
  }

  send(t: number, from: number, to: number, size: number): void {
    this.record(KIND.send, 0, t, from, to, size)
    this.listener?.({ t, kind: 'send', from: this.names[from], to: this.names[to], size })
  }

  deliver(t: number, from: number, to: number, size: number): void {
    this.record(KIND.deliver, 0, t, from, to, size)
    this.listener?.({ t, kind: 'deliver', from: this.names[from], to: this.names[to], size })
  }

  duplicate(t: number, from: number, to: number, size: number): void {
    this.record(KIND.duplicate, 0, t, from, to, size)
    this.listener?.({ t, kind: 'duplicate', from: this.names[from], to: this.names[to], size })
  }

  drop(t: number, from: number, to: number, size: number, reason: DropReason): void {
    this.record(KIND.drop, DROP_CODE[reason], t, from, to, size)
    this.listener?.({ t, kind: 'drop', from: this.names[from], to: this.names[to], size, reason })
  }

  reject(t: number, from: number, to: number, reason: string, error: string): void {
    this.data(KIND.reject, t, from, { to, reason, error })
    this.listener?.({ t, kind: 'reject', from: this.names[from], to: this.names[to], reason, error })
  }

  timer(t: number, node: number, id: number, tag: string | number): void {
    this.record(KIND.timer, 0, t, node, id, 0)
    this.listener?.({ t, kind: 'timer', node: this.names[node], id, tag })
  }

  crash(t: number, node: number, keptWrites: number): void {
    this.record(KIND.crash, 0, t, node, keptWrites, 0)
    this.listener?.({ t, kind: 'crash', node: this.names[node], keptWrites })
  }

  restart(t: number, node: number): void {
    this.record(KIND.restart, 0, t, node, 0, 0)
    this.listener?.({ t, kind: 'restart', node: this.names[node] })
  }

  fault(t: number, fault: object): void {
    this.data(KIND.fault, t, 0, fault)
    this.listener?.({ t, kind: 'fault', fault })
  }

  /** A computation asked (`ctx.compute`), due `costMs` later. */
  compute(t: number, node: number, id: number, costMs: number): void {
    this.data(KIND.compute, t, node, { id, costMs }) // a data record: the cost is fractional
    this.listener?.({ t, kind: 'compute', node: this.names[node], id, costMs })
  }

  /** A computation's outcome handed to the actor. */
  computed(t: number, node: number, id: number, ok: boolean): void {
    this.record(KIND.computed, ok ? 1 : 0, t, node, id, 0)
    this.listener?.({ t, kind: 'computed', node: this.names[node], id, ok })
  }

  /** An event an actor traced through its context. */
  user(t: number, node: number, fields: Readonly<Record<string, unknown>>): void {
    this.data(KIND.user, t, node, fields)
    this.listener?.({ ...fields, t, kind: 'user', node: this.names[node] })
  }

  /** The BLAKE2b-256 of every event so far, in hex. The trace goes on afterwards. */
  digest(): string {
    this.flush()
    return this.hash.digestHex()
  }

  private record(kind: number, code: number, t: number, a: number, b: number, n: number): void {
    if (this.offset + RECORD_BYTES > BUFFER_BYTES) this.flush()
    const view = this.view
    const o = this.offset
    view.setUint8(o, kind)
    view.setUint8(o + 1, code)
    view.setFloat64(o + 2, t, true)
    view.setUint32(o + 10, a, true)
    view.setUint32(o + 14, b, true)
    view.setUint32(o + 18, n >>> 0, true)
    this.offset = o + RECORD_BYTES
  }

  /** A record followed by a MessagePack payload of `n` bytes. */
  private data(kind: number, t: number, a: number, payload: unknown): void {
    const bytes = encode(payload)
    this.record(kind, 0, t, a, 0, bytes.length)
    if (this.offset + bytes.length > BUFFER_BYTES) {
      this.flush()
      this.hash.update(bytes)
    } else {
      this.buffer.set(bytes, this.offset)
      this.offset += bytes.length
    }
  }

  private flush(): void {
    if (this.offset === 0) return
    this.hash.update(this.buffer.subarray(0, this.offset))
    this.offset = 0
  }
}
