import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_MAX_FRAME_BYTES, encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { DEFAULT_MAX_LOG_RECORD_BYTES } from '../../core/storage.ts'
import { ManualCluster, signedProposal, signedVote, testCommittee, testKeys } from './consensus.fixtures.ts'
import { GENESIS_PARENT, MAX_BLOCK_BYTES, MAX_BLOCK_ENTRIES, MAX_COMMITTEE, MAX_ENTRY_BYTES, blockBytes, blockHash, type Block, type BftMessage, type Commit, type Proposal, type Signed, type Vote } from './messages.ts'
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

const FORGED = new Uint8Array(64)
const block0 = (by = 0, entries: Uint8Array[] = []): Block => ({ h: 0, parent: GENESIS_PARENT, by, entries })
/** Member `i` of `committee`, alone on a ManualContext, with what it sends and reads observable. */
function alone(i: number, extra: Partial<BftOptions> = {}) {
  const ctx = new ManualContext(`n${i}`)
  const verifier = new SignatureVerifier()
  const voter = new BftVoter({ committee, key: testKeys(i), dissemination: 'all-to-all', ...extra }, { verifier })
  voter.start(ctx)
  const reads = vi.spyOn(ctx.storage, 'log')
  return { ctx, voter, verifier, reads, send: (message: BftMessage, from: string) => voter.receive(message, from, ctx) }
}
/** Member 1 after height 0 committed block0() in round 0: the precommits of members 0, 2 and 3. */
function pastHeight0(extra: Partial<BftOptions> = {}) {
  const v = alone(1, extra)
  const x = blockHash(block0())
  v.send(signedProposal(0, 0, 0, block0()), 'n0')
  for (const m of [0, 2, 3]) v.send(signedVote(m, 'precommit', 0, 0, x), `n${m}`)
  expect(v.voter.height).toBe(1)
  v.ctx.sent.length = 0
  v.reads.mockClear()
  v.verifier.misses = 0
  return v
}
const commitsSent = (ctx: ManualContext) => ctx.sent.filter((s) => (s.message as BftMessage).t === 'commit').map((s) => s.to)
const timerTags = (ctx: ManualContext) => [...ctx.timers.values()].map((t) => String(t.tag))

describe('what a stranger or a forger sends acts on nothing', () => {
  it('a non-member: not even a correctly signed proposal or a need is answered', () => {
    const v = pastHeight0()
    v.send(signedVote(2, 'prevote', 0, 5, null), 'stranger')
    v.send({ t: 'need', h: 0 }, 'stranger')
    v.send(signedProposal(1, 1, 0, { h: 1, parent: blockHash(block0()), by: 1, entries: [] }), 'stranger')
    expect(v.ctx.sent).toEqual([])
    expect(v.reads).not.toHaveBeenCalled()
    expect(v.verifier.misses).toBe(0)
  })

  it('a forged old-height vote from a member: no commit sent, no disk read', () => {
    const v = pastHeight0()
    for (let r = 1; r < 50; r++) v.send({ t: 'prevote', h: 0, r, x: null, s: 2, sig: FORGED }, 'n2')
    expect(commitsSent(v.ctx)).toEqual([])
    expect(v.reads).not.toHaveBeenCalled()
  })

  it('a member cannot aim commits at another: only a stuck member\'s own message makes it one', () => {
    const v = pastHeight0()
    // Member 2's genuine vote of a round past the deciding one, relayed by member 3: nothing.
    v.send(signedVote(2, 'prevote', 0, 3, null), 'n3')
    expect(commitsSent(v.ctx)).toEqual([])
    // From member 2 itself: it is stuck, and gets the commit, from memory (no disk read).
    v.send(signedVote(2, 'prevote', 0, 3, null), 'n2')
    expect(commitsSent(v.ctx)).toEqual(['n2'])
    expect(v.reads).not.toHaveBeenCalled()
  })

  it('forged next-height messages are neither kept nor taken as a sign that members are ahead', () => {
    const v = pastHeight0({ dissemination: 'collector' })
    for (let i = 0; i < 1000; i++) v.send({ t: 'prevote', h: 2, r: i % 2, x: null, s: i % 4, sig: FORGED }, `n${[0, 2, 3][i % 3]}`)
    expect(timerTags(v.ctx).filter((t) => t.startsWith('behind'))).toEqual([])
    expect(v.ctx.sent).toEqual([])
  })

  it('a flood of next-height messages does not crowd out the honest proposal', () => {
    const v = alone(2)
    const x = blockHash(block0())
    const h1: Block = { h: 1, parent: x, by: 1, entries: [] }
    // Forged ones from every member, and member 3's genuine votes for many rounds of height 1.
    for (let i = 0; i < 200; i++) v.send({ t: 'prevote', h: 1, r: 0, x: null, s: i % 4, sig: FORGED }, `n${i % 2 === 0 ? 0 : 3}`)
    for (let r = 0; r < 100; r++) v.send(signedVote(3, 'prevote', 1, r, null), 'n3')
    v.send(signedProposal(1, 1, 0, h1), 'n1')
    v.send(signedProposal(0, 0, 0, block0()), 'n0')
    for (const m of [0, 1, 3]) v.send(signedVote(m, 'precommit', 0, 0, x), `n${m}`)
    expect(v.voter.height).toBe(1)
    v.ctx.sent.length = 0
    v.voter.timer('next:1:0', v.ctx)
    // Height 1's proposal was kept: member 2 prevotes it at once, not nil at the proposal timeout.
    expect(votesSent(v.ctx, 'prevote').map((p) => (p.x === null ? null : blockHash(h1)))).toContainEqual(blockHash(h1))
    expect(votesSent(v.ctx, 'prevote').every((p) => p.x !== null)).toBe(true)
  })
})

describe('a certificate costs at most a verification per member', () => {
  const repeated = (s: number, count: number): Signed[] => Array.from({ length: count }, (_, i) => ({ s, sig: new Uint8Array(64).fill(i % 255) }))

  it('a forged votes certificate of 256 signatures, one member repeated', () => {
    const v = alone(1)
    v.send({ t: 'votes', k: 'prevote', h: 0, r: 0, x: blockHash(block0()), votes: repeated(0, MAX_COMMITTEE) }, 'n0')
    expect(v.verifier.misses).toBeLessThanOrEqual(1)
    v.send({ t: 'votes', k: 'prevote', h: 0, r: 0, x: blockHash(block0()), votes: [0, 1, 2, 3].flatMap((s) => repeated(s, 64)) }, 'n0')
    // Members 0 and 2 forged: a quorum is out of reach after two failures (and member 1's own vote is never checked twice).
    expect(v.verifier.misses).toBeLessThanOrEqual(1 + committee.length)
  })

  it('outside the window (a later height, a far round) it costs none', () => {
    const v = alone(1)
    v.send({ t: 'votes', k: 'prevote', h: 5, r: 99_999, x: blockHash(block0()), votes: repeated(0, MAX_COMMITTEE) }, 'n0')
    v.send({ t: 'votes', k: 'precommit', h: 0, r: 99_999, x: blockHash(block0()), votes: repeated(0, MAX_COMMITTEE) }, 'n0')
    expect(v.verifier.misses).toBe(0)
  })

  it('a commit with repeats', () => {
    const v = alone(1)
    const x = blockHash(block0())
    const votes = [...repeated(0, 200), { s: 2, sig: signedVote(2, 'precommit', 0, 0, x).sig }, { s: 3, sig: signedVote(3, 'precommit', 0, 0, x).sig }]
    expect(Result.isFailure(v.voter.acceptCommit({ t: 'commit', r: 0, b: block0(), votes }))).toBe(true)
    expect(v.verifier.misses).toBeLessThanOrEqual(committee.length)
  })

  it('a proof of lock with repeats', () => {
    const v = alone(1)
    for (const r of [0, 1]) v.voter.timer(`round:0:${r}`, v.ctx)
    expect([v.voter.round, v.voter.committee.proposer(0, 2)]).toEqual([2, 2])
    const proposal: Proposal = { ...signedProposal(2, 0, 2, block0(), 1), pol: repeated(3, MAX_COMMITTEE) }
    v.verifier.misses = 0
    v.send(proposal, 'n2')
    // The proposal's own signature, then member 3's first signature only.
    expect(v.verifier.misses).toBeLessThanOrEqual(2)
  })
})

describe('the proof of lock cannot be stripped', () => {
  it('a copy without it, relayed first, does not keep the leader\'s copy from unlocking', () => {
    const v = alone(2)
    const x = block0(0)
    const y = block0(1, [new Uint8Array([7])])
    // Round 0: member 2 locks on x.
    v.send(signedProposal(0, 0, 0, x), 'n0')
    for (const m of [0, 1]) v.send(signedVote(m, 'prevote', 0, 0, blockHash(x)), `n${m}`)
    for (const r of [0, 1, 2]) v.voter.timer(`round:0:${r}`, v.ctx)
    // Round 1 (unseen by member 2): the others prevoted y. Round 3's leader (member 3) re-proposes y with that proof.
    expect([v.voter.round, v.voter.committee.proposer(0, 3)]).toEqual([3, 3])
    const pol = [0, 1, 3].map((s) => ({ s, sig: signedVote(s, 'prevote', 0, 1, blockHash(y)).sig }))
    const real: Proposal = { ...signedProposal(3, 0, 3, y, 1), pol }
    v.ctx.sent.length = 0
    v.send({ ...real, pol: [] }, 'n0')
    v.send(real, 'n3')
    expect(votesSent(v.ctx, 'prevote').filter((p) => p.r === 3).map((p) => p.x)).toContainEqual(blockHash(y))
  })
})

describe('deciding', () => {
  it('a ledger that throws does not leave the voter idle', () => {
    const v = alone(1, { onCommit: () => { throw new Error('ledger bug') } })
    const x = blockHash(block0())
    v.send(signedProposal(0, 0, 0, block0()), 'n0')
    for (const m of [0, 2, 3]) v.send(signedVote(m, 'precommit', 0, 0, x), `n${m}`)
    expect(v.voter.height).toBe(1)
    expect(v.ctx.traces).toContainEqual(expect.objectContaining({ event: 'commit-hook-failed', height: 0, error: 'ledger bug' }))
    expect(timerTags(v.ctx)).toContain('next:1:0')
  })

  it("a fresh block is its proposer's: one naming another member is not taken", () => {
    const v = alone(1)
    v.send(signedProposal(0, 0, 0, block0(3)), 'n0')
    expect(votesSent(v.ctx, 'prevote')).toEqual([])
    v.send(signedProposal(0, 0, 0, block0(0)), 'n0')
    expect(votesSent(v.ctx, 'prevote').map((p) => p.x)).toContainEqual(blockHash(block0(0)))
  })

  it('a commit received is held to what a decided block is: not too large for a frame', () => {
    const v = alone(1)
    const big = block0(0, Array.from({ length: MAX_BLOCK_ENTRIES }, (_, i) => entry(i)))
    const votes = [0, 2, 3].map((s) => ({ s, sig: signedVote(s, 'precommit', 0, 0, blockHash(big)).sig }))
    const accepted = v.voter.acceptCommit({ t: 'commit', r: 0, b: big, votes })
    expect(Result.isFailure(accepted) && accepted.failure.reason).toBe('too-large')
    expect(v.voter.height).toBe(0)
  })
})

describe('a duplicate submission', () => {
  it('of an entry waiting is that entry; of one committed is refused at once, so that no one waits for a block that came before', () => {
    const cluster = new ManualCluster(4)
    cluster.start()
    const voter = cluster.voters[1]!
    voter.submit(entry(1))
    voter.submit(entry(1))
    expect(voter.pendingEntries).toBe(1)
    cluster.advance(2000)
    expect(cluster.committed[1]!.flatMap((b) => b.entries)).toEqual([entry(1)])
    expect(() => voter.submit(entry(1))).toThrow(expect.objectContaining({ _tag: 'ConsensusError', reason: 'already-committed' }))
    expect(voter.pendingEntries).toBe(0)
  })
})
