import { ed25519FromSeed, type Ed25519KeyPair } from '../../core/keys.ts'
import { sign } from '../../core/sign.ts'
import type { Member } from './committee.ts'
import { blockHash, proposalPayload, votePayload, type Block, type Proposal, type Vote, type VoteKind } from './messages.ts'

/** The keys of member i of a test committee: a fixed seed each. */
export function testKeys(i: number): Ed25519KeyPair {
  return ed25519FromSeed(new Uint8Array(32).fill(i + 1))
}

/** A committee n0..n(k-1) with these weights (default: k members of weight 1). */
export function testCommittee(weights: readonly number[]): Member[] {
  return weights.map((weight, i) => ({ address: `n${i}`, weight, publicKey: testKeys(i).publicKey }))
}

export function signedProposal(member: number, h: number, r: number, b: Block, vr = -1): Proposal {
  return { t: 'proposal', h, r, vr, b, pol: [], s: member, sig: sign(testKeys(member).secretKey, proposalPayload(h, r, vr, blockHash(b))) }
}

export function signedVote(member: number, t: VoteKind, h: number, r: number, x: Uint8Array | null): Vote {
  return { t, h, r, x, s: member, sig: sign(testKeys(member).secretKey, votePayload(t, h, r, x)) }
}
