import { Result, Schema } from 'effect'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ReasonedError } from '../../core/errors.ts'
import type { Storage } from '../../core/storage.ts'
import { Block, Commit, GENESIS_PARENT, Hash, Height, MAX_COMMITTEE, Round, Signed, ValidRound, blockHash } from './messages.ts'

/**
 * What a voter keeps on disk, and the rule that makes a restart safe. The committed chain is an
 * append-only log (record i is the `commit` message, block and certificate, of height i): its length is
 * the next height, so a torn write that kept a block but not the state record loses nothing. The state
 * record holds the round, the lock, the valid block and the last message the voter signed; it is
 * written and synced before any vote or proposal leaves (docs/consensus.md, *Durability*).
 */

/** Why a voter cannot go on from what its storage holds. */
export type ConsensusFailure = 'corrupt-state' | 'entry-too-large' | 'queue-full' | 'not-started' | 'invalid-entry' | 'already-committed'

export class ConsensusError extends ReasonedError<ConsensusFailure> {
  readonly _tag = 'ConsensusError' as const
  override readonly name = 'ConsensusError'
}

/** The order of what a voter signs within a round: a later step never precedes an earlier one. */
export const STEP_PROPOSE = 0
export const STEP_PREVOTE = 1
export const STEP_PRECOMMIT = 2

const Step = Schema.Int.check(Schema.isGreaterThanOrEqualTo(STEP_PROPOSE), Schema.isLessThanOrEqualTo(STEP_PRECOMMIT))

/** The last message signed: its height, round and step, what it was for, and the block of a proposal. */
const LastSigned = Schema.Struct({
  h: Height,
  r: Round,
  step: Step,
  x: Schema.NullOr(Hash),
  vr: ValidRound,
  b: Schema.NullOr(Block),
})
export type LastSigned = typeof LastSigned.Type

const VoterState = Schema.Struct({
  h: Height,
  r: Round,
  lockedRound: ValidRound,
  locked: Schema.NullOr(Block),
  validRound: ValidRound,
  valid: Schema.NullOr(Block),
  /**
   * The prevotes of `validRound` for `valid` (a quorum): the proof of lock that a re-proposal of it
   * carries. Kept beside the block because after a restart no one else may hold them (every member that
   * saw the quorum crashed since), and a re-proposal without its proof is prevoted by no member that
   * did not see the quorum: two members of four locked on a block whose proof was lost stalled their
   * height for good. Optional: a record written before it decodes, as a valid block without its proof.
   */
  validProof: Schema.optionalKey(Schema.Array(Signed).check(Schema.isMaxLength(MAX_COMMITTEE))),
  signed: Schema.NullOr(LastSigned),
})
export type VoterState = typeof VoterState.Type

const STATE_KEY = 'state'
const CHAIN_LOG = 'chain'

/** A fresh state at `height`: round 0, no lock, nothing valid; what was last signed carries over. */
export function freshState(h: number, signed: LastSigned | null): VoterState {
  return { h, r: 0, lockedRound: -1, locked: null, validRound: -1, valid: null, signed }
}

/**
 * The state record, when it is for `height` (a record of an earlier height is stale: its block committed
 * since). A record of a later height than the chain holds is refused: the chain is synced before the
 * record moves past it, so such a record means a lost block, and starting fresh would drop its lock.
 */
export function loadState(storage: Storage, height: number): VoterState {
  const bytes = storage.get(STATE_KEY)
  if (bytes === undefined) return freshState(height, null)
  const decoded = decodeFrame(bytes, VoterState)
  // A record that does not decode is not guessed at: voting blind could contradict an earlier vote.
  if (Result.isFailure(decoded)) throw new ConsensusError('corrupt-state', `the voter's state record does not decode (${decoded.failure.message}); refusing to vote from a guess`)
  const state = decoded.success
  if (state.h > height) throw new ConsensusError('corrupt-state', `the voter's state record is for height ${state.h}, past the chain's ${height} blocks: a committed block is lost; refusing to vote without its lock`)
  return state.h === height ? state : freshState(height, state.signed)
}

/** Writes the state and syncs it: call before the message it justifies is sent. */
export function saveState(storage: Storage, state: VoterState): void {
  storage.put(STATE_KEY, encode(state))
  storage.sync()
}

/** The committed chain: record i is the `commit` (block and certificate) of height i. */
export function chainLog(storage: Storage) {
  return storage.log(CHAIN_LOG)
}

/** The commit of `height` from the chain, or undefined past its end. */
export function committedAt(storage: Storage, height: number): Commit | undefined {
  const bytes = chainLog(storage).get(height)
  if (bytes === undefined) return undefined
  const decoded = decodeFrame(bytes, Commit)
  if (Result.isFailure(decoded)) throw new ConsensusError('corrupt-state', `committed block ${height} does not decode (${decoded.failure.message})`)
  return decoded.success
}

/** Where a durable chain ends, as a node reads it at start: its length, its last commit, and the hash the next block names as parent. */
export function chainEnd(storage: Storage): { readonly height: number; readonly last: Commit | undefined; readonly parent: Uint8Array } {
  const height = chainLog(storage).length
  const last = height === 0 ? undefined : committedAt(storage, height - 1)
  return { height, last, parent: last === undefined ? GENESIS_PARENT : blockHash(last.b) }
}

/**
 * Whether signing at (h, r, step) is consistent with what was last signed: a later
 * height/round/step may be signed, the same one only for the same value (a resend), an earlier one never.
 * Returns 'sign' for a later one, 'same' for the one last signed (the caller re-sends what it signed),
 * 'refuse' for an earlier one.
 */
export function signingVerdict(last: LastSigned | null, h: number, r: number, step: number): 'sign' | 'same' | 'refuse' {
  if (last === null) return 'sign'
  const order = last.h !== h ? Math.sign(h - last.h) : last.r !== r ? Math.sign(r - last.r) : Math.sign(step - last.step)
  return order > 0 ? 'sign' : order === 0 ? 'same' : 'refuse'
}
