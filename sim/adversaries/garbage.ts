import type { Random } from '../../core/random.ts'

/** The most random bytes `garbage` appends to a frame (enough to break any length field). */
const MAX_APPENDED_BYTES = 64

/**
 * A damaged copy of `frame`, the ways a buggy or hostile peer damages one: a few bytes flipped (a type
 * or a length now says something else), cut short, or followed by bytes that belong to nothing. It
 * never equals the original.
 */
export function mutateFrame(frame: Uint8Array, random: Random): Uint8Array {
  const way = frame.length === 0 ? 2 : random.int(3)
  if (way === 0) {
    const out = frame.slice()
    const flips = 1 + random.int(Math.min(4, out.length))
    // XOR with 1..255 changes the byte; two flips at one place may restore it, so the first is kept apart.
    for (let i = 0; i < flips; i++) {
      const at = random.int(out.length)
      out[at] = (out[at] as number) ^ (1 + random.int(255))
    }
    return out.every((b, i) => b === frame[i]) ? flipFirst(out) : out
  }
  if (way === 1) return frame.slice(0, random.int(frame.length))
  const tail = random.bytes(1 + random.int(MAX_APPENDED_BYTES))
  const out = new Uint8Array(frame.length + tail.length)
  out.set(frame)
  out.set(tail, frame.length)
  return out
}

function flipFirst(frame: Uint8Array): Uint8Array {
  frame[0] = (frame[0] as number) ^ 0xff
  return frame
}
