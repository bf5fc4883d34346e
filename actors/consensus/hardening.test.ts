import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_FRAME_BYTES, encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { DEFAULT_MAX_LOG_RECORD_BYTES } from '../../core/storage.ts'
import { ManualCluster, signedProposal, testCommittee, testKeys } from './consensus.fixtures.ts'
import { GENESIS_PARENT, MAX_BLOCK_BYTES, MAX_BLOCK_ENTRIES, MAX_COMMITTEE, MAX_ENTRY_BYTES, blockBytes, type Block, type Commit, type Proposal, type Signed, type Vote } from './messages.ts'
import { Mempool } from './mempool.ts'
import { BftVoter, type BftOptions } from './voter.ts'

/**
 * What a stranger or a Byzantine member can send (docs/consensus.md, *Hardening*): each attack of the
 * review of issue 13, as a test that failed before its fix.
 */

const committee = testCommittee([1, 1, 1, 1])
const voterOf = (i: number, extra: Partial<BftOptions> = {}) => new BftVoter({ committee, key: testKeys(i), ...extra })
const entry = (i: number, bytes = MAX_ENTRY_BYTES) => new Uint8Array(bytes).fill(i % 251).map((v, j) => (j < 4 ? (i >> (8 * j)) & 0xff : v))
const fullSignatures = (): Signed[] => Array.from({ length: MAX_COMMITTEE }, (_, s) => ({ s, sig: new Uint8Array(64).fill(0xff) }))
const votesSent = (ctx: ManualContext, t: Vote['t']) => ctx.sent.map((s) => s.message as Vote).filter((m) => m.t === t)

/** The largest block `take` may build from 4 KiB entries, topped up with a smaller entry to the bound. */
function blockAtTheBound(): Block {
  const entries: Uint8Array[] = []
  const b: Block = { h: 2 ** 40, parent: GENESIS_PARENT, by: MAX_COMMITTEE - 1, entries }
  while (blockBytes(b) + MAX_ENTRY_BYTES + 3 <= MAX_BLOCK_BYTES) entries.push(entry(entries.length))
  entries.push(entry(entries.length, MAX_BLOCK_BYTES - blockBytes(b) - 3))
  return b
}

describe('a valid block always fits a frame and a log record', () => {
  it('blockBytes bounds the encoding from above', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: MAX_ENTRY_BYTES }), { maxLength: 40 }), fc.nat(2 ** 40), fc.nat(MAX_COMMITTEE - 1), (entries, h, by) => {
        const b: Block = { h, parent: GENESIS_PARENT, by, entries }
        expect(encode(b).length).toBeLessThanOrEqual(blockBytes(b))
      }),
      { numRuns: 50 },
    )
  })

  it('a block at MAX_BLOCK_BYTES goes out as a proposal frame and is stored as a commit record, with MAX_COMMITTEE signatures each', () => {
    const b = blockAtTheBound()
    expect(blockBytes(b)).toBe(MAX_BLOCK_BYTES)
    const proposal: Proposal = { t: 'proposal', h: b.h, r: 2 ** 20, vr: 2 ** 20 - 1, b, pol: fullSignatures(), s: MAX_COMMITTEE - 1, sig: new Uint8Array(64) }
    const commit: Commit = { t: 'commit', r: 2 ** 20, b, votes: fullSignatures() }
    // As the composite sends it (its protocol around it), and as the chain log stores it.
    expect(encode({ p: 'bft/1', m: proposal }).length).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES)
    expect(encode(commit).length).toBeLessThanOrEqual(DEFAULT_MAX_LOG_RECORD_BYTES)
  })

  it('the pool hands a leader no more than fits', () => {
    const pool = new Mempool({ committee })
    for (let i = 0; i < MAX_BLOCK_ENTRIES; i++) pool.submit(entry(i))
    const taken = pool.take(MAX_BLOCK_ENTRIES)
    expect(taken.length).toBeLessThan(MAX_BLOCK_ENTRIES)
    expect(blockBytes({ h: 0, parent: GENESIS_PARENT, by: 0, entries: taken })).toBeLessThanOrEqual(MAX_BLOCK_BYTES)
    expect(blockBytes({ h: 0, parent: GENESIS_PARENT, by: 0, entries: [...taken, entry(taken.length)] })).toBeGreaterThan(MAX_BLOCK_BYTES)
  })

  it('a proposal over the bound gets a nil prevote', () => {
    const ctx = new ManualContext('n1')
    const v = voterOf(1, { dissemination: 'all-to-all' })
    v.start(ctx)
    const big: Block = { h: 0, parent: GENESIS_PARENT, by: 0, entries: Array.from({ length: MAX_BLOCK_ENTRIES }, (_, i) => entry(i)) }
    v.receive(signedProposal(0, 0, 0, big), 'n0', ctx)
    expect(votesSent(ctx, 'prevote').map((p) => p.x)).toEqual([null, null, null])
  })

  it('256 entries of 4 KiB commit instead of stalling the chain', () => {
    const cluster = new ManualCluster(4, { dissemination: 'collector' })
    cluster.start()
    for (let i = 0; i < MAX_BLOCK_ENTRIES; i++) cluster.voters[1]!.submit(entry(i))
    cluster.advance(5000)
    expect(Math.min(...cluster.voters.map((v) => v.height))).toBeGreaterThanOrEqual(3)
    expect(cluster.committed[0]!.flatMap((b) => b.entries).length).toBe(MAX_BLOCK_ENTRIES)
    expect(cluster.voters[1]!.pendingEntries).toBe(0)
  })
})
