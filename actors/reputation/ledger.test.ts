import { describe, expect, it } from 'vitest'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ConfigError } from '../../core/errors.ts'
import { keyPairSigner } from '../../core/sign.ts'
import { ReputationLedger } from './ledger.ts'
import { LedgerSnapshot } from './snapshot.ts'
import { ledgerEntryBytes, signLedgerEntry, type UnsignedEntry } from './entries.ts'
import { BODIES, applyAll, block, committee, equivocation, hash, key, pub, skip, stake, testLedger, witnessed, type WitnessedKind } from './ledger.fixtures.ts'

/** Applies `entries` as one block to a fresh test ledger and to its twin, which gets an empty block: equal digests mean nothing changed. */
function changesNothing(entries: readonly Uint8Array[], options = {}) {
  const ledger = testLedger(options)
  const twin = testLedger(options)
  const outcome = ledger.apply(block(0, entries))
  twin.apply(block(0))
  expect(ledger.digest()).toBe(twin.digest())
  return { ledger, outcome }
}

describe('each entry kind applies when valid', () => {
  const cases: [WitnessedKind, Record<string, unknown>, string, number][] = [
    ['rep/resource', { ok: true }, 'resource', 1],
    ['rep/resource', { ok: false }, 'resource', -1],
    ['rep/task', { ok: true }, 'task', 1],
    ['rep/task', { ok: false }, 'task', -1],
    ['rep/uptime', { answered: 3, expected: 4 }, 'uptime', 0.5],
    ['rep/uptime', { answered: 0, expected: 4 }, 'uptime', -1],
    ['rep/audit', { passed: true }, 'audit', 1],
    ['rep/audit', { passed: false }, 'audit', -1],
    ['rep/feedback', { positive: true }, 'feedback', 1],
    ['rep/feedback', { positive: false }, 'feedback', -1],
    ['rep/misbehaviour', { signal: 'undecodable' }, 'misbehaviour', -1],
  ]
  it.each(cases)('%s %j moves %s by %d', (kind, body, component, delta) => {
    const ledger = testLedger()
    expect(ledger.apply(block(0, [witnessed(kind, 0, 1, 0, body as never)]))).toEqual({ applied: 1, refused: 0, foreign: 0 })
    expect(ledger.componentOf(pub(1), component as never)).toBe(delta)
    // The score is the weighted sum (default weights).
    const weights: Record<string, number> = { resource: 1, task: 1, uptime: 0.2, audit: 5, feedback: 0.5, misbehaviour: 2 }
    expect(ledger.scoreOf(pub(1))).toBeCloseTo((weights[component] as number) * delta, 12)
    // The witness's own score is untouched.
    expect(ledger.scoreOf(pub(0))).toBe(0)
  })

  it('audits are counted, and a new subject is tracked from the height that first named it', () => {
    const ledger = testLedger()
    skip(ledger, 5)
    applyAll(ledger, [[witnessed('rep/audit', 0, 9, 0), witnessed('rep/audit', 1, 9, 0, { passed: false })]])
    expect(ledger.recordOf(pub(9))).toEqual({ violations: 0, auditsPassed: 1, auditsFailed: 1 })
    expect(ledger.tierOf(pub(9))).toBe(1)
    expect(ledger.identities).toBe(5)
  })

  it('entries that are not the ledger’s are foreign: ignored, not refused', () => {
    const { outcome } = changesNothing([encode(['n0', 12]), new Uint8Array([1, 2, 3]), encode({ kind: 'model', hash: hash('m') })])
    expect(outcome).toEqual({ applied: 0, refused: 0, foreign: 3 })
  })
})

describe('invalid entries change nothing and are counted', () => {
  it.each(Object.keys(BODIES) as WitnessedKind[])('%s: forged, self-reported, from an unknown witness, replayed', (kind) => {
    const forged = changesNothing([witnessed(kind, 0, 1, 0, {}, 2)])
    expect(forged.ledger.refused('bad-signature')).toBe(1)
    const self = changesNothing([witnessed(kind, 1, 1, 0)])
    expect(self.ledger.refused('self-report')).toBe(1)
    // Identity 7 is in no genesis and was never reported on.
    const stranger = changesNothing([witnessed(kind, 7, 1, 0)])
    expect(stranger.ledger.refused('unknown-witness')).toBe(1)
    const ledger = testLedger()
    const entry = witnessed(kind, 0, 1, 3)
    applyAll(ledger, [[entry]])
    const after = ledger.digest()
    const twin = testLedger()
    applyAll(twin, [[entry], []])
    expect(ledger.apply(block(1, [entry]))).toEqual({ applied: 0, refused: 1, foreign: 0 })
    expect(ledger.refused('replayed')).toBe(1)
    expect(ledger.digest()).not.toBe(after)
    expect(ledger.digest()).toBe(twin.digest())
  })

  it('fields out of their bounds: by the schema (malformed) or beyond it (over-bounds)', () => {
    const tooMany = changesNothing([witnessed('rep/uptime', 0, 1, 0, { answered: 5, expected: 4 })])
    expect(tooMany.ledger.refused('over-bounds')).toBe(1)
    const unsigned = { kind: 'rep/uptime', by: pub(0), about: pub(1), seq: 0, window: 0, answered: 1, expected: 4000 } as unknown as UnsignedEntry
    const pastSchema = changesNothing([ledgerEntryBytes(signLedgerEntry(unsigned, keyPairSigner(key(0)))), encode({ kind: 'rep/feedback', by: pub(0) }), encode({ kind: 'evidence', h: 1 })])
    expect(pastSchema.ledger.refused('malformed')).toBe(3)
  })

  it('counters are taken once each, in any order within the window', () => {
    const ledger = testLedger()
    applyAll(ledger, [[witnessed('rep/feedback', 0, 1, 10), witnessed('rep/feedback', 0, 1, 8), witnessed('rep/feedback', 0, 1, 9), witnessed('rep/feedback', 0, 1, 8)]])
    expect(ledger.componentOf(pub(1), 'feedback')).toBe(3)
    expect(ledger.refused('replayed')).toBe(1)
    // Past the window (64 below the highest): refused.
    applyAll(ledger, [[witnessed('rep/feedback', 0, 1, 100), witnessed('rep/feedback', 0, 1, 20)]])
    expect(ledger.refused('replayed')).toBe(2)
  })

  it('a suspended or banned witness may not report', () => {
    const ledger = testLedger()
    applyAll(ledger, [[0, 1, 2].map((w) => witnessed('rep/misbehaviour', w, 3, 0))])
    expect(ledger.isSuspended(pub(3))).toBe(true)
    const before = ledger.scoreOf(pub(0))
    applyAll(ledger, [[witnessed('rep/feedback', 3, 0, 0)]])
    expect(ledger.refused('unknown-witness')).toBe(1)
    expect(ledger.scoreOf(pub(0))).toBe(before)
  })

  it('bounds: identities tracked and entries per block', () => {
    const full = testLedger({ maxIdentities: 5 })
    applyAll(full, [[witnessed('rep/task', 0, 4, 0), witnessed('rep/task', 0, 5, 1), witnessed('rep/task', 0, 4, 2)]])
    expect(full.refused('identity-table-full')).toBe(1)
    expect(full.identities).toBe(5)
    expect(full.componentOf(pub(4), 'task')).toBe(2)
    const busy = testLedger({ maxEntriesPerBlock: 2 })
    expect(busy.apply(block(0, [0, 1, 2].map((seq) => witnessed('rep/task', 0, 1, seq))))).toEqual({ applied: 2, refused: 1, foreign: 0 })
    expect(busy.refused('too-many-entries')).toBe(1)
  })

  it('a block out of order throws a typed error and changes nothing', () => {
    const ledger = testLedger()
    const before = ledger.digest()
    expect(() => ledger.apply(block(1, [witnessed('rep/task', 0, 1, 0)]))).toThrow(/takes height 0 next, not 1/)
    expect(ledger.digest()).toBe(before)
    expect(ledger.nextHeight).toBe(0)
  })

  it('bad options are refused by name', () => {
    expect(() => testLedger({ slashBps: 10_001 })).toThrow(ConfigError)
    expect(() => testLedger({ halfLives: { feedback: 0 } })).toThrow(/half-life/)
    expect(() => testLedger({ tiers: [{ score: 1, ageBlocks: -1, auditsPassed: 0 }] })).toThrow(/tiers\[0\]\.ageBlocks/)
    expect(() => new ReputationLedger({ genesis: [{ publicKey: pub(0) }, { publicKey: pub(0) }] })).toThrow(/listed twice/)
    expect(() => new ReputationLedger({ genesis: [{ publicKey: pub(0), balance: 2 ** 39, bonded: 1 }] })).toThrow(/add up past/)
  })
})

describe('stake', () => {
  it('bonds and unbonds by the holder’s signature; unbonded stake returns after the delay', () => {
    const ledger = testLedger({ unbondDelayBlocks: 10 })
    applyAll(ledger, [[stake('stake/bond', 0, 400, 0), stake('stake/unbond', 0, 300, 1)]])
    expect(ledger.stakeOf(pub(0))).toEqual({ balance: 600, bonded: 1_100, unbonding: 300 })
    skip(ledger, 9)
    expect(ledger.stakeOf(pub(0)).unbonding).toBe(300)
    skip(ledger, 1)
    expect(ledger.stakeOf(pub(0))).toEqual({ balance: 900, bonded: 1_100, unbonding: 0 })
  })

  it('refuses more than the balance, another’s signature, a stranger and a replay', () => {
    const tooMuch = changesNothing([stake('stake/bond', 0, 1_001, 0), stake('stake/unbond', 0, 1_001, 1)])
    expect(tooMuch.ledger.refused('insufficient-balance')).toBe(2)
    expect(changesNothing([stake('stake/bond', 0, 10, 0, 1)]).ledger.refused('bad-signature')).toBe(1)
    expect(changesNothing([stake('stake/bond', 7, 10, 0)]).ledger.refused('unknown-witness')).toBe(1)
    const ledger = testLedger()
    applyAll(ledger, [[stake('stake/bond', 0, 10, 0), stake('stake/bond', 0, 10, 0)]])
    expect(ledger.stakeOf(pub(0)).bonded).toBe(1_010)
    expect(ledger.refused('replayed')).toBe(1)
  })
})

describe('equivocation evidence', () => {
  it('slashes bonded and unbonding stake, counts a violation and suspends, once per offence', () => {
    const ledger = testLedger({ unbondDelayBlocks: 100 })
    applyAll(ledger, [[stake('stake/unbond', 2, 200, 0)], [equivocation(2, 1)]])
    expect(ledger.stakeOf(pub(2))).toEqual({ balance: 1_000, bonded: 760, unbonding: 190 })
    expect(ledger.slashed).toBe(50)
    expect(ledger.recordOf(pub(2)).violations).toBe(2) // the equivocation, and the suspension its penalty caused
    expect(ledger.isSuspended(pub(2))).toBe(true)
    expect(ledger.componentOf(pub(2), 'equivocation')).toBe(-1)
    expect(ledger.votingWeight(pub(2))).toBe(0)
    // The same offence again (another copy, another pair of the same round): refused.
    applyAll(ledger, [[equivocation(2, 1)]])
    expect(ledger.refused('repeated-evidence')).toBe(1)
    expect(ledger.stakeOf(pub(2)).bonded).toBe(760)
    // Another round's offence: the third violation bans.
    applyAll(ledger, [[equivocation(2, 1, 1)]])
    expect(ledger.isBanned(pub(2))).toBe(true)
    expect(ledger.tierOf(pub(2))).toBe(0)
    expect(ledger.stakeOf(pub(2)).bonded).toBe(722)
    applyAll(ledger, [[equivocation(2, 5)]])
    expect(ledger.refused('banned')).toBe(1)
  })

  it('evidence that does not verify, or with no committee to check it against, changes nothing', () => {
    const forged = equivocation(1, 3)
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1
    // The last byte is the second signature's.
    expect(changesNothing([forged]).ledger.refused('unverified-evidence')).toBe(1)
    const blind = new ReputationLedger({ genesis: [{ publicKey: pub(1), bonded: 100 }] })
    blind.apply(block(0, [equivocation(1, 3)]))
    expect(blind.refused('unverified-evidence')).toBe(1)
    expect(blind.stakeOf(pub(1)).bonded).toBe(100)
  })
})

describe('tiers and penalties', () => {
  const tiers = [
    { score: 3, ageBlocks: 10, auditsPassed: 1 },
    { score: 10, ageBlocks: 20, auditsPassed: 2 },
  ]

  it('a tier needs its score, its age and its audits, all three', () => {
    const ledger = testLedger({ tiers })
    applyAll(ledger, [[witnessed('rep/task', 0, 5, 0), witnessed('rep/task', 0, 5, 1), witnessed('rep/task', 0, 5, 2), witnessed('rep/task', 0, 5, 3)]])
    expect(ledger.tierOf(pub(5))).toBe(1)
    skip(ledger, 10)
    expect(ledger.tierOf(pub(5))).toBe(1) // score and age, no audit
    applyAll(ledger, [[witnessed('rep/audit', 1, 5, 0)]])
    expect(ledger.tierOf(pub(5))).toBe(2)
    expect(ledger.votingWeight(pub(5))).toBe(2)
    applyAll(ledger, [[witnessed('rep/audit', 2, 5, 0)]])
    expect(ledger.tierOf(pub(5))).toBe(2) // score 14, two audits, but 12 blocks old
    skip(ledger, 8)
    expect(ledger.tierOf(pub(5))).toBe(3)
    expect(ledger.tierOf(pub(8))).toBe(0) // untracked
  })

  it('a score below the threshold suspends; the review lifts it once decay brings the score back', () => {
    const ledger = testLedger({ reviewAfterBlocks: 10, halfLives: { misbehaviour: 5 } })
    applyAll(ledger, [[0, 1, 2].map((w) => witnessed('rep/misbehaviour', w, 3, 0))])
    expect(ledger.scoreOf(pub(3))).toBe(-6)
    expect(ledger.isSuspended(pub(3))).toBe(true)
    expect(ledger.tierOf(pub(3))).toBe(1)
    expect(ledger.votingWeight(pub(3))).toBe(0)
    skip(ledger, 9)
    expect(ledger.isSuspended(pub(3))).toBe(true) // not reviewed yet
    skip(ledger, 1)
    // Ten blocks: two half-lives, −1.5, back above −5.
    expect(ledger.isSuspended(pub(3))).toBe(false)
    expect(ledger.recordOf(pub(3)).violations).toBe(1)
  })

  it('a review that finds the score still low renews the suspension; repeated violations ban for good', () => {
    const ledger = testLedger({ reviewAfterBlocks: 10, banAfterViolations: 2 })
    applyAll(ledger, [[0, 1, 2].map((w) => witnessed('rep/misbehaviour', w, 3, 0))])
    skip(ledger, 10)
    expect(ledger.isSuspended(pub(3))).toBe(true)
    // Lifted by good reports: the next review finds it above the threshold.
    applyAll(ledger, [[0, 1, 2].map((w) => witnessed('rep/task', w, 3, 1))])
    skip(ledger, 10)
    expect(ledger.isSuspended(pub(3))).toBe(false)
    applyAll(ledger, [[0, 1, 2].flatMap((w) => [witnessed('rep/misbehaviour', w, 3, 2), witnessed('rep/misbehaviour', w, 3, 3)])])
    expect(ledger.isBanned(pub(3))).toBe(true)
    expect(ledger.isSuspended(pub(3))).toBe(false)
    const refused = ledger.refused('banned')
    applyAll(ledger, [[0, 1, 2].flatMap((w) => [4, 5, 6].map((seq) => witnessed('rep/audit', w, 3, seq)))])
    expect(ledger.refused('banned') - refused).toBe(9)
    expect(ledger.tierOf(pub(3))).toBe(0)
  })
})

describe('voting weight and the committee', () => {
  it('by tier, or by tier × bonded stake; the committee is the top weights, ties by public key, capped', () => {
    const tiers = [{ score: 1, ageBlocks: 0, auditsPassed: 0 }]
    const byTier = testLedger({ tiers }, 6)
    applyAll(byTier, [[witnessed('rep/task', 0, 4, 0), witnessed('rep/task', 0, 1, 1)]])
    expect([0, 1, 4, 5].map((i) => byTier.votingWeight(pub(i)))).toEqual([1, 2, 2, 1])
    const hex = (i: number) => Buffer.from(pub(i)).toString('hex')
    const committee = byTier.eligibleCommittee(3)
    expect(committee.map((c) => c.weight)).toEqual([2, 2, 1])
    expect(committee[0]!.identity < committee[1]!.identity).toBe(true)
    expect(new Set(committee.slice(0, 2).map((c) => c.identity))).toEqual(new Set([hex(1), hex(4)]))
    expect(byTier.eligibleCommittee()).toHaveLength(6)

    const byStake = new ReputationLedger({ tiers, votingRule: 'tier-times-stake', genesis: [0, 1, 2].map((i) => ({ publicKey: pub(i), bonded: 10 * (i + 1) })) })
    applyAll(byStake, [[witnessed('rep/task', 0, 1, 0)]])
    expect([0, 1, 2].map((i) => byStake.votingWeight(pub(i)))).toEqual([10, 40, 30])
    expect(byStake.eligibleCommittee().map((c) => c.weight)).toEqual([40, 30, 10])
  })

  it('suspended and banned identities never sit', () => {
    const ledger = testLedger()
    applyAll(ledger, [[0, 1, 2].map((w) => witnessed('rep/misbehaviour', w, 3, 0))])
    expect(ledger.eligibleCommittee().map((c) => c.identity)).not.toContain(Buffer.from(pub(3)).toString('hex'))
    expect(ledger.eligibleCommittee()).toHaveLength(3)
  })
})

describe('snapshots', () => {
  it('a snapshot restores the same state, and bytes that are not one are refused with a typed error', () => {
    const ledger = testLedger({ unbondDelayBlocks: 5 })
    applyAll(ledger, [[witnessed('rep/audit', 0, 6, 0), stake('stake/unbond', 1, 10, 0), equivocation(2, 0)], [0, 1].map((w) => witnessed('rep/misbehaviour', w, 6, 1))])
    const restored = ReputationLedger.restore(ledger.snapshot(), { unbondDelayBlocks: 5 }, { committee })
    expect(restored.digest()).toBe(ledger.digest())
    expect(restored.isSuspended(pub(2))).toBe(true)
    // Its sets of suspended and unbonding identities came back too: reviews and releases happen on time.
    skip(ledger, 5)
    skip(restored, 5)
    expect(restored.stakeOf(pub(1)).unbonding).toBe(0)
    expect(restored.digest()).toBe(ledger.digest())
    expect(() => ReputationLedger.restore(new Uint8Array([0x93, 1, 2]))).toThrow(expect.objectContaining({ _tag: 'LedgerError', reason: 'corrupt-snapshot' }))
    const [version, next, slashed, accounts, punished] = (decodeFrame(testLedger({}, 1).snapshot(), LedgerSnapshot) as { success: LedgerSnapshot }).success
    expect(() => ReputationLedger.restore(encode([version, next, slashed, [...accounts, ...accounts], punished]))).toThrow(/twice/)
    expect(() => ReputationLedger.restore(testLedger({}, 3).snapshot(), { maxIdentities: 2 })).toThrow(/past maxIdentities/)
  })
})
