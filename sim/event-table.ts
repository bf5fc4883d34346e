import { grownTo } from './typed-arrays.ts'

/** The first number of slots of a table: enough for a small run without regrowing; it doubles when full. */
export const DEFAULT_EVENT_TABLE_CAPACITY = 1024

/**
 * The simulator's scheduled events, as a struct of arrays: an event is a slot number (the payload of
 * the event queue, sim/event-queue.ts) and its fields live in one typed array each, its body (a
 * message, a timer tag, a fault…) in a plain array. A freed slot is reused first (a stack), so the
 * slots in use stay few and dense: reading an event touches a few hot cache lines instead of a
 * freshly allocated object per message, and scheduling allocates nothing.
 *
 * The arrays are replaced when the table grows: read them through the table, never keep one.
 */
export class EventTable {
  kinds: Uint8Array
  /** DELIVER/LOOPBACK: receiver; TIMER/BOOT/COMPUTED: the node. */
  nodes: Int32Array
  /** DELIVER: sender; TIMER/LOOPBACK/COMPUTED: incarnation that set, sent or asked it. */
  sources: Int32Array
  /** DELIVER/LOOPBACK: encoded size; TIMER: timer id; COMPUTED: computation id. Doubles: ids can pass 2^31. */
  sizes: Float64Array
  /** DELIVER/LOOPBACK: 1 when the body is the message's bytes, to decode. */
  encoded: Uint8Array
  /** DELIVER/LOOPBACK: the message or its bytes; TIMER: the tag; FAULT: the fault; COMPUTED: its outcome. */
  readonly bodies: unknown[] = []
  private free: Int32Array
  private freeCount = 0
  private used = 0

  constructor(capacity: number = DEFAULT_EVENT_TABLE_CAPACITY) {
    const slots = Math.max(1, Math.floor(capacity))
    this.kinds = new Uint8Array(slots)
    this.nodes = new Int32Array(slots)
    this.sources = new Int32Array(slots)
    this.sizes = new Float64Array(slots)
    this.encoded = new Uint8Array(slots)
    this.free = new Int32Array(slots)
  }

  /** The number of slots holding an event. */
  get size(): number {
    return this.used - this.freeCount
  }

  /** Stores an event and returns its slot. */
  add(kind: number, node: number, source: number, body: unknown, size: number, encoded: boolean): number {
    let slot: number
    if (this.freeCount > 0) slot = this.free[--this.freeCount] as number
    else {
      if (this.used === this.kinds.length) this.grow()
      slot = this.used++
    }
    this.kinds[slot] = kind
    this.nodes[slot] = node
    this.sources[slot] = source
    this.sizes[slot] = size
    this.encoded[slot] = encoded ? 1 : 0
    this.bodies[slot] = body
    return slot
  }

  /** Frees a slot; its body is let go so that the collector can take it. */
  release(slot: number): void {
    this.bodies[slot] = undefined
    this.free[this.freeCount++] = slot
  }

  private grow(): void {
    const capacity = this.kinds.length * 2
    this.kinds = grownTo(this.kinds, capacity)
    this.nodes = grownTo(this.nodes, capacity)
    this.sources = grownTo(this.sources, capacity)
    this.sizes = grownTo(this.sizes, capacity)
    this.encoded = grownTo(this.encoded, capacity)
    this.free = grownTo(this.free, capacity)
  }
}
