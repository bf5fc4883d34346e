import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { sign } from '../../core/sign.ts'
import { Committee } from './committee.ts'
import { signedProposal, signedVote, testCommittee, testKeys } from './consensus.fixtures.ts'
import { entryFlaw, entryKey, readEntry } from './entries.ts'
import { evidenceEntry, evidenceFlaw, evidenceOf, verifyEvidence, type Evidence, type EvidenceStep, type SignedValue } from './evidence.ts'
import { GENESIS_PARENT, blockHash, votePayload, type Block, type Vote, type VoteKind } from './messages.ts'
import { BftVoter } from './voter.ts'

const members = testCommittee([1, 1, 1, 1])
const committee = new Committee(members)
const hash = (n: number) => new Uint8Array(32).fill(n)
const side = (vote: Vote): SignedValue => ({ x: vote.x, vr: -1, sig: vote.sig })
/** Evidence from two votes, as the voter builds it: the step, height and round of the first. */
const fromVotes = (one: Vote, other: Vote): Evidence => evidenceOf(one.t, one.h, one.r, one.s, side(one), side(other))

const kind = fc.constantFrom<VoteKind>('prevote', 'precommit')
const value = fc.option(fc.integer({ min: 1, max: 200 }).map(hash), { nil: null })
/** Whether two generated values are one (each is hash(n) for one byte n, or null). */
const same = (x: Uint8Array | null, y: Uint8Array | null) => x === y || (x !== null && y !== null && x[0] === y[0])
const slot = fc.record({ h: fc.nat(1_000), r: fc.nat(50), member: fc.integer({ min: 0, max: 3 }), t: kind })

describe('equivocation evidence', () => {
  it('two votes of one member for one height, round and step over different values verify, from the entry alone', () => {
    fc.assert(
      fc.property(slot, value, value, ({ h, r, member, t }, x, y) => {
        fc.pre(!same(x, y))
        const evidence = fromVotes(signedVote(member, t, h, r, x), signedVote(member, t, h, r, y))
        expect(verifyEvidence(evidence, committee)).toBe(true)
        // A ledger reads it back from the committed bytes and checks it without trusting the reporter.
        const read = readEntry(evidenceEntry(evidence))
        expect(read.kind).toBe('evidence')
        if (read.kind === 'evidence') expect(verifyEvidence(read.evidence, committee)).toBe(true)
        // Whoever saw the pair, in whichever order, writes the same entry.
        expect(evidenceEntry(fromVotes(signedVote(member, t, h, r, y), signedVote(member, t, h, r, x)))).toEqual(evidenceEntry(evidence))
        expect(entryKey(evidenceEntry(evidence))).toBe(`evidence:${member}:${h}:${r}`)
      }),
      { numRuns: 50 },
    )
  })

  it('two proposals of a leader for one round verify: another block, or the same block with another valid round', () => {
    const a: Block = { h: 3, parent: GENESIS_PARENT, by: 1, entries: [] }
    const b: Block = { ...a, entries: [new Uint8Array([1])] }
    const proposed = (block: Block, vr = -1): SignedValue => ({ x: blockHash(block), vr, sig: signedProposal(1, 3, 2, block, vr).sig })
    expect(evidenceFlaw(evidenceOf('proposal', 3, 2, 1, proposed(a), proposed(b)), committee)).toBeUndefined()
    expect(evidenceFlaw(evidenceOf('proposal', 3, 2, 1, proposed(a), proposed(a, 0)), committee)).toBeUndefined()
    expect(evidenceFlaw(evidenceOf('proposal', 3, 2, 1, proposed(a), proposed(a)), committee)).toBe('same-message')
  })
})

/** Ways to forge evidence, each from messages a forger can get: its own key, or honest messages relayed to it. */
const forgery = fc.oneof(
  // Signed by another member's key (the forger's own), in the victim's name.
  fc.record({ slot, x: value, y: value, signer: fc.integer({ min: 0, max: 3 }) }).filter(({ slot, signer }) => signer !== slot.member).map(({ slot: { h, r, member, t }, x, y, signer }) => {
    const forged = (v: Uint8Array | null): SignedValue => ({ x: v, vr: -1, sig: sign(testKeys(signer).secretKey, votePayload(t, h, r, v)) })
    return { why: 'bad-signature', evidence: evidenceOf(t, h, r, member, side(signedVote(member, t, h, r, x)), forged(same(x, y) ? hash(201) : y)) }
  }),
  // The same vote twice.
  fc.record({ slot, x: value }).map(({ slot: { h, r, member, t }, x }) => ({ why: 'same-message', evidence: fromVotes(signedVote(member, t, h, r, x), signedVote(member, t, h, r, x)) })),
  // Honest votes of different heights, rounds or steps, claimed as one (h, r, step).
  fc.record({ slot, x: value, y: value, dh: fc.nat(3), dr: fc.nat(3), other: fc.boolean() }).filter(({ dh, dr, other }) => dh + dr > 0 || other).map(({ slot: { h, r, member, t }, x, y, dh, dr, other }) => {
    const t2: VoteKind = other ? (t === 'prevote' ? 'precommit' : 'prevote') : t
    // Another value too: claimed at one (h, r, step), the same value twice is one message, not a forgery that fools.
    return { why: 'bad-signature', evidence: fromVotes(signedVote(member, t, h, r, x), signedVote(member, t2, h + dh, r + dr, same(x, y) ? hash(204) : y)) }
  }),
  // A member the committee does not have.
  fc.record({ slot, x: value }).map(({ slot: { h, r, t }, x }) => ({ why: 'unknown-member', evidence: fromVotes(signedVote(0, t, h, r, x), signedVote(0, t, h, r, hash(202))) }))
    .map(({ why, evidence }) => ({ why, evidence: { ...evidence, s: 4 } })),
  // A vote with a valid round, or a proposal without a block: no such message is ever signed.
  fc.record({ slot, x: value }).map(({ slot: { h, r, member, t }, x }) => ({ why: 'malformed', evidence: { ...fromVotes(signedVote(member, t, h, r, x), signedVote(member, t, h, r, hash(203))), step: 'proposal' as EvidenceStep, a: { x: null, vr: -1, sig: new Uint8Array(64) } } })),
)

describe('forged evidence', () => {
  it('is refused by verifyEvidence, with the reason', () => {
    fc.assert(
      fc.property(forgery, ({ why, evidence }) => {
        expect(verifyEvidence(evidence, committee)).toBe(false)
        expect(evidenceFlaw(evidence, committee)).toBe(why)
        expect(entryFlaw(evidenceEntry(evidence), committee)).toBe(why)
      }),
      { numRuns: 100 },
    )
  })

  it('a signature with one bit flipped is refused', () => {
    fc.assert(
      fc.property(slot, fc.nat(63), fc.integer({ min: 0, max: 7 }), ({ h, r, member, t }, byte, bit) => {
        const evidence = fromVotes(signedVote(member, t, h, r, hash(1)), signedVote(member, t, h, r, null))
        const sig = evidence.b.sig.slice()
        sig[byte] = (sig[byte] as number) ^ (1 << bit)
        expect(verifyEvidence({ ...evidence, b: { ...evidence.b, sig } }, committee)).toBe(false)
      }),
      { numRuns: 50 },
    )
  })

  it('tagged evidence that does not decode as evidence is malformed; other bytes are the application’s', () => {
    expect(entryFlaw(encode({ kind: 'evidence', s: 1 }), committee)).toBe('malformed-evidence')
    expect(readEntry(encode({ kind: 'stake', amount: 3 })).kind).toBe('other')
    expect(readEntry(encode(['n1', 12])).kind).toBe('other')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        // Any bytes: read without throwing; only a tagged map can be evidence.
        const read = readEntry(bytes)
        if (read.kind !== 'other') expect((bytes[0]! & 0xf0) === 0x80 || bytes[0] === 0xde || bytes[0] === 0xdf).toBe(true)
        entryFlaw(bytes, committee)
      }),
    )
  })
})

describe('block validation', () => {
  /** What member 1 prevotes for member 0's proposal at height 0 holding these entries. */
  const prevoteFor = (entries: Uint8Array[]) => {
    const ctx = new ManualContext('n1')
    const voter = new BftVoter({ committee: members, key: testKeys(1) })
    voter.start(ctx)
    const block: Block = { h: 0, parent: GENESIS_PARENT, by: 0, entries }
    voter.receive(signedProposal(0, 0, 0, block), 'n0', ctx)
    const prevote = ctx.sent.map((s) => s.message as Vote).find((m) => m.t === 'prevote')
    return { prevote, hash: blockHash(block), voter, ctx }
  }

  it('a member prevotes nil on a proposal holding evidence that does not verify', () => {
    fc.assert(
      fc.property(forgery, ({ evidence }) => {
        const { prevote } = prevoteFor([encode(['app', 1]), evidenceEntry(evidence)])
        expect(prevote?.x).toBeNull()
      }),
      { numRuns: 25 },
    )
  })

  it('and prevotes a proposal holding evidence that verifies', () => {
    const evidence = fromVotes(signedVote(3, 'prevote', 0, 0, hash(1)), signedVote(3, 'prevote', 0, 0, null))
    const { prevote, hash: proposed } = prevoteFor([encode(['app', 1]), evidenceEntry(evidence)])
    expect(prevote?.x).toEqual(proposed)
  })

  it('submit refuses forged evidence with ConsensusError and keeps nothing', () => {
    const { voter } = prevoteFor([])
    const forged = { ...fromVotes(signedVote(3, 'prevote', 0, 0, hash(1)), signedVote(3, 'prevote', 0, 0, null)), s: 2 }
    expect(() => voter.submit(evidenceEntry(forged))).toThrow(expect.objectContaining({ _tag: 'ConsensusError', reason: 'invalid-entry' }))
    expect(voter.pendingEntries).toBe(0)
  })

  it('a member that sees two votes of one member for one round reports the evidence and proposes it', () => {
    const ctx = new ManualContext('n0')
    const voter = new BftVoter({ committee: members, key: testKeys(0) })
    voter.start(ctx)
    voter.receive(signedVote(2, 'precommit', 0, 0, hash(1)), 'n2', ctx)
    voter.receive(signedVote(2, 'precommit', 0, 0, hash(2)), 'n2', ctx)
    expect(voter.equivocations).toBe(1)
    expect(voter.pendingEntries).toBe(1)
    // n0 proposed round 0 before it saw anything; it leads height 0 again at round 4 (slot 4 mod 4).
    for (let r = 0; r < 4; r++) voter.timer(`round:0:${r}`, ctx)
    const proposal = ctx.sent.map((s) => s.message as { t: string; r: number; b: Block }).find((m) => m.t === 'proposal' && m.r === 4)
    const read = proposal?.b.entries.map(readEntry)
    expect(read?.map((e) => e.kind)).toEqual(['evidence'])
    if (read?.[0]?.kind === 'evidence') {
      expect(read[0].evidence).toMatchObject({ s: 2, h: 0, r: 0, step: 'precommit' })
      expect(verifyEvidence(read[0].evidence, committee)).toBe(true)
    }
  })
})
