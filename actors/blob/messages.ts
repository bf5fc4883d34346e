import { Schema } from 'effect'
import { exactBytes } from '../../core/schemas.ts'
import { BLOB_HASH_BYTES } from '../../core/storage.ts'

/**
 * The `blob/1` protocol: a fetcher pulls a blob named by its hash from a holder, chunk by chunk.
 * - `open` (fetcher → holder): I want blob `h`. Answered by `size` (its length in bytes) or `refuse`.
 * - `get` (fetcher → holder): the `n` bytes at offset `o` of blob `h`, within an open session.
 *   Answered by `chunk` or `refuse`. The holder sends nothing it was not asked for: a fetcher with W
 *   `get`s outstanding has at most W chunks on their way to it (flow control by pull).
 * - `close` (fetcher → holder): the fetch is over; the holder forgets the session.
 * Every field is bounded by the schema, so what a stranger sends is refused before it costs memory.
 */

/**
 * The most bytes one `chunk` may carry: twice the default chunk (actors/blob/blob-transfer.ts), and,
 * with the message's own bytes and an envelope around it, well under the 1 MiB frame limit.
 */
export const MAX_CHUNK_BYTES = 512 << 10

/** The largest blob size or offset that can be named: 2^40 bytes, far past any store's limit. */
const MAX_WIRE_OFFSET = 2 ** 40

const Hash = exactBytes(BLOB_HASH_BYTES)
const Offset = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(MAX_WIRE_OFFSET))
const Length = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(MAX_CHUNK_BYTES))

/** Why a holder did not serve: it lacks the blob, serves too many already, its copy is damaged, or no session is open. */
export const RefuseReason = Schema.Literals(['unknown', 'busy', 'corrupt', 'no-session', 'bad-range'])
export type RefuseReason = typeof RefuseReason.Type

export const BlobMessage = Schema.Union([
  Schema.Struct({ t: Schema.Literal('open'), h: Hash }),
  Schema.Struct({ t: Schema.Literal('size'), h: Hash, n: Offset }),
  Schema.Struct({ t: Schema.Literal('get'), h: Hash, o: Offset, n: Length }),
  Schema.Struct({ t: Schema.Literal('chunk'), h: Hash, o: Offset, b: Schema.Uint8Array.check(Schema.isMaxLength(MAX_CHUNK_BYTES)) }),
  Schema.Struct({ t: Schema.Literal('refuse'), h: Hash, why: RefuseReason }),
  Schema.Struct({ t: Schema.Literal('close'), h: Hash }),
])
export type BlobMessage = typeof BlobMessage.Type
