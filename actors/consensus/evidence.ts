import { Schema } from 'effect'
import { asBuffer, bytesEqual } from '../../core/bytes.ts'
import { encode } from '../../core/codec.ts'
import { Signature } from '../../core/schemas.ts'
import { type SignatureVerifier, verify } from '../../core/sign.ts'
import type { Committee } from './committee.ts'
import { Hash, Height, MemberIndex, Round, ValidRound, proposalPayload, votePayload } from './messages.ts'

/**
 * Evidence of equivocation (docs/consensus.md, *Equivocation evidence*): two messages one member signed
 * for the same height, round and step, over different values. An honest member never signs two (its
 * durable last-signed record forbids it), so the pair proves the member Byzantine to anyone who holds
 * the committee's keys, without trusting whoever reported it. It travels as a committed entry
 * (entries.ts), which a ledger turns into penalties and slashing.
 */

/** The kind tag of an evidence entry (entries.ts: a typed entry is a map with a string `kind`). */
export const EVIDENCE_KIND = 'evidence'

/** What the two messages are: a leader's proposals, or a member's votes of one kind. */
export const EvidenceStep = Schema.Literals(['proposal', 'prevote', 'precommit'])
export type EvidenceStep = typeof EvidenceStep.Type

/**
 * One of the two signed messages, as much of it as its signature covers beside (h, r, step): the block
 * hash (null for a nil vote), the valid round of a proposal (−1 for a vote, whose payload has none),
 * and the signature.
 */
export const SignedValue = Schema.Struct({ x: Schema.NullOr(Hash), vr: ValidRound, sig: Signature })
export type SignedValue = typeof SignedValue.Type

/** Member `s` signed both `a` and `b` at (h, r, step). ~260 bytes encoded, far under MAX_ENTRY_BYTES. */
export const Evidence = Schema.Struct({
  kind: Schema.Literal(EVIDENCE_KIND),
  step: EvidenceStep,
  h: Height,
  r: Round,
  s: MemberIndex,
  a: SignedValue,
  b: SignedValue,
})
export type Evidence = typeof Evidence.Type

/** Why a piece of evidence proves nothing. */
export type EvidenceFlaw =
  /** `s` names no member of the committee. */
  | 'unknown-member'
  /** A proposal without a block hash, or a vote with a valid round: no such message was ever signed. */
  | 'malformed'
  /** The two messages are one message: signing it twice is no offence. */
  | 'same-message'
  /** A signature is not the member's over that message (another key, another height, round or value). */
  | 'bad-signature'

/**
 * The evidence that member `s` signed `one` and `other` at (h, r, step). The pair is put in the order
 * of its signatures' bytes, so two members that saw the same pair write the same entry (one hash).
 */
export function evidenceOf(step: EvidenceStep, h: number, r: number, s: number, one: SignedValue, other: SignedValue): Evidence {
  const [a, b] = Buffer.compare(asBuffer(one.sig), asBuffer(other.sig)) <= 0 ? [one, other] : [other, one]
  return { kind: EVIDENCE_KIND, step, h, r, s, a, b }
}

/** The entry that carries `evidence` to the log. */
export function evidenceEntry(evidence: Evidence): Uint8Array {
  return encode(evidence)
}

/**
 * What one piece of evidence is about: an offender, a height, a round. One is enough to punish a
 * member for a round (the step and the pair do not matter), so pools and ledgers keep one per key.
 */
export function evidenceKey(evidence: Evidence): string {
  return `${evidence.s}:${evidence.h}:${evidence.r}`
}

/** What the member signed for one side, or undefined when no message of that step looks like it. */
function payloadOf(evidence: Evidence, side: SignedValue): Uint8Array | undefined {
  const { step, h, r } = evidence
  if (step === 'proposal') return side.x === null ? undefined : proposalPayload(h, r, side.vr, side.x)
  return side.vr === -1 ? votePayload(step, h, r, side.x) : undefined
}

/**
 * Why `evidence` proves nothing against `committee` (the committee of height `evidence.h`), or
 * undefined when it holds: two valid signatures of the same member over different messages for the
 * same (h, r, step). `verifier` (a node's shared one) memoises the checks; without it each is fresh.
 */
export function evidenceFlaw(evidence: Evidence, committee: Committee, verifier?: SignatureVerifier): EvidenceFlaw | undefined {
  const member = committee.members[evidence.s]
  if (member === undefined) return 'unknown-member'
  const a = payloadOf(evidence, evidence.a)
  const b = payloadOf(evidence, evidence.b)
  if (a === undefined || b === undefined) return 'malformed'
  if (bytesEqual(a, b)) return 'same-message'
  const holds = (payload: Uint8Array, sig: Uint8Array) => (verifier === undefined ? verify(member.publicKey, payload, sig) : verifier.verify(member.publicKey, payload, sig))
  return holds(a, evidence.a.sig) && holds(b, evidence.b.sig) ? undefined : 'bad-signature'
}

/** Whether `evidence` proves that one member of `committee` equivocated: what a ledger checks before it punishes. */
export function verifyEvidence(evidence: Evidence, committee: Committee, verifier?: SignatureVerifier): boolean {
  return evidenceFlaw(evidence, committee, verifier) === undefined
}
