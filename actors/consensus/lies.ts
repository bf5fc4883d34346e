import { Result } from 'effect'
import type { LieContext } from '../../core/byzantine.ts'
import { encode, validate } from '../../core/codec.ts'
import { sign } from '../../core/sign.ts'
import { BftMessage, MAX_BLOCK_ENTRIES, blockHash, proposalPayload, votePayload, type Block } from './messages.ts'

/**
 * The voter's lie (core/byzantine.ts), for the simulator's `lie`, `equivocate` and `collude`
 * behaviours: what a Byzantine member that holds its own key can do to split the honest members.
 * - A proposal becomes a proposal of a twin block at the same height and round: the same entries and
 *   one more, made from the adversary's shared number, so colluders agree on the twin without talking;
 *   `equivocate` then shows half the members one block and half the other.
 * - A vote for a block becomes a vote for that block's twin; a nil vote, a vote for the round's
 *   proposal's twin (or its proposal, when this node has seen none to twin, which is a nil vote).
 * In the collector mode a liar's vote for a block goes to the round's collector only, lied about all the
 * same; a liar that collects relays the quorum its members formed, whichever block it is.
 * Everything is signed with the liar's own key, so it passes every signature check: only the quorum
 * rules stand between it and a fork.
 */
export function lieAbout(message: unknown, lies: LieContext, secretKey: Uint8Array, proposalOf: (round: number) => Block | undefined): unknown {
  const decoded = validate(message, BftMessage)
  if (Result.isFailure(decoded)) return undefined
  const m = decoded.success
  // A certificate (a commit, a collector's votes) cannot be forged with one key: the liar could only
  // swap its own signature in it for one over another value, which every receiver leaves out, and
  // withholding it is the `silent` and `drop-some` behaviours' business. A request has nothing to lie about.
  if (m.t === 'commit' || m.t === 'need' || m.t === 'votes') return undefined
  if (m.t === 'proposal') {
    const b = twin(m.b, lies.shared)
    return { ...m, b, sig: sign(secretKey, proposalPayload(m.h, m.r, m.vr, blockHash(b))) }
  }
  const seen = proposalOf(m.r)
  if (seen === undefined) return undefined
  const x = blockHash(twin(seen, lies.shared))
  return { ...m, x, sig: sign(secretKey, votePayload(m.t, m.h, m.r, x)) }
}

/** The block a liar swaps in for `block`: valid at the same height on the same parent, with another hash. */
export function twin(block: Block, shared: number): Block {
  const entries = [...block.entries.slice(0, MAX_BLOCK_ENTRIES - 1), encode(['vain/bft/lie', shared])]
  return { ...block, entries }
}
