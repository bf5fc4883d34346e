import { Result, Schema } from 'effect'
import { decodeFrame } from '../core/codec.ts'
import type { Link, Transport } from '../core/transport.ts'

/**
 * Link wrappers for the blob-transfer checks (transports/blob-transfer.test.ts, bench/blob-transfer.ts)
 * and the runtime's output-commit test (transports/runtime-links.test.ts):
 * watch what a link sends, and make a reader slow.
 */

/** `transport` with each of its links (dialled or accepted) passed through `wrap`. */
export function wrapLinks(transport: Transport, wrap: (link: Link) => Link): Transport {
  return {
    identity: transport.identity,
    listen: () => transport.listen(),
    dial: async (url, expected) => wrap(await transport.dial(url, expected)),
    onLink: (handler) => transport.onLink((link) => handler(wrap(link))),
    onMisbehaviour: (handler) => transport.onMisbehaviour(handler),
    close: () => transport.close(),
  }
}

/** `link`, with every frame it sends shown to `onSend` (after it is sent), and every frame it receives to `onReceive`. */
export function tapped(link: Link, onSend: (frame: Uint8Array) => void, onReceive: (frame: Uint8Array, deliver: () => void) => void = (_, deliver) => deliver()): Link {
  return {
    remoteIdentity: link.remoteIdentity,
    remoteAddress: link.remoteAddress,
    get open() {
      return link.open
    },
    get bufferedBytes() {
      return link.bufferedBytes
    },
    send(frame) {
      link.send(frame)
      onSend(frame)
    },
    close: () => link.close(),
    onFrame: (handler) => link.onFrame((frame) => onReceive(frame, () => handler(frame))),
    onClose: (handler) => link.onClose(handler),
  }
}

/**
 * `link` read slowly: its frames reach the reader one every `delayMs`, in order, each shown to `onRead`
 * as it is delivered. What arrives faster waits in a queue (`queued` tells how many).
 */
export function slowReader(link: Link, delayMs: number, onRead: (frame: Uint8Array) => void = () => {}): Link & { readonly queued: number } {
  const queue: { frame: Uint8Array; deliver: () => void }[] = []
  let draining = false
  const drain = () => {
    const next = queue.shift()
    if (next === undefined) return void (draining = false)
    onRead(next.frame)
    next.deliver()
    setTimeout(drain, delayMs) // real-runtime: a slow reader of a real link reads on the wall clock
  }
  const slow = tapped(
    link,
    () => {},
    (frame, deliver) => {
      queue.push({ frame, deliver })
      if (draining) return
      draining = true
      setTimeout(drain, delayMs) // real-runtime: a slow reader of a real link reads on the wall clock
    },
  )
  return Object.defineProperty(slow, 'queued', { get: () => queue.length }) as Link & { readonly queued: number }
}

const RoutedKind = Schema.Struct({ m: Schema.Struct({ t: Schema.String }) })

/** Whether a frame is a `blob/1` chunk (a composite's `{ p, m }` with `m.t === 'chunk'`). */
export function isChunk(frame: Uint8Array): boolean {
  const decoded = decodeFrame(frame, RoutedKind)
  return Result.isSuccess(decoded) && decoded.success.m.t === 'chunk'
}
