/**
 * The exact length of `encode(value)` (core/codec.ts), computed without encoding: a walk over the
 * value that follows MessagePack's size rules as the codec's msgpackr settings apply them (smallest
 * integer form, float64 for other numbers, UTF-8 strings, variable-size maps). The simulator uses it
 * to charge shared messages for their bytes at a fraction of the cost of encoding them.
 *
 * Returns -1 for values outside plain data (undefined, bigint, Date, Map, class instances, typed
 * arrays other than Uint8Array): the caller then measures a real encoding.
 */
export function wireSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringSize(value)
    case 'number':
      return numberSize(value)
    case 'boolean':
      return 1
    case 'object': {
      if (value === null) return 1
      if (Array.isArray(value)) return arraySize(value)
      if (value instanceof Uint8Array && (value.constructor === Uint8Array || value.constructor === Buffer)) {
        return (value.byteLength < 0x100 ? 2 : value.byteLength < 0x10000 ? 3 : 5) + value.byteLength
      }
      const proto = Object.getPrototypeOf(value)
      return proto === Object.prototype || proto === null ? objectSize(value as Record<string, unknown>) : -1
    }
    default:
      return -1
  }
}

/** The encoded length of a number. */
export function numberSize(n: number): number {
  if (n >>> 0 === n) return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
  if (n >> 0 === n) return n >= -0x20 ? 1 : n >= -0x80 ? 2 : n >= -0x8000 ? 3 : 5
  return 9
}

/** The encoded length of a string. */
export function stringSize(s: string): number {
  const bytes = utf8Length(s)
  return (bytes < 0x20 ? 1 : bytes < 0x100 ? 2 : bytes < 0x10000 ? 3 : 5) + bytes
}

function utf8Length(s: string): number {
  let bytes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4 // a surrogate pair: one 4-byte code point
      i++
    } else bytes += 3 // BMP character, or a lone surrogate written as U+FFFD
  }
  return bytes
}

function arraySize(items: readonly unknown[]): number {
  let total = collectionHeader(items.length)
  for (const item of items) {
    const size = wireSize(item)
    if (size < 0) return -1
    total += size
  }
  return total
}

function objectSize(object: Record<string, unknown>): number {
  const keys = Object.keys(object)
  let total = collectionHeader(keys.length)
  for (const key of keys) {
    const size = wireSize(object[key])
    if (size < 0) return -1
    total += stringSize(key) + size
  }
  return total
}

/** The header of an array or map: fixarray/fixmap, then the 16- and 32-bit length forms. */
export function collectionHeader(length: number): number {
  return length < 0x10 ? 1 : length < 0x10000 ? 3 : 5
}
