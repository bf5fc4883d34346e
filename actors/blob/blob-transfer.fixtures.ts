import { Result } from 'effect'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { BlobTransfer, type BlobTransferOptions } from './blob-transfer.ts'
import { BlobMessage } from './messages.ts'

/** Nodes of one blob component each, driven by hand, for the blob tests. */

/** A node: the component and the hand-driven context it was started with. */
export function node(self: string, options: BlobTransferOptions = {}) {
  const ctx = new ManualContext(self)
  const blob = new BlobTransfer(options)
  blob.start(ctx)
  return { self, ctx, blob }
}
export type Node = ReturnType<typeof node>

/** Completes every computation the node asked for (a holder's verifications), handing each outcome back. */
export function compute(n: Node): boolean {
  const ids = [...n.ctx.computations.keys()]
  for (const id of ids) {
    const { tag, outcome } = n.ctx.complete(id)
    n.blob.computed(tag, outcome, n.ctx)
  }
  return ids.length > 0
}

/**
 * Moves what each node sent to the other, through the wire codec and the inbox schema, and completes
 * their computations, until quiet.
 */
export function pump(nodes: readonly Node[], tap: (message: BlobMessage, to: Node) => BlobMessage | undefined = (m) => m): void {
  for (let moved = true; moved; ) {
    moved = false
    for (const from of nodes) {
      for (const { to, message } of from.ctx.sent.splice(0)) {
        moved = true
        const target = nodes.find((n) => n.self === to)
        const decoded = Result.getOrThrow(decodeFrame(encode(message), BlobMessage))
        const passed = target === undefined ? undefined : tap(decoded, target)
        if (target !== undefined && passed !== undefined) target.blob.receive(passed, from.self, target.ctx)
      }
    }
    for (const n of nodes) if (compute(n)) moved = true
  }
}

/** Advances a node's clock by `ms` and fires its due timers. */
export function elapse(n: Node, ms: number): void {
  n.ctx.advance(ms)
  for (const [id, { at, tag }] of [...n.ctx.timers]) {
    if (at > n.ctx.now()) continue
    n.ctx.timers.delete(id)
    n.blob.timer(tag, n.ctx)
  }
}

export const blobOf = (size: number, seed = 1) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed) % 251)

export const results = () => {
  const got: Result.Result<Uint8Array, { reason: string }>[] = []
  return { got, done: (r: Result.Result<Uint8Array, { reason: string }>) => void got.push(r) }
}

export const reasonOf = (r: Result.Result<Uint8Array, { reason: string }> | undefined) => (r !== undefined && Result.isFailure(r) ? r.failure.reason : undefined)
