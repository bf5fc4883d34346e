import { Result, Schema } from 'effect'
import { decodeFrame, encode } from '../../core/codec.ts'
import { PublicKey, Signature, exactBytes } from '../../core/schemas.ts'
import type { Signer } from '../../core/transport.ts'
import { readEntry } from '../consensus/entries.ts'
import type { Evidence } from '../consensus/evidence.ts'
import { MAX_ENTRY_BYTES, MAX_HEIGHT } from '../consensus/messages.ts'

/**
 * The ledger's own entry kinds (docs/reputation.md, *Entries*). Each is a typed entry of the committed
 * log (actors/consensus/entries.ts: a MessagePack map with a string `kind`), signed by `by` over a
 * domain-separated encoding of its other fields, in their declared order. Reputation evidence names
 * its witness (`by`) and its subject (`about`); stake entries are signed by the holder. Every entry
 * carries `seq`, the signer's own counter, so the same evidence committed twice counts once (the
 * ledger keeps a replay window per signer). Consensus's `evidence` kind (equivocation) is read here too.
 */

/** What a signature covers before the fields: a ledger entry's signature is valid as nothing else. */
const LEDGER_DOMAIN = 'vain/ledger/1'

/** A signer's counter: far past any run, an exact integer. */
export const MAX_SEQ = 2 ** 48
/** A heartbeat window holds at most this many beats (one a second for an hour): an attestation summarises one window. */
export const MAX_BEATS = 3600
/**
 * The largest stake balance, in whole units. 2^39 × 10,000 (the basis points of a slash) is 2^53 at
 * most, so `balance × bps / 10,000` is exact integer arithmetic on every replica.
 */
export const MAX_BALANCE = 2 ** 39

const Hash = exactBytes(32)
const Int = (min: number, max: number) => Schema.Int.check(Schema.isGreaterThanOrEqualTo(min), Schema.isLessThanOrEqualTo(max))
const Seq = Int(0, MAX_SEQ)
/** The witness, its subject, its counter and its signature: the fields every piece of reputation evidence has. */
const Witnessed = { by: PublicKey, about: PublicKey, seq: Seq, sig: Signature }
const Held = { by: PublicKey, amount: Int(1, MAX_BALANCE), seq: Seq, sig: Signature }

/** A resource the witness checked by a challenge (`challenge`: the hash of the challenge and its answer), not a claim. */
export const ResourceEntry = Schema.Struct({ kind: Schema.Literal('rep/resource'), ...Witnessed, resource: Schema.Literals(['cpu', 'storage', 'bandwidth']), ok: Schema.Boolean, challenge: Hash })
/** A task the subject completed (`ok`) or failed, as the witness verified it against `challenge`. */
export const TaskEntry = Schema.Struct({ kind: Schema.Literal('rep/task'), ...Witnessed, task: Hash, ok: Schema.Boolean, challenge: Hash })
/** Heartbeats of window `window` the subject answered, of those the witness sent. */
export const UptimeEntry = Schema.Struct({ kind: Schema.Literal('rep/uptime'), ...Witnessed, window: Int(0, MAX_HEIGHT), answered: Int(0, MAX_BEATS), expected: Int(1, MAX_BEATS) })
/** The outcome of audit `audit` of the subject. */
export const AuditEntry = Schema.Struct({ kind: Schema.Literal('rep/audit'), ...Witnessed, audit: Hash, passed: Schema.Boolean })
/** Peer feedback on one interaction (`interaction`: its hash), good or bad. */
export const FeedbackEntry = Schema.Struct({ kind: Schema.Literal('rep/feedback'), ...Witnessed, interaction: Hash, positive: Schema.Boolean })
/** A misbehaviour signal the witness's runtime raised against the subject (docs/runtime.md's `signal`s). */
export const MisbehaviourEntry = Schema.Struct({ kind: Schema.Literal('rep/misbehaviour'), ...Witnessed, signal: Schema.Literals(['bad-signature', 'flood', 'undecodable']) })
/** The holder bonds `amount` of its balance: bonded stake weighs in votes and can be slashed. */
export const BondEntry = Schema.Struct({ kind: Schema.Literal('stake/bond'), ...Held })
/** The holder starts unbonding `amount`: it returns to the balance after the unbonding delay, slashable until then. */
export const UnbondEntry = Schema.Struct({ kind: Schema.Literal('stake/unbond'), ...Held })

const SCHEMAS = [ResourceEntry, TaskEntry, UptimeEntry, AuditEntry, FeedbackEntry, MisbehaviourEntry, BondEntry, UnbondEntry] as const
export const LedgerEntry = Schema.Union(SCHEMAS)
export type LedgerEntry = typeof LedgerEntry.Type
export type LedgerKind = LedgerEntry['kind']
export type WitnessedEntry = Extract<LedgerEntry, { about: Uint8Array }>
export type StakeEntry = Extract<LedgerEntry, { amount: number }>
/** An entry of any kind before it is signed (the union of each kind without `sig`). */
export type UnsignedEntry = LedgerEntry extends infer E ? (E extends unknown ? Omit<E, 'sig'> : never) : never

/** Each kind's fields in declared order, but the signature: what its signature covers. */
const SIGNED_FIELDS = new Map<string, readonly string[]>(SCHEMAS.map((s) => [s.fields.kind.literal, Object.keys(s.fields).filter((f) => f !== 'sig')]))
export const LEDGER_KINDS: readonly LedgerKind[] = [...SIGNED_FIELDS.keys()] as LedgerKind[]

/** The bytes `entry.by` signs: the domain, then every field but `sig` in the kind's order. */
export function ledgerPayload(entry: UnsignedEntry): Uint8Array {
  const fields = SIGNED_FIELDS.get(entry.kind) as readonly string[]
  return encode([LEDGER_DOMAIN, ...fields.map((f) => (entry as Record<string, unknown>)[f])])
}

/** `unsigned`, signed by `signer` (whose key must be `unsigned.by`). */
export function signLedgerEntry(unsigned: UnsignedEntry, signer: Signer): LedgerEntry {
  return { ...unsigned, sig: signer.sign(ledgerPayload(unsigned)) } as LedgerEntry
}

/** The committed entry that carries `entry`. */
export function ledgerEntryBytes(entry: LedgerEntry): Uint8Array {
  return encode(entry)
}

/** What a committed entry is to the ledger. */
export type LedgerReading =
  | { readonly kind: 'ledger'; readonly entry: LedgerEntry }
  | { readonly kind: 'evidence'; readonly evidence: Evidence }
  /** Tagged with a ledger kind (or `evidence`) but not a valid one: refused, counted. */
  | { readonly kind: 'malformed'; readonly detail: string }
  /** Not the ledger's: an application's entry (the scenario's load, a model hash). Ignored. */
  | { readonly kind: 'foreign' }

const Tagged = Schema.Struct({ kind: Schema.String })
const FOREIGN: LedgerReading = { kind: 'foreign' }
const isLedgerKind = (kind: string) => kind.startsWith('rep/') || kind.startsWith('stake/')

export function readLedgerEntry(bytes: Uint8Array): LedgerReading {
  // Consensus's reading first: it skips what cannot be a map without decoding it, and reads evidence.
  const reading = readEntry(bytes)
  if (reading.kind === 'evidence') return reading
  if (reading.kind === 'malformed-evidence') return { kind: 'malformed', detail: reading.detail }
  // Only a map (fixmap, map16, map32) can be typed: the rest is foreign without a decode (entries.ts says why).
  const first = bytes[0] ?? 0
  if ((first & 0xf0) !== 0x80 && first !== 0xde && first !== 0xdf) return FOREIGN
  const tagged = decodeFrame(bytes, Tagged, MAX_ENTRY_BYTES)
  if (Result.isFailure(tagged) || !isLedgerKind(tagged.success.kind)) return FOREIGN
  const entry = decodeFrame(bytes, LedgerEntry, MAX_ENTRY_BYTES)
  return Result.isSuccess(entry) ? { kind: 'ledger', entry: entry.success } : { kind: 'malformed', detail: entry.failure.message }
}
