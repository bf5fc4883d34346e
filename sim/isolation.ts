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

/**
 * Deeply freezes plain data so that nodes can share it: a sent message is immutable from then on.
 * Returns false when the value holds a typed array, which cannot be frozen: the caller sends a copy.
 */
export function freezeForSharing(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true
  if (ArrayBuffer.isView(value)) return false
  let shareable = true
  // for-in rather than Object.keys: no array allocated per object on the send path.
  for (const key in value) if (!freezeForSharing((value as Record<string, unknown>)[key])) shareable = false
  Object.freeze(value)
  return shareable
}
