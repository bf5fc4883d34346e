import { Schema } from 'effect'
import { Commit, MAX_HEIGHT } from './messages.ts'

/**
 * The `bft-sync/1` protocol (docs/consensus.md, *Light clients and range catch-up*): a node that is
 * behind (a light client, a restarted validator) asks a member for a range of the committed chain.
 * - `range`: the commits of heights `from`, `from + 1`, … (at most `count` of them).
 * - `blocks`: the answer: consecutive commits (block and precommit certificate each) from `from`, and
 *   `tip`, how many blocks the answering node has committed, so the asker knows whether to ask again.
 * Unsigned: every commit carries its own certificate, checked on arrival against the genesis committee,
 * so a relayed or forged answer can cost a check, never a wrong block. Every field is bounded here.
 */

/**
 * The most commits one message may carry. A range is also cut to the frame's bytes by the server
 * (sync.ts); 256 blocks of ~1 KiB (a small committee's certificate and a few entries) is ~256 KiB.
 */
export const MAX_RANGE_COMMITS = 256

const Height = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(MAX_HEIGHT))

export const RangeRequest = Schema.Struct({
  t: Schema.Literal('range'),
  from: Height,
  count: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(MAX_RANGE_COMMITS)),
})
export type RangeRequest = typeof RangeRequest.Type

export const RangeReply = Schema.Struct({
  t: Schema.Literal('blocks'),
  from: Height,
  tip: Height,
  commits: Schema.Array(Commit).check(Schema.isMaxLength(MAX_RANGE_COMMITS)),
})
export type RangeReply = typeof RangeReply.Type

export const SyncMessage = Schema.Union([RangeRequest, RangeReply])
export type SyncMessage = typeof SyncMessage.Type
