import { Result, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { COMPONENT_NAME, type Component } from '../../core/component.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { DEFAULT_ROTATION_MS, ROTATION_TIMER } from './identity.ts'
import { identityStack, type IdentityStack } from './identity-stack.ts'
import { DEFAULT_GRACE_MS } from './key-book.ts'
import { MemoryKeyStore, ROOT_KEY } from './key-store.ts'
import { IDENTITY_KEYS } from './storage-keys.ts'

const Vote = Schema.Struct({ vote: Schema.Number })
const Score = Schema.Struct({ score: Schema.Number })
const reasonOf = (r: Result.Result<unknown, { reason: string }>) => (Result.isFailure(r) ? r.failure.reason : 'ok')

function started(name: string, seed: number, stack: IdentityStack = identityStack()) {
  const ctx = new ManualContext(name, seed)
  stack.start(ctx)
  return { ctx, stack }
}

/**
 * Two components of one node, built in the libp2p style with the node's one stack as a dependency:
 * each opens its own protocol's envelopes through it, and neither holds identity state of its own.
 */
const consensus = () => (deps: { identity: IdentityStack }) => ({ accept: (e: Parameters<IdentityStack['open']>[0]) => deps.identity.open(e, 'bft/1', Vote) })
const reputation = () => (deps: { identity: IdentityStack }) => ({ accept: (e: Parameters<IdentityStack['open']>[0]) => deps.identity.open(e, 'rep/1', Score) })

describe('the identity stack', () => {
  it('is a component named identity, with no protocol of its own', () => {
    const stack: Component = identityStack()
    expect(stack.name).toBe('identity')
    expect(COMPONENT_NAME.test(stack.name)).toBe(true)
    expect(stack.protocol).toBeUndefined()
    expect(stack.inbox).toBeUndefined()
  })

  it('refuses to serve before it has started, in words that say so', () => {
    expect(() => identityStack().seal('kad/1', {})).toThrow(/has not started/)
    expect(() => identityStack().confirm(new Uint8Array(32))).toThrow(/has not started/)
  })

  it('starts on its defaults: rotation armed DEFAULT_ROTATION_MS ahead; the old key accepted DEFAULT_GRACE_MS after a rotation, not after', () => {
    const alice = started('alice', 1)
    expect([...alice.ctx.timers.values()]).toEqual([{ at: DEFAULT_ROTATION_MS, tag: ROTATION_TIMER }])
    const bob = started('bob', 2)
    const old = [0, 1, 2].map(() => alice.stack.seal('bft/1', { vote: 1 }, { withCertificate: true }))
    expect(reasonOf(bob.stack.open(old[0]!, 'bft/1', Vote))).toBe('ok')
    alice.ctx.advance(DEFAULT_ROTATION_MS)
    expect(alice.stack.timer('not-mine', alice.ctx)).toBe(false)
    expect(alice.stack.timer(ROTATION_TIMER, alice.ctx)).toBe(true)
    expect(alice.stack.epoch).toBe(1)
    expect(reasonOf(bob.stack.open(alice.stack.seal('bft/1', { vote: 2 }, { withCertificate: true }), 'bft/1', Vote))).toBe('ok')
    bob.ctx.advance(DEFAULT_GRACE_MS)
    expect(reasonOf(bob.stack.open(old[1]!, 'bft/1', Vote))).toBe('ok')
    bob.ctx.advance(1)
    expect(reasonOf(bob.stack.open(old[2]!, 'bft/1', Vote))).toBe('expired-key')
  })

  it('a restart reloads the epoch and never reuses a sequence number', () => {
    const keys = new MemoryKeyStore(new Uint8Array(32).fill(5))
    const first = started('alice', 1, identityStack({ keys, rotationMs: 1_000 }))
    first.ctx.advance(1_000)
    first.stack.timer(ROTATION_TIMER, first.ctx)
    const sealed = first.stack.seal('kad/1', { n: 1 })
    first.ctx.storage.crash(0)
    const again = identityStack({ keys, rotationMs: 1_000 })
    again.start(first.ctx)
    expect(again.root).toEqual(keys.publicKey(ROOT_KEY))
    expect(again.epoch).toBe(1)
    expect(again.seal('kad/1', { n: 2 }).seq).toBeGreaterThan(sealed.seq)
  })

  it('components given one stack share one key book and one set of replay marks: one confirmation, one mark, durable for all', () => {
    const node = started('node', 2)
    const [votes, scores] = [consensus()({ identity: node.stack }), reputation()({ identity: node.stack })]
    const peer = started('peer', 1)
    const vote = peer.stack.seal('bft/1', { vote: 7 }, { withCertificate: true })
    expect(reasonOf(votes.accept(vote))).toBe('ok')
    expect(reasonOf(scores.accept(peer.stack.seal('rep/1', { score: 3 })))).toBe('ok') // the certificate learnt by consensus serves
    node.stack.confirm(peer.stack.root)
    // The marks are the sender's (one numbering for all its protocols), held once for the node.
    const later = peer.stack.seal('rep/1', { score: 4 })
    expect(reasonOf(scores.accept(later))).toBe('ok')
    expect(node.ctx.storage.keys(IDENTITY_KEYS.seq)).toEqual([`${IDENTITY_KEYS.seq}${toHex(peer.stack.root)}/0`])
    expect(reasonOf(votes.accept(vote))).toBe('replay')
    expect(reasonOf(scores.accept(vote))).toBe('wrong-protocol') // consensus' vote is no reputation message
    const restarted = identityStack()
    restarted.start(node.ctx)
    expect(restarted.isConfirmed(peer.stack.root)).toBe(true)
    expect(reasonOf(reputation()({ identity: restarted }).accept(later))).toBe('replay')
  })

  it('protects an identity any of its users protects', () => {
    const node = started('node', 2, identityStack({ maxConfirmed: 2 }))
    const peers = [1, 3, 4].map((seed) => started(`peer${seed}`, seed))
    const contacts = new Set([toHex(peers[0]!.stack.root)])
    const validators = new Set([toHex(peers[1]!.stack.root)])
    node.stack.protect((root) => contacts.has(toHex(root)))
    node.stack.protect((root) => validators.has(toHex(root)))
    for (const p of peers) expect(reasonOf(node.stack.open(p.stack.seal('bft/1', { vote: 1 }, { withCertificate: true }), 'bft/1', Vote))).toBe('ok')
    expect(node.stack.confirm(peers[0]!.stack.root)).toBe(true)
    expect(node.stack.confirm(peers[1]!.stack.root)).toBe(true)
    expect(node.stack.confirm(peers[2]!.stack.root)).toBe(false) // both confirmed ones are protected, each by another user
    expect(peers.map((p) => node.stack.isConfirmed(p.stack.root))).toEqual([true, true, false])
  })

  it('keeps the context it started with: what its users call writes and traces there', () => {
    const node = started('node', 2)
    const peer = started('peer', 1)
    const envelope = peer.stack.seal('bft/1', { vote: 1 }, { withCertificate: true })
    node.stack.open(envelope, 'bft/1', Vote)
    node.stack.open(envelope, 'bft/1', Vote)
    expect(node.ctx.traces.at(-1)).toMatchObject({ type: 'envelope-rejected', reason: 'replay' })
    node.stack.confirm(peer.stack.root)
    expect(node.ctx.storage.durableGet(`${IDENTITY_KEYS.peer}${toHex(peer.stack.root)}`)).toBeDefined()
  })
})
