import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { decodeFrame } from '../../core/codec.ts'
import type { Composite } from '../../core/composite.ts'
import type { Committee } from '../../actors/consensus/committee.ts'
import { Commit } from '../../actors/consensus/messages.ts'
import type { BftVoter, Dissemination } from '../../actors/consensus/voter.ts'
import { ReputationLedger } from '../../actors/reputation/ledger.ts'
import { bftWith } from './bft.ts'

/**
 * The reputation ledger over real committed chains (docs/reputation.md, *In simulation*): the bft
 * scenario runs with one equivocating member of four; each honest node's durable chain is read back
 * and applied to a ledger of its own. Every honest ledger must agree (digest by digest, at every
 * height a node reached), and every one must have slashed and penalised the equivocator, and only it.
 */

const SECONDS = 1000
const CHAIN = 'bft/chain'
const GENESIS = { balance: 1_000, bonded: 10_000 }
const HONEST = ['n0', 'n2', 'n3']

function chainOf(sim: ReturnType<ReturnType<typeof bftWith>['build']>['sim'], address: string): Commit[] {
  const log = sim.storage(address).log(CHAIN)
  return Array.from({ length: log.length }, (_, i) => {
    const decoded = decodeFrame(log.get(i) as Uint8Array, Commit)
    if (Result.isFailure(decoded)) throw decoded.failure
    return decoded.success
  })
}

/** A ledger whose genesis gives every committee member the same stake, as a genesis file would. */
function genesisLedger(committee: Committee): ReputationLedger {
  return new ReputationLedger({ genesis: committee.members.map((m) => ({ publicKey: m.publicKey, ...GENESIS })) }, { committee })
}

describe('the reputation ledger on the bft scenario’s committed chains', () => {
  it.each<Dissemination>(['collector', 'all-to-all'])('%s: every honest ledger has the same digest, and the equivocator is slashed and penalised on each', (dissemination) => {
    const untilMs = 10 * SECONDS
    const run = bftWith({ dissemination }).build({ seed: 1, nodes: 4, untilMs, faults: [{ at: 0, kind: 'byzantine', node: 'n1', behaviour: { kind: 'equivocate' } }] })
    const result = run.sim.run({ untilMs })
    expect(result.violations).toEqual([])
    const committee = run.sim.actor<Composite>('n0')!.component<BftVoter>('bft')!.committee
    const equivocator = committee.members[committee.indexOf('n1') as number]!.publicKey

    // The reference: the longest honest chain, applied block by block, its digest at every height.
    const chains = new Map(HONEST.map((a) => [a, chainOf(run.sim, a)]))
    const longest = [...chains.values()].reduce((a, b) => (b.length > a.length ? b : a))
    const reference = genesisLedger(committee)
    const digests = longest.map((commit) => {
      reference.apply(commit)
      return reference.digest()
    })
    expect(longest.length).toBeGreaterThan(20)

    for (const [address, chain] of chains) {
      const ledger = genesisLedger(committee)
      for (const commit of chain) ledger.apply(commit)
      expect(ledger.digest(), address).toBe(digests[chain.length - 1])
      // Slashed once per offence punished (5 % of what was bonded each time), penalised, suspended or banned.
      expect(ledger.refused('unverified-evidence'), address).toBe(0)
      expect(ledger.stakeOf(equivocator).bonded, address).toBeLessThan(GENESIS.bonded)
      expect(ledger.slashed, address).toBe(GENESIS.bonded - ledger.stakeOf(equivocator).bonded)
      expect(ledger.componentOf(equivocator, 'equivocation'), address).toBeLessThan(0)
      expect(ledger.recordOf(equivocator).violations, address).toBeGreaterThan(0)
      expect(ledger.isSuspended(equivocator) || ledger.isBanned(equivocator), address).toBe(true)
      expect(ledger.votingWeight(equivocator), address).toBe(0)
      expect(ledger.eligibleCommittee().map((c) => c.publicKey)).not.toContainEqual(equivocator)
      // The honest members: untouched, each still one vote (tier 1) and seated.
      for (const m of committee.members.filter((m) => m.address !== 'n1')) {
        expect(ledger.stakeOf(m.publicKey), `${address}: ${m.address}`).toEqual({ ...GENESIS, unbonding: 0 })
        expect(ledger.recordOf(m.publicKey).violations).toBe(0)
        expect(ledger.votingWeight(m.publicKey)).toBe(1)
      }
      expect(ledger.eligibleCommittee()).toHaveLength(3)
      // The load's entries are not the ledger's: all foreign, none refused as junk.
      expect(ledger.foreign, address).toBeGreaterThan(100)
      expect(ledger.refused('malformed'), address).toBe(0)
    }
  })
})
