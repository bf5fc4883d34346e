import { describe, expect, it } from 'vitest'
import { ManualContext } from '../../core/manual-context.ts'
import type { SignedEnvelope } from '../identity/envelope.ts'
import { ROTATION_TIMER } from '../identity/identity.ts'
import { MemoryKeyStore, ROOT_KEY } from '../identity/key-store.ts'
import { KAD_PROTOCOL } from '../peer/announcement.ts'
import { VainNode } from './vain-node.ts'

/** Fires the pending timer whose own tag (inside its component's scope) ends the runtime's tag. */
function fire(node: VainNode, ctx: ManualContext, own: string): void {
  const [id, timer] = [...ctx.timers].find(([, t]) => String(t.tag).endsWith(`/${own}`))!
  ctx.timers.delete(id)
  node.timer(timer.tag, ctx)
}

describe('a VainNode has one identity stack', () => {
  it('built from its identity init, shared with its peer subsystem, started first, and rotated by its timer', () => {
    const keys = new MemoryKeyStore(new Uint8Array(32).fill(3))
    const node = new VainNode({ identity: { keys, rotationMs: 60_000 }, listen: 'me', bootstrap: [], statusEveryMs: 1_000_000 })
    const ctx = new ManualContext('me')
    node.start(ctx)
    expect(node.peer.identity).toBe(node.identity)
    expect(node.identity.root).toEqual(keys.publicKey(ROOT_KEY))
    // The composite's messages carry their protocol: the announcement goes out as kad/1's.
    const first = (ctx.broadcasts[0] as { p: string; m: SignedEnvelope }).m
    expect((ctx.broadcasts[0] as { p: string }).p).toBe(KAD_PROTOCOL)
    expect(first).toMatchObject({ protocol: KAD_PROTOCOL, epoch: 0 })
    ctx.advance(60_000)
    fire(node, ctx, ROTATION_TIMER)
    expect(node.identity.epoch).toBe(1)
    fire(node, ctx, 'introductions:announce')
    const next = (ctx.broadcasts.at(-1) as { m: SignedEnvelope }).m
    expect(next).toMatchObject({ protocol: KAD_PROTOCOL, epoch: 1, cert: { epoch: 1 } })
    expect(next.seq).toBeGreaterThan(first.seq)
  })
})
