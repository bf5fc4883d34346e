import { collectionHeader, numberSize, stringSize } from '../core/wire-size.ts'

/**
 * How a message crosses from one simulated node to another.
 * - `bytes` (default): encoded by the sender, decoded through the receiver's inbox schema. No shared
 *   references, honest sizes, and the codec and schemas run on every delivery.
 * - `frozen`: the sender's object is deeply frozen and shared; its size is computed as that of its
 *   encoding (core/wire-size.ts) without encoding it. Faster, but the receiver's schema is not applied:
 *   for trusted actor code at scale. A message holding a typed array (which cannot be frozen) travels
 *   as bytes instead.
 */
export type Isolation = 'bytes' | 'frozen'

/** freezeAndMeasure's answer for a frozen value whose encoded size it did not compute: the caller measures it. */
export const UNMEASURED = -1
/** freezeAndMeasure's answer for a value holding a typed array, which cannot be frozen: the caller sends a copy. */
export const UNSHAREABLE = -2

/**
 * Deeply freezes plain data so that nodes can share it (a sent message is immutable from then on), and
 * measures it on the same walk: the length of its encoding, as wireSize (core/wire-size.ts) gives it,
 * without a second walk over the message. Returns that length; UNMEASURED where wireSize declines
 * (undefined, class instances, …) or where the walk's keys may not be the codec's (the caller then asks
 * wireSize); UNSHAREABLE when the value holds a typed array, which cannot be frozen (everything else in
 * it is frozen all the same). A message's objects are frozen after their fields are read: reading an
 * object's keys after freezing it costs V8 about twice as much.
 */
export function freezeAndMeasure(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringSize(value)
    case 'number':
      return numberSize(value)
    case 'boolean':
      return 1
    case 'object':
      if (value === null) return 1
      if (ArrayBuffer.isView(value)) return UNSHAREABLE
      return Array.isArray(value) ? freezeArray(value) : freezeObject(value)
    default:
      return UNMEASURED
  }
}

/** Sizes added up: UNSHAREABLE wins over UNMEASURED, which wins over any size. */
function add(a: number, b: number): number {
  if (a === UNSHAREABLE || b === UNSHAREABLE) return UNSHAREABLE
  return a < 0 || b < 0 ? UNMEASURED : a + b
}

// The walk is for-in, which reaches every enumerable key (the freeze must); an array's size is the
// codec's (every element, in order) only when those keys are exactly its indices 0, 1, …, length − 1.
function freezeArray(items: unknown[]): number {
  let total = collectionHeader(items.length)
  let i = 0
  for (const key in items) {
    total = add(total, freezeAndMeasure((items as unknown as Record<string, unknown>)[key]))
    if (!(i < items.length && +key === i)) total = add(total, UNMEASURED)
    i++
  }
  if (i < items.length) total = add(total, UNMEASURED) // holes
  Object.freeze(items)
  return total
}

// The codec writes a plain object's own keys (Object.keys), and wireSize declines any other object.
function freezeObject(object: object): number {
  const proto = Object.getPrototypeOf(object)
  let total = proto === Object.prototype || proto === null ? 0 : UNMEASURED
  let keys = 0
  for (const key in object) {
    total = add(total, freezeAndMeasure((object as Record<string, unknown>)[key]))
    total = add(total, Object.hasOwn(object, key) ? stringSize(key) : UNMEASURED)
    keys++
  }
  Object.freeze(object)
  return add(total, collectionHeader(keys))
}
