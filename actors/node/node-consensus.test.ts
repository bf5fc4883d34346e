import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { SignatureVerifier, keyPairSigner } from '../../core/sign.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { ConsensusError } from '../consensus/durable.ts'
import { MAX_ENTRY_BYTES } from '../consensus/messages.ts'
import { ReputationLedger } from '../reputation/ledger.ts'
import { MemoryKeyStore, ROOT_KEY } from '../identity/key-store.ts'
import type { Genesis } from './genesis.ts'
import { NodeConsensusError, entryDigest } from './node-consensus.ts'
import { VainNode } from './vain-node.ts'

const seed = (byte: number) => new Uint8Array(32).fill(byte)
/** The root public key of the node whose master seed is all `byte`. */
const rootKey = (byte: number) => new MemoryKeyStore(seed(byte)).publicKey(ROOT_KEY)
const other = rootKey(9)

function node(seedByte: number, genesis: Genesis): VainNode {
  return new VainNode({ identity: { keys: new MemoryKeyStore(seed(seedByte)) }, listen: 'me', bootstrap: [], statusEveryMs: 1_000_000, consensus: { genesis } })
}

const traced = (ctx: ManualContext, type: string) => ctx.traces.filter((t) => t.type === type)

describe('a VainNode with a genesis', () => {
  it('runs the voter when the genesis lists its key: a committee of one commits what is submitted, logs each block, and reports height and head', () => {
    const me = rootKey(3)
    const vain = node(3, { validators: [{ identity: me, weight: 1 }] })
    const ctx = new ManualContext(toHex(me))
    vain.start(ctx)
    expect(vain.component('bft')).toBe(vain.consensus!.voter)
    // A committee of one decides its first block as it starts: its vote is a quorum.
    expect(traced(ctx, 'bft-validator')).toEqual([expect.objectContaining({ member: 0, committee: 1, height: 1, genesis: vain.consensus!.digest })])
    ctx.drive(vain, 2_000)
    const digest = vain.consensus!.submit(new TextEncoder().encode('entry one'))
    expect(digest).toBe(entryDigest(new TextEncoder().encode('entry one')))
    ctx.drive(vain, 2_000)
    const status = vain.consensus!.status()
    expect(status).toMatchObject({ validator: true, member: 0, committee: 1, phase: expect.stringMatching(/^(height|decided)/) })
    const blocks = Array.from({ length: status.height }, (_, h) => vain.consensus!.committed(h)!)
    expect(blocks.filter((b) => b.entries.includes(digest))).toHaveLength(1)
    expect(status.head).toBe(blocks.at(-1)!.hash)
    expect(vain.consensus!.committed(status.height)).toBeUndefined()
    // One `block-committed` line per block, with its hash and its entries' digests.
    expect(traced(ctx, 'block-committed').map((t) => [t.height, t.hash])).toEqual(blocks.map((b) => [b.height, b.hash]))
    expect(traced(ctx, 'block-committed').find((t) => t.hash === blocks.find((b) => b.entries.length > 0)!.hash)).toMatchObject({ entries: 1, digests: [digest] })
  })

  it('refuses an entry the voter refuses, queueing nothing', () => {
    const me = rootKey(3)
    const vain = node(3, { validators: [{ identity: me, weight: 1 }, { identity: other, weight: 1 }] })
    vain.start(new ManualContext(toHex(me)))
    expect(() => vain.consensus!.submit(new Uint8Array(MAX_ENTRY_BYTES + 1))).toThrow(ConsensusError)
    expect(vain.consensus!.status().pending).toBe(0)
  })

  it('runs no voter when the genesis does not list its key: it follows as a light client, says so in its log, and refuses entries', () => {
    const vain = node(4, { validators: [{ identity: other, weight: 1, url: 'wss://127.0.0.1:7009' }] })
    const ctx = new ManualContext('me')
    vain.start(ctx)
    expect(vain.component('bft')).toBeUndefined()
    expect(vain.component('bft-follower')).toBeDefined()
    expect(traced(ctx, 'bft-follower')).toEqual([expect.objectContaining({ committee: 1, height: 0 })])
    expect(vain.consensus!.status()).toEqual({ validator: false, committee: 1, genesis: vain.consensus!.digest, height: 0, ledger: { height: 0, digest: expect.any(String) } })
    expect(() => vain.consensus!.submit(new Uint8Array(1))).toThrow(NodeConsensusError)
  })

  it("a follower node fetches the validator's blocks by range, checks their certificates and ends on the same chain", () => {
    const me = rootKey(3)
    const genesis: Genesis = { validators: [{ identity: me, weight: 1 }] }
    const validator = node(3, genesis)
    const follower = node(4, genesis)
    const vctx = new ManualContext(toHex(me))
    const fctx = new ManualContext('follower')
    validator.start(vctx)
    validator.consensus!.submit(new TextEncoder().encode('entry one'))
    vctx.drive(validator, 3_000)
    expect(validator.consensus!.height).toBeGreaterThan(3)
    follower.start(fctx)
    // Carry the follower's range requests to the validator and the answers back, a few polls' worth.
    for (let poll = 0; poll < 5; poll++) {
      for (const { to, message } of fctx.sent.splice(0)) if (to === toHex(me)) validator.receive(message as never, 'follower', vctx)
      for (const { to, message } of vctx.sent.splice(0)) if (to === 'follower') follower.receive(message as never, toHex(me), fctx)
      fctx.drive(follower, 300)
    }
    const height = follower.consensus!.height
    expect(height).toBeGreaterThan(3)
    const chain = (vain: VainNode) => Array.from({ length: height }, (_, h) => vain.consensus!.committed(h)!.hash)
    expect(chain(follower)).toEqual(chain(validator))
    expect(traced(fctx, 'block-committed').map((t) => t.height)).toEqual(Array.from({ length: height }, (_, h) => h))
    expect(follower.consensus!.status()).toMatchObject({ validator: false, height, head: chain(validator).at(-1) })
    // The follower's reputation ledger is the one the validator's first `height` blocks make, wherever it got them.
    const voter = validator.consensus!.voter!
    const reference = new ReputationLedger({ genesis: [{ publicKey: me }] }, { committee: voter.committee, verifier: new SignatureVerifier() })
    expect(follower.consensus!.ledger.identities).toBe(1)
    for (let h = 0; h < height; h++) reference.apply(voter.committedAt(h)!)
    expect(follower.consensus!.status().ledger).toEqual({ height, digest: reference.digest() })
    // Restarted on its storage, a node rebuilds its ledger from its chain: nothing of it is lost.
    const restarted = node(4, genesis)
    restarted.start(fctx)
    expect(restarted.consensus!.status().ledger).toEqual({ height, digest: reference.digest() })
  })

  it("dials the other validators' URLs at start, as bootstrap peers, never its own", () => {
    const me = rootKey(3)
    const vain = node(3, { validators: [{ identity: me, weight: 1, url: 'wss://127.0.0.1:7003' }, { identity: other, weight: 1, url: 'wss://127.0.0.1:7009' }] })
    const ctx = new ManualContext(toHex(me))
    vain.start(ctx)
    const dialled = new Set(ctx.sent.map((s) => s.to))
    expect(dialled.has('wss://127.0.0.1:7009')).toBe(true)
    expect(dialled.has('wss://127.0.0.1:7003')).toBe(false)
  })

  it("refuses a consensus key that is not the identity's root key", () => {
    const me = rootKey(3)
    const options = { identity: { keys: new MemoryKeyStore(seed(3)) }, listen: 'me', bootstrap: [], consensus: { genesis: { validators: [{ identity: me, weight: 1 }] }, key: keyPairSigner(ed25519FromSeed(seed(5))) } }
    expect(() => new VainNode(options)).toThrow(ConfigError)
  })
})
