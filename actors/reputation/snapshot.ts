import { Schema } from 'effect'
import { PublicKey } from '../../core/schemas.ts'
import { MAX_HEIGHT } from '../consensus/messages.ts'
import { COMPONENTS } from './config.ts'
import { MAX_BALANCE, MAX_SEQ } from './entries.ts'

/**
 * A ledger's whole state as one MessagePack frame: what `digest` hashes and `restore` reads back
 * (docs/reputation.md, *Digest and snapshots*). Accounts are in public-key order and each field has a
 * place, so the encoding of a state is unique. The options (weights, tiers, bounds) are not in it: a
 * snapshot is restored under the options it was taken with, as the chain it summarises was applied.
 */

/** The format version: a change of the encoding changes every digest on purpose. */
export const SNAPSHOT_VERSION = 1
/** The largest snapshot read back: 100,000 accounts (DEFAULT_MAX_IDENTITIES) of ~150 bytes, with room for full replay windows. A local file, not a frame. */
export const MAX_SNAPSHOT_BYTES = 256 * 2 ** 20

const Int = (min: number, max: number) => Schema.Int.check(Schema.isGreaterThanOrEqualTo(min), Schema.isLessThanOrEqualTo(max))
const Height = Int(0, MAX_HEIGHT)
const Balance = Int(0, MAX_BALANCE)

/** [publicKey, firstSeen, at, components, auditsPassed, auditsFailed, violations, suspendedUntil, banned, balance, bonded, unbonding, releaseAt, highest seq, seqs seen]. */
export const AccountRecord = Schema.Tuple([
  PublicKey,
  Height,
  Height,
  Schema.Array(Schema.Number.check(Schema.isFinite())).check(Schema.isBetweenLength(COMPONENTS.length, COMPONENTS.length)),
  Int(0, Number.MAX_SAFE_INTEGER),
  Int(0, Number.MAX_SAFE_INTEGER),
  Int(0, Number.MAX_SAFE_INTEGER),
  Int(-1, Number.MAX_SAFE_INTEGER),
  Schema.Boolean,
  Balance,
  Balance,
  Balance,
  Int(0, Number.MAX_SAFE_INTEGER),
  Int(-1, MAX_SEQ),
  Schema.Array(Int(0, MAX_SEQ)).check(Schema.isMaxLength(4_096)),
])
export type AccountRecord = typeof AccountRecord.Type

/** [version, next height, stake slashed, accounts, punished offences (evidenceKey, sorted)]. */
export const LedgerSnapshot = Schema.Tuple([
  Schema.Literal(SNAPSHOT_VERSION),
  Height,
  Int(0, Number.MAX_SAFE_INTEGER),
  Schema.Array(AccountRecord),
  Schema.Array(Schema.String.check(Schema.isMaxLength(64))),
])
export type LedgerSnapshot = typeof LedgerSnapshot.Type
