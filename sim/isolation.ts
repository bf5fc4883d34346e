/**
 * How a message crosses from one simulated node to another.
 * - `bytes` (default): encoded by the sender, decoded through the receiver's inbox schema. No shared
 *   references, honest sizes, and the codec and schemas run on every delivery.
 * - `frozen`: the sender's object is deeply frozen and shared; its size comes from one encoding, cached
 *   per object. Faster, but the receiver's schema is not applied: for trusted actor code at scale.
 */
export type Isolation = 'bytes' | 'frozen'

/**
 * Deeply freezes plain data so that nodes can share it. Returns false, having frozen nothing, when the
 * value holds a typed array (those cannot be frozen): the caller must send a copy instead.
 */
export function freezeForSharing(value: unknown): boolean {
  if (holdsTypedArray(value)) return false
  deepFreeze(value)
  return true
}

function holdsTypedArray(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (ArrayBuffer.isView(value)) return true
  for (const key of Object.keys(value)) if (holdsTypedArray((value as Record<string, unknown>)[key])) return true
  return false
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  Object.freeze(value)
}
