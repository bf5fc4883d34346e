import { Result } from 'effect'
import { bytesEqual } from '../../core/bytes.ts'
import type { LieContext } from '../../core/byzantine.ts'
import { encode, validate } from '../../core/codec.ts'
import type { Signer } from '../../core/transport.ts'
import { BftMessage, MAX_BLOCK_ENTRIES, Vote, blockHash, proposalPayload, votePayload, type Block, type Signed, type VoteKind, type Votes } from './messages.ts'

/** What the liar knows of its own voter: read only (a lie must not change the node's state). */
export interface LieSources {
  readonly signer: Signer
  /** The liar's committee index. */
  readonly me: number
  /** The proposal this node holds for a round of its height. */
  proposalOf(round: number): Block | undefined
  /** The votes of `kind` for `hash` in `round` that this node has counted. */
  votesFor(kind: VoteKind, round: number, hash: Uint8Array): readonly Signed[]
}

/**
 * The voter's lie (core/byzantine.ts), for the simulator's `lie`, `equivocate` and `collude`
 * behaviours: what a Byzantine member that holds its own key can do to split the honest members.
 * - A proposal becomes a proposal of a twin block at the same height and round: the same entries and
 *   one more, made from the adversary's shared number, so colluders agree on the twin without talking;
 *   `equivocate` then shows half the members one block and half the other.
 * - A vote for a block becomes a vote for that block's twin; a nil vote, a vote for the round's
 *   proposal's twin (or its proposal, when this node has seen none to twin, which is a nil vote).
 * - A collector's certificate becomes a certificate of the round's other block (`otherCertificate`).
 * In the collector mode a liar's vote for a block goes to the round's collector only, lied about all the
 * same. Everything is signed with the liar's own key, so it passes every signature check: only the
 * quorum rules stand between it and a fork.
 */
export function lieAbout(message: unknown, lies: LieContext, sources: LieSources): unknown {
  const decoded = validate(message, BftMessage)
  if (Result.isFailure(decoded)) return undefined
  const m = decoded.success
  // A commit cannot be forged with one key; a request has nothing to lie about.
  if (m.t === 'commit' || m.t === 'need') return undefined
  if (m.t === 'votes') return otherCertificate(m, lies, sources)
  if (m.t === 'proposal') {
    const b = twin(m.b, lies.shared)
    return { ...m, b, sig: sources.signer.sign(proposalPayload(m.h, m.r, m.vr, blockHash(b))) }
  }
  const seen = sources.proposalOf(m.r)
  if (seen === undefined) return undefined
  const x = blockHash(twin(seen, lies.shared))
  return { ...m, x, sig: sources.signer.sign(votePayload(m.t, m.h, m.r, x)) }
}

/**
 * A Byzantine collector's certificate for the round's other block (its proposal, or that proposal's
 * twin, whichever the true certificate is not for), from every signature for it the adversary holds:
 * the votes for it this node counted, its colluders' votes for it that the controller overheard, and
 * its own, signed now. It cannot sign for anyone else, and a receiver counts only checked signatures
 * and only a quorum of them, so this forks nothing unless more than a third of the weight signed both.
 */
function otherCertificate(m: Votes, lies: LieContext, sources: LieSources): Votes | undefined {
  const proposal = sources.proposalOf(m.r)
  if (proposal === undefined) return undefined
  const proposed = blockHash(proposal)
  const x = bytesEqual(proposed, m.x) ? blockHash(twin(proposal, lies.shared)) : proposed
  const signatures = new Map<number, Uint8Array>()
  for (const { s, sig } of sources.votesFor(m.k, m.r, x)) signatures.set(s, sig)
  for (const { message } of lies.overheard()) {
    const heard = validate(message, Vote)
    if (Result.isFailure(heard)) continue
    const v = heard.success
    if (v.t === m.k && v.h === m.h && v.r === m.r && v.x !== null && bytesEqual(v.x, x)) signatures.set(v.s, v.sig)
  }
  signatures.set(sources.me, sources.signer.sign(votePayload(m.k, m.h, m.r, x)))
  const votes = [...signatures].sort(([a], [b]) => a - b).map(([s, sig]) => ({ s, sig }))
  return { ...m, x, votes }
}

/** The block a liar swaps in for `block`: valid at the same height on the same parent, with another hash. */
export function twin(block: Block, shared: number): Block {
  const entries = [...block.entries.slice(0, MAX_BLOCK_ENTRIES - 1), encode(['vain/bft/lie', shared])]
  return { ...block, entries }
}
