import { Schema } from 'effect'
import { DEFAULT_MAX_FRAME_BYTES, encode } from '../../core/codec.ts'
import { blake2b } from '../../core/hash.ts'
import { Signature, exactBytes } from '../../core/schemas.ts'
import { DEFAULT_MAX_LOG_RECORD_BYTES } from '../../core/storage.ts'

/**
 * The `bft/1` protocol (docs/consensus.md). Every message is signed by the committee member whose
 * index it names (`s`), over a domain-separated encoding of what it commits to, so a message counts
 * the same whoever relays it:
 * - `proposal`: the round's leader proposes block `b` for height `h`, round `r`; `vr` is the round in
 *   which the block gathered a prevote quorum earlier (−1 for a fresh block).
 * - `prevote`, `precommit`: a vote for the block hash `x` at (h, r), or for nothing (`x: null`, nil).
 * - `commit`: block `b` and the precommits of round `r` that decided it (a quorum certificate), sent to
 *   a member that is behind so it catches up without trusting the sender.
 * - `need`: a member asks for the commit of a height it is stuck at.
 * - `votes`: a round's collector (its leader) relays a quorum of votes of kind `k` for the block hash `x`
 *   at (h, r), as it received them: a certificate of individual signatures, each checked on arrival.
 * Every field is bounded by the schema: what a stranger sends is refused before it costs memory.
 */

/** The largest committee: the issue caps it at 100 (a committee, not the network); room for twice that. */
export const MAX_COMMITTEE = 256
/** An entry's largest size: a ledger event or a model hash with its proof, not a payload (blobs carry those). */
export const MAX_ENTRY_BYTES = 4096
/** A block's most entries; their bytes are bounded by MAX_BLOCK_BYTES too (256 × 4 KiB entries would not fit). */
export const MAX_BLOCK_ENTRIES = 256
/**
 * What wraps a block on the wire and on disk, at its largest: a proposal of MAX_COMMITTEE proof-of-lock
 * signatures (75 bytes each encoded: 19,200) and its fields encodes to 19,388 bytes around an empty
 * block, 19,399 inside the composite's `{ p: 'bft/1', m }`; a commit record with a full certificate,
 * 19,295. 32 KiB covers that with 13 KiB to spare for a transport's framing and envelope.
 */
export const BLOCK_WRAP_BYTES = 32 * 1024
/**
 * A block's largest encoding (as `blockBytes` bounds it): 1 MiB − 32 KiB = 1,015,808 bytes, so a block at
 * the bound still goes out as one proposal frame (DEFAULT_MAX_FRAME_BYTES, 1 MiB) and is stored as one
 * commit record (DEFAULT_MAX_LOG_RECORD_BYTES, 1 MiB), each with a full certificate. 256 entries of
 * 4 KiB (1,049,344 bytes encoded) do not fit: 247 of them do; a leader takes what fits, the rest wait.
 */
export const MAX_BLOCK_BYTES = Math.min(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_LOG_RECORD_BYTES) - BLOCK_WRAP_BYTES
/**
 * `blockBytes`'s terms: a block's fields (height, parent, proposer, an array header) encode to at most
 * 69 bytes (measured 67 at the largest height and member, + 2 for a 16-bit array length); an entry
 * (≤ MAX_ENTRY_BYTES < 64 KiB) adds its bytes and a 3-byte MessagePack bin16 header at most.
 */
export const BLOCK_FIELDS_BYTES = 72
export const ENTRY_HEADER_BYTES = 3
/** The highest height or round on the wire: far past any run, small enough to stay an exact integer. */
export const MAX_HEIGHT = 2 ** 48
export const MAX_ROUND = 2 ** 20
export const HASH_BYTES = 32

const Hash = exactBytes(HASH_BYTES)
const Height = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(MAX_HEIGHT))
const Round = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(MAX_ROUND))
const ValidRound = Schema.Int.check(Schema.isGreaterThanOrEqualTo(-1), Schema.isLessThanOrEqualTo(MAX_ROUND))
const Member = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(MAX_COMMITTEE))
const Entry = Schema.Uint8Array.check(Schema.isMaxLength(MAX_ENTRY_BYTES))
/** The field schemas other consensus messages and entries reuse (evidence.ts, mempool.ts). */
export { Entry, Hash, Height, Member as MemberIndex, Round, ValidRound }

/** A block: its height, the hash of the block before it (zeros at height 0), who made it, its entries. */
export const Block = Schema.Struct({
  h: Height,
  parent: Hash,
  by: Member,
  entries: Schema.Array(Entry).check(Schema.isMaxLength(MAX_BLOCK_ENTRIES)),
})
export type Block = typeof Block.Type


export const VoteKind = Schema.Literals(['prevote', 'precommit'])
export type VoteKind = typeof VoteKind.Type

export const Vote = Schema.Struct({ t: VoteKind, h: Height, r: Round, x: Schema.NullOr(Hash), s: Member, sig: Signature })
export type Vote = typeof Vote.Type

/** One precommit of a certificate: the block hash, height and round are the certificate's. */
export const Signed = Schema.Struct({ s: Member, sig: Signature })
export type Signed = typeof Signed.Type

/**
 * A proposal. With `vr` ≥ 0 it carries `pol`, the prevotes of round `vr` for the block (its proof of
 * lock): members that missed them still see why the block may unlock them, with no gossip layer to
 * resend lost votes. Empty for a fresh block.
 */
export const Proposal = Schema.Struct({
  t: Schema.Literal('proposal'),
  h: Height,
  r: Round,
  vr: ValidRound,
  b: Block,
  pol: Schema.Array(Signed).check(Schema.isMaxLength(MAX_COMMITTEE)),
  s: Member,
  sig: Signature,
})
export type Proposal = typeof Proposal.Type

export const Commit = Schema.Struct({ t: Schema.Literal('commit'), r: Round, b: Block, votes: Schema.Array(Signed).check(Schema.isMaxLength(MAX_COMMITTEE)) })
export type Commit = typeof Commit.Type

/**
 * A request for the commit of height `h`, from a member that knows it is behind (it saw a quorum it
 * cannot decide, or messages of a later height). Unsigned: the answer is a certificate checked on
 * arrival, and answers are rate-limited per member, so a forged request costs one message at most.
 */
export const Need = Schema.Struct({ t: Schema.Literal('need'), h: Height })
export type Need = typeof Need.Type

/**
 * A vote certificate (the collector mode, docs/consensus.md): a quorum of `k` votes for the block hash
 * `x` at (h, r), each signature the voter's own over `votePayload(k, h, r, x)`. No aggregation: a
 * receiver checks them one by one and counts each exactly as a vote it received, so a certificate can
 * tell it nothing a relay of the same votes could not. Nil quorums are never certified (nil votes go to
 * everyone), so `x` is a hash.
 */
export const Votes = Schema.Struct({ t: Schema.Literal('votes'), k: VoteKind, h: Height, r: Round, x: Hash, votes: Schema.Array(Signed).check(Schema.isMaxLength(MAX_COMMITTEE)) })
export type Votes = typeof Votes.Type

export const BftMessage = Schema.Union([Proposal, Vote, Commit, Need, Votes])
export type BftMessage = typeof BftMessage.Type

/** An upper bound on `encode(block).length`, computed without encoding (a property test holds it to the codec). */
export function blockBytes(block: Block): number {
  return block.entries.reduce((sum, entry) => sum + entryBytes(entry), BLOCK_FIELDS_BYTES)
}

/** What one entry adds to a block's encoding, at most. */
export function entryBytes(entry: Uint8Array): number {
  return entry.length + ENTRY_HEADER_BYTES
}

/** The zero hash: the parent of the block at height 0. */
export const GENESIS_PARENT = new Uint8Array(HASH_BYTES)

/** A block's identity: BLAKE2b-256 of its encoding (MessagePack of plain data is deterministic). */
export function blockHash(block: Block): Uint8Array {
  return blake2b(encode([block.h, block.parent, block.by, block.entries]))
}

// Domains keep a signature over one kind of message from being valid as another.
const PROPOSAL_DOMAIN = 'vain/bft/1/proposal'
const VOTE_DOMAIN = 'vain/bft/1/vote'

/** What a proposer signs: height, round, valid round and the block's hash. */
export function proposalPayload(h: number, r: number, vr: number, hash: Uint8Array): Uint8Array {
  return encode([PROPOSAL_DOMAIN, h, r, vr, hash])
}

/** What a voter signs: the kind, height, round and hash (or null for nil). */
export function votePayload(kind: VoteKind, h: number, r: number, hash: Uint8Array | null): Uint8Array {
  return encode([VOTE_DOMAIN, kind, h, r, hash])
}
