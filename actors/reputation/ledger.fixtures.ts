import { blake2b } from '../../core/hash.ts'
import type { Ed25519KeyPair } from '../../core/keys.ts'
import { keyPairSigner } from '../../core/sign.ts'
import { Committee } from '../consensus/committee.ts'
import { signedVote, testCommittee, testKeys } from '../consensus/consensus.fixtures.ts'
import { evidenceEntry, evidenceOf } from '../consensus/evidence.ts'
import { GENESIS_PARENT } from '../consensus/messages.ts'
import type { LedgerOptions } from './config.ts'
import { ledgerEntryBytes, signLedgerEntry, type LedgerEntry, type UnsignedEntry } from './entries.ts'
import { ReputationLedger } from './ledger.ts'

/**
 * Test support for the ledger: identities are the consensus fixtures' committee keys (testKeys), so
 * the same identities are ledger accounts and committee members whose equivocations can be proven.
 */

/** Identities 0..COMMITTEE_SIZE−1 are the committee; tests use a few more that are not members. */
export const COMMITTEE_SIZE = 4
export const committee = new Committee(testCommittee(Array.from({ length: COMMITTEE_SIZE }, () => 1)))
export const key = (i: number): Ed25519KeyPair => testKeys(i)
export const pub = (i: number): Uint8Array => testKeys(i).publicKey
export const hash = (label: string): Uint8Array => blake2b(new TextEncoder().encode(label))

/** A ledger whose genesis holds identities 0..genesis−1, each with `balance` and `bonded` stake. */
export function testLedger(options: LedgerOptions = {}, genesis = COMMITTEE_SIZE, stake = { balance: 1_000, bonded: 1_000 }): ReputationLedger {
  return new ReputationLedger({ genesis: Array.from({ length: genesis }, (_, i) => ({ publicKey: pub(i), ...stake })), ...options }, { committee })
}

type Body<K extends LedgerEntry['kind']> = Omit<Extract<LedgerEntry, { kind: K }>, 'sig' | 'kind' | 'by' | 'about' | 'seq'>

/** Entry bodies of each witnessed kind, valid as they are. */
export const BODIES = {
  'rep/resource': { resource: 'cpu', ok: true, challenge: hash('challenge') },
  'rep/task': { task: hash('task'), ok: true, challenge: hash('challenge') },
  'rep/uptime': { window: 7, answered: 3, expected: 4 },
  'rep/audit': { audit: hash('audit'), passed: true },
  'rep/feedback': { interaction: hash('interaction'), positive: true },
  'rep/misbehaviour': { signal: 'flood' },
} as const satisfies { [K in Exclude<LedgerEntry['kind'], `stake/${string}`>]: Body<K> }

export type WitnessedKind = keyof typeof BODIES

/** Identity `by` reports on `about`, signed by `signer` (default: by's own key). */
export function witnessed<K extends WitnessedKind>(kind: K, by: number, about: number, seq: number, body: Partial<Body<K>> = {}, signer = by): Uint8Array {
  const unsigned = { kind, by: pub(by), about: pub(about), seq, ...BODIES[kind], ...body } as UnsignedEntry
  return ledgerEntryBytes(signLedgerEntry(unsigned, keyPairSigner(key(signer))))
}

/** Identity `by` bonds or unbonds `amount`. */
export function stake(kind: 'stake/bond' | 'stake/unbond', by: number, amount: number, seq: number, signer = by): Uint8Array {
  return ledgerEntryBytes(signLedgerEntry({ kind, by: pub(by), amount, seq }, keyPairSigner(key(signer))))
}

/** Verified evidence that member `s` prevoted two blocks at (h, r). */
export function equivocation(s: number, h: number, r = 0): Uint8Array {
  const one = signedVote(s, 'prevote', h, r, hash(`one ${h}`))
  const other = signedVote(s, 'prevote', h, r, hash(`other ${h}`))
  return evidenceEntry(evidenceOf('prevote', h, r, s, { x: one.x, vr: -1, sig: one.sig }, { x: other.x, vr: -1, sig: other.sig }))
}

/** A committed block at height `h` holding `entries`: what `apply` reads of a commit. */
export function block(h: number, entries: readonly Uint8Array[] = []) {
  return { b: { h, parent: GENESIS_PARENT, by: 0, entries } }
}

/** Applies one block per list of entries, from the ledger's next height. */
export function applyAll(ledger: ReputationLedger, blocks: readonly (readonly Uint8Array[])[]): void {
  for (const entries of blocks) ledger.apply(block(ledger.nextHeight, entries))
}

/** Applies `count` empty blocks. */
export function skip(ledger: ReputationLedger, count: number): void {
  for (let i = 0; i < count; i++) ledger.apply(block(ledger.nextHeight))
}
