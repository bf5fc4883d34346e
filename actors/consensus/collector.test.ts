import { describe, expect, it } from 'vitest'
import { ManualContext } from '../../core/manual-context.ts'
import { Random } from '../../core/random.ts'
import { verify } from '../../core/sign.ts'
import { ManualCluster, signedProposal, signedVote, testCommittee, testKeys } from './consensus.fixtures.ts'
import { committedAt } from './durable.ts'
import { twin } from './lies.ts'
import { GENESIS_PARENT, blockHash, votePayload, type Block, type Vote, type Votes } from './messages.ts'
import { BftVoter, DEFAULT_BLOCK_INTERVAL_MS, DEFAULT_TIMEOUT_PROPOSE_MS, type Dissemination } from './voter.ts'

const committee = testCommittee([1, 1, 1, 1])
const block = (by: number, entries: Uint8Array[] = []): Block => ({ h: 0, parent: GENESIS_PARENT, by, entries })
const hex = (x: Uint8Array | null) => (x === null ? null : Buffer.from(x).toString('hex'))
const sentOf = (ctx: ManualContext, t: string) => ctx.sent.filter((s) => (s.message as { t: string }).t === t)

/** Runs `heights` heights on a lossless cluster of `size` and returns the messages delivered per height. */
function messagesPerHeight(size: number, dissemination: Dissemination, heights: number): number {
  const cluster = new ManualCluster(size, { dissemination })
  cluster.start()
  cluster.advance(DEFAULT_BLOCK_INTERVAL_MS * (heights - 1))
  for (const voter of cluster.voters) expect(voter.height).toBe(heights)
  return cluster.delivered / heights
}

describe('the collector mode', () => {
  it('sends a vote for a block to the round leader only, and a nil vote to everyone', () => {
    const ctx = new ManualContext('n3')
    const voter = new BftVoter({ committee, key: testKeys(3), dissemination: 'collector' })
    voter.start(ctx)
    voter.receive(signedProposal(0, 0, 0, block(0)), 'n0', ctx)
    expect(sentOf(ctx, 'prevote').map((s) => [s.to, hex((s.message as Vote).x)])).toEqual([['n0', hex(blockHash(block(0)))]])
    // Round 1 (leader n1) gets no proposal: the nil prevote at its timeout goes to everyone.
    voter.timer('round:0:0', ctx)
    ctx.sent.length = 0
    voter.timer('propose:0:1', ctx)
    expect(sentOf(ctx, 'prevote').map((s) => s.to).sort()).toEqual(['n0', 'n1', 'n2'])
    expect(sentOf(ctx, 'prevote').every((s) => (s.message as Vote).x === null)).toBe(true)
  })

  // At most: a proposal, n − 1 votes of each kind to the collector, the precommits to the next height's
  // leader too, a certificate of each kind. A member that starts a height late may find the commit
  // certificate waiting and decide without voting.
  it.each([4, 16])('costs at most 6(n − 1) messages a height at n = %i, where all-to-all costs more than n(n − 1)', (n) => {
    const collector = messagesPerHeight(n, 'collector', 4)
    expect(collector).toBeLessThanOrEqual(6 * (n - 1))
    // The proposal and both certificates reach every member.
    expect(collector).toBeGreaterThanOrEqual(3 * (n - 1))
    const allToAll = messagesPerHeight(n, 'all-to-all', 4)
    expect(allToAll).toBeGreaterThan(n * (n - 1))
    expect(allToAll).toBeLessThanOrEqual((n - 1) * (2 * n + 1))
  })

  it('takes a certificate whole or not at all: a short or forged one tallies nothing', () => {
    const b = block(0)
    const x = blockHash(b)
    const ctx = new ManualContext('n3')
    const voter = new BftVoter({ committee, key: testKeys(3) })
    voter.start(ctx)
    voter.receive(signedProposal(0, 0, 0, b), 'n0', ctx)
    const signed = (m: number) => ({ s: m, sig: signedVote(m, 'prevote', 0, 0, x).sig })
    const certificate = (votes: Votes['votes']): Votes => ({ t: 'votes', k: 'prevote', h: 0, r: 0, x, votes })
    const precommits = () => sentOf(ctx, 'precommit').length
    // Short: two of four (with n3's own prevote it would be a quorum, were they tallied).
    voter.receive(certificate([signed(0), signed(1)]), 'n0', ctx)
    // Forged: n2's place holds n1's signature, and n0 counted twice.
    voter.receive(certificate([signed(0), signed(0), { s: 2, sig: signed(1).sig }]), 'n0', ctx)
    expect(precommits()).toBe(0)
    // Had either been tallied, n1's prevote alone would now complete a quorum (n0, n1, n3).
    voter.receive(signedVote(1, 'prevote', 0, 0, x), 'n1', ctx)
    expect(precommits()).toBe(0)
    // A whole certificate counts as the votes it carries: n3 locks and precommits.
    voter.receive(certificate([signed(0), signed(1), signed(2)]), 'n0', ctx)
    expect(new Set(sentOf(ctx, 'precommit').map((s) => hex((s.message as Vote).x)))).toEqual(new Set([hex(x)]))
  })

  it('a collector that withholds its certificates costs its round the proposal timeout, not the height', () => {
    const cluster = new ManualCluster(4, {}, (message, from) => from === 0 && message.t === 'votes')
    cluster.start()
    // n0 leads and collects round 0: its members prevoted its block, and heard nothing back.
    expect(cluster.voters.map((v) => v.height)).toEqual([0, 0, 0, 0])
    // At the timeout their votes went to everyone: round 0 decided n0's block all the same (a member
    // that still missed a precommit then asks for the commit, an interval into the next height).
    cluster.advance(DEFAULT_TIMEOUT_PROPOSE_MS + 2 * DEFAULT_BLOCK_INTERVAL_MS)
    expect(cluster.voters.every((v) => v.height >= 1)).toBe(true)
    expect(cluster.contexts.map((ctx) => committedAt(ctx.storage, 0)?.r)).toEqual([0, 0, 0, 0])
    expect(new Set(cluster.committed.map((c) => hex(blockHash(c[0]!)))).size).toBe(1)
  })

  it('a silent collector (no proposal, no certificate) costs one round', () => {
    const cluster = new ManualCluster(4, {}, (_message, from) => from === 0)
    cluster.start()
    cluster.advance(5 * DEFAULT_TIMEOUT_PROPOSE_MS)
    const decided = cluster.contexts.slice(1).map((ctx) => committedAt(ctx.storage, 0))
    // Round 1's leader, n1, proposed and collected: every other member decided its block there.
    expect(decided.map((c) => [c?.r, c?.b.by])).toEqual([[1, 1], [1, 1], [1, 1]])
  })

  it('lies as a collector with the other block’s certificate: its own signature and what it counted, nothing it cannot sign', () => {
    const ctx = new ManualContext('n0')
    const liar = new BftVoter({ committee, key: testKeys(0) })
    liar.start(ctx)
    // n0 leads round 0: its proposal went out at start; n1 prevoted the proposal's twin (a deceived member).
    const proposed = (ctx.sent.find((s) => (s.message as { t: string }).t === 'proposal')!.message as { b: Block }).b
    const shared = 42
    const twinHash = blockHash(twin(proposed, shared))
    liar.receive(signedVote(1, 'prevote', 0, 0, twinHash), 'n1', ctx)
    const x = blockHash(proposed)
    const truth: Votes = { t: 'votes', k: 'prevote', h: 0, r: 0, x, votes: [0, 2, 3].map((m) => ({ s: m, sig: signedVote(m, 'prevote', 0, 0, x).sig })) }
    const lies = { random: Random.fromSeed(1), accomplices: [], shared, overheard: () => [] }
    const lied = liar.lie(truth, 'n1', lies) as Votes
    expect(hex(lied.x)).toBe(hex(twinHash))
    expect(lied.votes.map((v) => v.s)).toEqual([0, 1])
    for (const v of lied.votes) expect(verify(testKeys(v.s).publicKey, votePayload('prevote', 0, 0, twinHash), v.sig)).toBe(true)
    // Two of four is no quorum: a member that holds the twin takes nothing from it.
    const member = new ManualContext('n2')
    const deceived = new BftVoter({ committee, key: testKeys(2) })
    deceived.start(member)
    deceived.receive(signedProposal(0, 0, 0, twin(proposed, shared)), 'n0', member)
    deceived.receive(lied, 'n0', member)
    expect(sentOf(member, 'precommit')).toEqual([])
  })
})
