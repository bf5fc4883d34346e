import { blake2b } from '../../core/hash.ts'

/** A 256-bit Kademlia node id. */
export type NodeId = Uint8Array

export const ID_BYTES = 32
export const ID_BITS = 256

/**
 * A node's id: BLAKE2b-256 of its Ed25519 public key. Hashing spreads ids uniformly and means an id
 * can be had only by generating a key for it, so choosing where to sit in the id space costs a key
 * generation per try, not a free pick.
 */
export function nodeIdOf(publicKey: Uint8Array): NodeId {
  return asId(blake2b(publicKey, ID_BYTES))
}

/**
 * A plain Uint8Array view of id bytes (no copy). Ids arrive as Buffers (from libsodium and from the
 * codec) and are made here as Uint8Arrays: mixing the two classes makes every byte access in the
 * distance functions polymorphic, which measured 10–20× slower in the lookup's hot path.
 */
export function asId(bytes: Uint8Array): NodeId {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Compares the XOR distances of `a` and `b` from `target`: negative when `a` is closer, positive when
 * `b` is, 0 when they are the same id. A byte loop, no allocation (the lookup's hot path).
 */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const da = a[i]! ^ target[i]!
    const db = b[i]! ^ target[i]!
    if (da !== db) return da - db
  }
  return 0
}

/** The number of leading bits `a` and `b` share (256 when equal): the index of `b`'s k-bucket in `a`'s table. */
export function sharedPrefixBits(a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i]! ^ b[i]!
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return ID_BITS
}

export function idsEqual(a: NodeId, b: NodeId): boolean {
  for (let i = 0; i < ID_BYTES; i++) if (a[i] !== b[i]) return false
  return true
}

/** The first 48 bits of an id as a number: a cheap key that almost always tells two ids apart. */
export function idPrefixKey(id: NodeId): number {
  return ((id[0]! * 256 + id[1]!) * 256 + id[2]!) * 16_777_216 + ((id[3]! << 16) | (id[4]! << 8) | id[5]!)
}

/** A uniformly random id sharing exactly `bits` leading bits with `base` (for refreshing bucket `bits`). */
export function randomIdInBucket(base: NodeId, bits: number, entropy: Uint8Array): NodeId {
  const id = Uint8Array.from(entropy.subarray(0, ID_BYTES))
  const whole = bits >> 3
  id.set(base.subarray(0, whole), 0)
  if (whole < ID_BYTES) {
    const prefix = (0xff00 >> (bits & 7)) & 0xff // the byte's bits that must match `base`
    const differ = 0x80 >> (bits & 7) // the first bit that must not
    const mixed = (base[whole]! & prefix) | (id[whole]! & ~prefix)
    id[whole] = ((mixed & ~differ) | (~base[whole]! & differ)) & 0xff
  }
  return id
}

export const idHex = (id: NodeId): string => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
