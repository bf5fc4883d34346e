import { Result } from 'effect'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { ReasonedError } from '../../core/errors.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import type { Committee } from './committee.ts'
import { entryFlaw } from './entries.ts'
import { MAX_BLOCK_BYTES, blockBytes, blockHash, votePayload, type Commit } from './messages.ts'
import { certified } from './tally.ts'

/**
 * The check every node makes before it appends a commit it did not decide itself: a voter catching up,
 * a light client following the chain. A commit (block and certificate) is taken only when the block
 * attaches where the chain ends (its height is the chain's length, its parent the hash of the chain's
 * last block) and more than two thirds of the committee's weight signed a precommit for its hash at
 * its height and round: distinct members, each signature valid under the key genesis lists for it.
 * Nothing about the sender is trusted; one honest node's certificate is as good as any other's.
 */

/** Why a commit was refused: it does not attach to the chain, its block is not one a block may be, or its certificate is not a quorum. */
export type CertificateFailure = 'wrong-height' | 'broken-parent' | 'unknown-proposer' | 'too-large' | 'no-quorum' | 'invalid-entry'

export class CertificateError extends ReasonedError<CertificateFailure> {
  readonly _tag = 'CertificateError' as const
  override readonly name = 'CertificateError'
}

/** Where the next commit must attach: the chain's length and the hash of its last block (zeros when empty). */
export interface ChainTip {
  readonly height: number
  readonly parent: Uint8Array
}

/**
 * Checks `commit` against `tip` and `committee`. Returns the commit with its certificate reduced to the
 * signatures that counted (so what is stored is exactly the proof), or the reason it was refused.
 * Votes from an index outside the committee, repeated members and bad signatures count for nothing;
 * they refuse the commit only when what is left is not a quorum.
 */
export function checkCommit(commit: Commit, tip: ChainTip, committee: Committee, verifier: SignatureVerifier): Result.Result<Commit, CertificateError> {
  const { b } = commit
  if (b.h !== tip.height) return Result.fail(new CertificateError('wrong-height', `a commit of height ${b.h} does not attach to a chain of ${tip.height} blocks`))
  if (!bytesEqual(b.parent, tip.parent)) return Result.fail(new CertificateError('broken-parent', `block ${b.h} names parent ${toHex(b.parent).slice(0, 16)}…, the chain ends in ${toHex(tip.parent).slice(0, 16)}…`))
  if (b.by >= committee.size) return Result.fail(new CertificateError('unknown-proposer', `block ${b.h} is by member ${b.by}, the committee has ${committee.size}`))
  if (blockBytes(b) > MAX_BLOCK_BYTES) return Result.fail(new CertificateError('too-large', `block ${b.h} encodes to over ${MAX_BLOCK_BYTES} bytes, more than a block may`))
  const kept = certified(committee, verifier, votePayload('precommit', b.h, commit.r, blockHash(b)), commit.votes)
  if (kept.length === 0) {
    return Result.fail(new CertificateError('no-quorum', `block ${b.h}'s certificate holds no quorum of valid precommits (more than two thirds of the weight, ${committee.total})`))
  }
  // Last: evidence entries cost signature checks, and a quorum would not have decided a flawed entry.
  for (const [i, entry] of b.entries.entries()) {
    const flaw = entryFlaw(entry, committee, verifier)
    if (flaw !== undefined) return Result.fail(new CertificateError('invalid-entry', `block ${b.h}'s entry ${i} may not be in a block: ${flaw}`))
  }
  return Result.succeed(kept.length === commit.votes.length ? commit : { ...commit, votes: kept })
}
