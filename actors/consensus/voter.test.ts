import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ConfigError } from '../../core/errors.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { Random } from '../../core/random.ts'
import { verify } from '../../core/sign.ts'
import { signedProposal, signedVote, testCommittee, testKeys } from './consensus.fixtures.ts'
import { ConsensusError } from './durable.ts'
import { BftMessage, GENESIS_PARENT, MAX_BLOCK_ENTRIES, MAX_ENTRY_BYTES, blockHash, proposalPayload, votePayload, type Block, type Proposal, type Vote } from './messages.ts'
import { BftVoter, type BftOptions, type Dissemination } from './voter.ts'

const committee = testCommittee([1, 1, 1, 1])
const MODES: readonly Dissemination[] = ['collector', 'all-to-all']
const voterOf = (i: number, extra: Partial<BftOptions> = {}) => new BftVoter({ committee, key: testKeys(i), ...extra })
const block = (by: number, entries: Uint8Array[] = []): Block => ({ h: 0, parent: GENESIS_PARENT, by, entries })
const sentVotes = (ctx: ManualContext, kind: Vote['t']) => ctx.sent.map((s) => (s.message as { m?: unknown }).m ?? s.message).filter((m): m is Vote => (m as Vote).t === kind)
const hex = (x: Uint8Array | null) => (x === null ? null : Buffer.from(x).toString('hex'))
/** What was sent, each distinct message once (a broadcast is one send per member). */
const distinct = <T>(values: T[]) => [...new Map(values.map((v) => [JSON.stringify(v), v])).values()]

describe.each(MODES)('the BFT voter on its own (%s)', (dissemination) => {
  const voterOf_ = (i: number, extra: Partial<BftOptions> = {}) => voterOf(i, { dissemination, ...extra })

  it('after a restart it never votes against what it voted or locked before', () => {
    const x = block(0)
    const y = block(1, [new Uint8Array([1])])
    const ctx = new ManualContext('n2')
    const before = voterOf_(2)
    before.start(ctx)
    before.receive(signedProposal(0, 0, 0, x), 'n0', ctx)
    for (const m of [0, 1]) before.receive(signedVote(m, 'prevote', 0, 0, blockHash(x)), `n${m}`, ctx)
    // It prevoted x, saw a prevote quorum for x, locked on it and precommitted it.
    expect(distinct(sentVotes(ctx, 'precommit').map((v) => hex(v.x)))).toEqual([hex(blockHash(x))])

    // A crash loses everything un-synced: the voter synced before each send, so nothing.
    ctx.storage.crash()
    ctx.sent.length = 0
    const after = voterOf_(2)
    after.start(ctx)
    // Round 0's proposal timeout would make a fresh voter prevote nil: this one signed a precommit there already.
    after.timer('propose:0:0', ctx)
    expect(sentVotes(ctx, 'prevote')).toEqual([])
    // Round 1: a fresh block from the next leader. Locked on x, it prevotes nil, not y. (Round 0's end
    // re-sends its prevote for x, the one it signed, kept in the durable proof of its lock.)
    after.timer('round:0:0', ctx)
    after.receive(signedProposal(1, 0, 1, y), 'n1', ctx)
    expect(distinct(sentVotes(ctx, 'prevote').map((v) => [v.r, hex(v.x)]))).toEqual([[0, hex(blockHash(x))], [1, null]])

    // The contrast: a voter whose disk was wiped votes for y, which is what the lock prevents.
    const wiped = new ManualContext('n2')
    const forgetful = voterOf_(2)
    forgetful.start(wiped)
    forgetful.timer('round:0:0', wiped)
    forgetful.receive(signedProposal(1, 0, 1, y), 'n1', wiped)
    expect(sentVotes(wiped, 'prevote').map((v) => hex(v.x))).toContain(hex(blockHash(y)))
  })
})

describe('the BFT voter on its own', () => {

  it('commits on a checked certificate only: a quorum of distinct members with valid signatures', () => {
    const b = block(0, [new Uint8Array([9])])
    const hash = blockHash(b)
    const precommit = (m: number) => ({ s: m, sig: signedVote(m, 'precommit', 0, 0, hash).sig })
    const ctx = new ManualContext('n3')
    const voter = voterOf(3)
    voter.start(ctx)
    const commit = (votes: { s: number; sig: Uint8Array }[]) => voter.receive({ t: 'commit', r: 0, b, votes }, 'n0', ctx)
    commit([precommit(0), precommit(1)])
    commit([precommit(0), precommit(0), precommit(0)])
    commit([precommit(0), precommit(1), { s: 2, sig: precommit(1).sig }])
    expect(voter.height).toBe(0)
    const committed: Block[] = []
    const listening = voterOf(3, { onCommit: (c: { b: Block }) => committed.push(c.b) })
    listening.start(ctx)
    listening.receive({ t: 'commit', r: 0, b, votes: [precommit(0), precommit(1), precommit(2)] }, 'n0', ctx)
    expect(listening.height).toBe(1)
    expect(committed).toEqual([b])
    expect(ctx.storage.log('chain').length).toBe(1)
  })

  it('refuses entries past its bounds and changes nothing', () => {
    const ctx = new ManualContext('n0')
    const voter = voterOf(0, { maxPendingEntries: 2 })
    expect(() => voter.submit(new Uint8Array(1))).toThrow(ConsensusError)
    voter.start(ctx)
    expect(() => voter.submit(new Uint8Array(MAX_ENTRY_BYTES + 1))).toThrow(expect.objectContaining({ reason: 'entry-too-large' }))
    voter.submit(new Uint8Array(1))
    voter.submit(new Uint8Array(2))
    expect(() => voter.submit(new Uint8Array(3))).toThrow(expect.objectContaining({ reason: 'queue-full' }))
    expect(voter.pendingEntries).toBe(2)
  })

  it('refuses to start from a state record it cannot read, and a key outside the committee', () => {
    const ctx = new ManualContext('n0')
    ctx.storage.put('state', new Uint8Array([0xc1, 2, 3]))
    expect(() => voterOf(0).start(ctx)).toThrow(expect.objectContaining({ reason: 'corrupt-state' }))
    expect(() => new BftVoter({ committee, key: testKeys(9) })).toThrow(ConfigError)
  })

  it('lies with its own key: a twin block for a proposal, the twin hash for a vote', () => {
    const ctx = new ManualContext('n0')
    const voter = voterOf(0)
    voter.start(ctx)
    // n0 leads height 0, round 0: its proposal went out at start.
    const proposal = ctx.sent.map((s) => s.message as Proposal).find((m) => m.t === 'proposal')!
    const lies = { random: Random.fromSeed(1), accomplices: [], shared: 42, overheard: () => [] }
    const lied = voter.lie(proposal, 'n1', lies) as Proposal
    expect(hex(blockHash(lied.b))).not.toBe(hex(blockHash(proposal.b)))
    expect(verify(testKeys(0).publicKey, proposalPayload(0, 0, -1, blockHash(lied.b)), lied.sig)).toBe(true)
    const vote = signedVote(0, 'prevote', 0, 0, blockHash(proposal.b))
    const false_ = voter.lie(vote, 'n1', lies) as Vote
    expect(hex(false_.x)).toBe(hex(blockHash(lied.b)))
    expect(verify(testKeys(0).publicKey, votePayload('prevote', 0, 0, false_.x), false_.sig)).toBe(true)
    // Colluders share the number: they lie alike.
    expect(hex((voter.lie(vote, 'n2', { ...lies, random: Random.fromSeed(2) }) as Vote).x)).toBe(hex(false_.x))
  })
})

describe('bft/1 messages', () => {
  it('any bytes decode to a message or a typed refusal, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const decoded = decodeFrame(bytes, BftMessage)
        if (Result.isFailure(decoded)) expect(decoded.failure._tag).toBe('DecodeError')
      }),
    )
  })

  it('refuse an entry or a block past their bounds', () => {
    const ok = signedProposal(0, 0, 0, block(0, [new Uint8Array(MAX_ENTRY_BYTES)]))
    expect(Result.isSuccess(decodeFrame(encode(ok), BftMessage))).toBe(true)
    const big = signedProposal(0, 0, 0, block(0, [new Uint8Array(MAX_ENTRY_BYTES + 1)]))
    expect(Result.isFailure(decodeFrame(encode(big), BftMessage))).toBe(true)
    const many = signedProposal(0, 0, 0, block(0, Array.from({ length: MAX_BLOCK_ENTRIES + 1 }, () => new Uint8Array(1))))
    expect(Result.isFailure(decodeFrame(encode(many), BftMessage))).toBe(true)
    expect(Result.isFailure(decodeFrame(encode({ ...signedVote(0, 'prevote', 0, 0, null), s: 256 }), BftMessage))).toBe(true)
  })
})
