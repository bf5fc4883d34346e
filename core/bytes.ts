/** A Buffer view of `data` without copying (libsodium's bindings take Buffers). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** Lower-case hex of `data`. */
export function toHex(data: Uint8Array): string {
  return asBuffer(data).toString('hex')
}

/** Whether two byte strings are equal (not constant-time: for public data only). */
/** The bytes of a hex string (the caller has checked it is hex). */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return asBuffer(a).equals(asBuffer(b))
}

/** The concatenation of `parts`. */
export function concatBytes(...parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts)
}
