import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { COMPONENTS } from './config.ts'
import { ReputationLedger } from './ledger.ts'
import { BODIES, block, committee, equivocation, pub, stake, testLedger, witnessed, type WitnessedKind } from './ledger.fixtures.ts'

/**
 * Properties over random committed logs: valid evidence of every kind, stake moves, equivocations,
 * and junk (forgeries, self-reports, strangers, replays, random bytes), in blocks of up to 8 entries.
 * Small thresholds and half-lives make suspensions, reviews, bans and decay happen within a log.
 */

/** Identities 0..3 are the committee and the genesis; 4..7 appear only as subjects, witnesses once reported on. */
const IDENTITIES = 8
const OPTIONS = {
  tiers: [
    { score: 1, ageBlocks: 2, auditsPassed: 0 },
    { score: 3, ageBlocks: 5, auditsPassed: 1 },
  ],
  suspendBelow: -2,
  reviewAfterBlocks: 3,
  banAfterViolations: 2,
  unbondDelayBlocks: 4,
  halfLives: Object.fromEntries(COMPONENTS.map((c, i) => [c, 3 + 2 * i])),
}
const GENESIS_STAKE = { balance: 500, bonded: 500 }
const ledger = () => testLedger(OPTIONS, 4, GENESIS_STAKE)

const identity = fc.integer({ min: 0, max: IDENTITIES - 1 })
const seq = fc.integer({ min: 0, max: 80 })
const kind = fc.constantFrom(...(Object.keys(BODIES) as WitnessedKind[]))
/** A witnessed entry, signed by its witness three times in four, else by another identity (a forgery). */
const evidence = fc
  .tuple(kind, identity, identity, seq, fc.boolean(), fc.integer({ min: 0, max: 3 }), identity)
  .map(([k, by, about, s, flag, n, forger]) => witnessed(k, by, about, s, bodyOf(k, flag, n) as never, n === 0 ? forger : by))
const stakeMove = fc.tuple(fc.constantFrom('stake/bond' as const, 'stake/unbond' as const), identity, fc.integer({ min: 1, max: 700 }), seq).map(([k, by, amount, s]) => stake(k, by, amount, s))
const offence = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1 })).map(([s, h, r]) => equivocation(s, h, r))
const junk = fc.uint8Array({ maxLength: 48 })
const entry = fc.oneof({ arbitrary: evidence, weight: 6 }, { arbitrary: stakeMove, weight: 2 }, { arbitrary: offence, weight: 1 }, { arbitrary: junk, weight: 1 })
const log = fc.array(fc.array(entry, { maxLength: 8 }), { minLength: 1, maxLength: 24 })

/** The variable part of each kind's body, from a flag and a small number. */
function bodyOf(kind: WitnessedKind, flag: boolean, n: number): Record<string, unknown> {
  switch (kind) {
    case 'rep/resource':
    case 'rep/task':
      return { ok: flag }
    case 'rep/uptime':
      return { answered: n, expected: flag ? 3 : 2 }
    case 'rep/audit':
      return { passed: flag }
    case 'rep/feedback':
      return { positive: flag }
    case 'rep/misbehaviour':
      return {}
  }
}

function applyLog(target: ReputationLedger, blocks: readonly (readonly Uint8Array[])[], after: (l: ReputationLedger) => void = () => {}): void {
  for (const entries of blocks) {
    target.apply(block(target.nextHeight, entries))
    after(target)
  }
}

/** Everything a query can say about every identity. */
function view(l: ReputationLedger) {
  return Array.from({ length: IDENTITIES }, (_, i) => [l.tierOf(pub(i)), l.scoreOf(pub(i)), l.stakeOf(pub(i)), l.isSuspended(pub(i)), l.isBanned(pub(i)), l.votingWeight(pub(i)), l.recordOf(pub(i))])
}

describe('the ledger over random committed logs', () => {
  it('every replica applying the same log has the same digest, and so does one restored from a snapshot half-way', () => {
    fc.assert(
      fc.property(log, fc.nat(), (blocks, cut) => {
        const a = ledger()
        const b = ledger()
        applyLog(a, blocks)
        applyLog(b, blocks)
        expect(b.digest()).toBe(a.digest())
        expect(view(b)).toEqual(view(a))
        const half = cut % (blocks.length + 1)
        const first = ledger()
        applyLog(first, blocks.slice(0, half))
        const restored = ReputationLedger.restore(first.snapshot(), OPTIONS, { committee })
        expect(restored.digest()).toBe(first.digest())
        applyLog(restored, blocks.slice(half))
        expect(restored.digest()).toBe(a.digest())
        expect(view(restored)).toEqual(view(a))
      }),
      { numRuns: 60 },
    )
  })

  it('queries change nothing: a ledger queried after every block ends as one never queried', () => {
    fc.assert(
      fc.property(log, (blocks) => {
        const quiet = ledger()
        const asked = ledger()
        applyLog(quiet, blocks)
        applyLog(asked, blocks, (l) => {
          const before = l.digest()
          const first = view(l)
          l.eligibleCommittee()
          for (let i = 0; i < IDENTITIES; i++) for (const c of COMPONENTS) l.componentOf(pub(i), c)
          // Tiers change only through committed blocks: asking again, nothing has moved.
          expect(view(l)).toEqual(first)
          expect(l.digest()).toBe(before)
        })
        expect(asked.digest()).toBe(quiet.digest())
      }),
      { numRuns: 40 },
    )
  })

  it('between entries, every component decays towards zero and never changes sign', () => {
    fc.assert(
      fc.property(log, fc.integer({ min: 1, max: 40 }), (blocks, empty) => {
        const l = ledger()
        applyLog(l, blocks)
        let previous = COMPONENTS.flatMap((c) => Array.from({ length: IDENTITIES }, (_, i) => l.componentOf(pub(i), c)))
        for (let k = 0; k < empty; k++) {
          l.apply(block(l.nextHeight))
          const now = COMPONENTS.flatMap((c) => Array.from({ length: IDENTITIES }, (_, i) => l.componentOf(pub(i), c)))
          now.forEach((value, j) => {
            const before = previous[j] as number
            expect(Math.abs(value)).toBeLessThanOrEqual(Math.abs(before))
            expect(value * before).toBeGreaterThanOrEqual(0)
          })
          previous = now
        }
      }),
      { numRuns: 40 },
    )
  })

  it('stake is never negative nor fractional, and what is not slashed is all there', () => {
    fc.assert(
      fc.property(log, (blocks) => {
        const l = ledger()
        applyLog(l, blocks, (after) => {
          let total = 0
          for (let i = 0; i < IDENTITIES; i++) {
            for (const amount of Object.values(after.stakeOf(pub(i)))) {
              expect(Number.isInteger(amount) && amount >= 0).toBe(true)
              total += amount
            }
          }
          expect(total + after.slashed).toBe(4 * (GENESIS_STAKE.balance + GENESIS_STAKE.bonded))
        })
      }),
      { numRuns: 60 },
    )
  })

  it('a banned identity never regains a tier, a vote or a seat', () => {
    fc.assert(
      fc.property(log, (blocks) => {
        const l = ledger()
        const banned = new Set<number>()
        applyLog(l, blocks, (after) => {
          for (const i of banned) {
            expect(after.isBanned(pub(i))).toBe(true)
            expect(after.tierOf(pub(i))).toBe(0)
            expect(after.votingWeight(pub(i))).toBe(0)
          }
          for (let i = 0; i < IDENTITIES; i++) if (after.isBanned(pub(i))) banned.add(i)
          const seated = new Set(after.eligibleCommittee().map((c) => c.identity))
          for (const i of banned) expect(seated.has(Buffer.from(pub(i)).toString('hex'))).toBe(false)
        })
      }),
      { numRuns: 60 },
    )
  })

  it('the random logs do exercise the rules: suspensions, bans, slashing and refusals all happen', () => {
    // A guard on the generators above: properties over logs where nothing happens would prove little.
    const seen = { suspended: 0, banned: 0, slashed: 0, refused: 0, applied: 0 }
    fc.assert(
      fc.property(log, (blocks) => {
        const l = ledger()
        applyLog(l, blocks, (after) => {
          for (let i = 0; i < IDENTITIES; i++) if (after.isSuspended(pub(i))) seen.suspended++
        })
        for (let i = 0; i < IDENTITIES; i++) if (l.isBanned(pub(i))) seen.banned++
        seen.slashed += l.slashed
        seen.refused += Object.values(l.refusedByReason).reduce((x, y) => x + y, 0)
        seen.applied += l.applied
      }),
      { numRuns: 60, seed: 14 },
    )
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0)
  })
})
