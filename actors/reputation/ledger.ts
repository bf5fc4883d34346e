import { Result } from 'effect'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { ConfigError, ReasonedError } from '../../core/errors.ts'
import { blake2b } from '../../core/hash.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { MAX_MEMBER_WEIGHT, type Committee } from '../consensus/committee.ts'
import { evidenceKey, verifyEvidence, type Evidence } from '../consensus/evidence.ts'
import type { Commit } from '../consensus/messages.ts'
import { genesisAmount, ledgerConfig, type LedgerConfig, type LedgerOptions, type ScoreComponent } from './config.ts'
import { MAX_BALANCE, ledgerPayload, readLedgerEntry, type LedgerEntry, type StakeEntry, type WitnessedEntry } from './entries.ts'
import { accountFromRecord, accountRecord, addTo, componentAt, componentIndex, effectOf, isSuspended, NOT_SUSPENDED, openAccount, scoreAt, tierAt, type Account } from './account.ts'
import { LedgerSnapshot, MAX_SNAPSHOT_BYTES, SNAPSHOT_VERSION } from './snapshot.ts'

/**
 * The reputation ledger (docs/reputation.md): a deterministic state machine over the committed log.
 * `apply(commit)` takes each committed block once, in height order, and its entries in block order;
 * everything it reads is in the block or in its own state, and time is the block's height, so every
 * replica that applies the same chain holds the same state (`digest`). Queries read; they never change
 * anything (decay is computed at the last applied height, not stored).
 *
 * A committed entry is not a trusted one: a Byzantine leader may commit junk (consensus checks only
 * equivocation evidence), so every entry is checked here, and one that fails (a bad signature, an
 * unknown witness, a self-report, a replay, a value out of bounds) changes nothing and is counted by
 * reason. `apply` never throws on an entry's content; it throws only when called out of order.
 */

/** Why a committed entry changed nothing. */
export type LedgerRefusal =
  /** Tagged as a ledger kind or as evidence, but not valid as one. */
  | 'malformed'
  | 'bad-signature'
  /** The witness (or the holder of a stake entry) is untracked, banned, suspended or below the witness tier. */
  | 'unknown-witness'
  /** A node cannot raise (or lower) its own score. */
  | 'self-report'
  /** A field within its schema but not within reason: more beats answered than sent. */
  | 'over-bounds'
  /** The signer's counter was taken already, or is older than its replay window. */
  | 'replayed'
  /** A new identity past `maxIdentities`. */
  | 'identity-table-full'
  /** Equivocation evidence that does not verify against the committee (or no committee is known). */
  | 'unverified-evidence'
  /** Equivocation already punished for that offender, height and round (`evidenceKey`). */
  | 'repeated-evidence'
  | 'insufficient-balance'
  /** Evidence about a banned identity: nothing more can happen to it. */
  | 'banned'
  /** Past `maxEntriesPerBlock` in one block. */
  | 'too-many-entries'

/** `out-of-order`: a block other than the next height; `corrupt-snapshot`: a snapshot that cannot be restored. */
export class LedgerError extends ReasonedError<'out-of-order' | 'corrupt-snapshot'> {
  readonly _tag = 'LedgerError' as const
  override readonly name = 'LedgerError'
}

/** An identity: its Ed25519 public key, as bytes or hex. */
export type Identity = Uint8Array | string

/** One member of the committee a future epoch would take. */
export interface CommitteeCandidate {
  readonly identity: string
  readonly publicKey: Uint8Array
  readonly weight: number
}

/** What one block did to the ledger. */
export interface BlockOutcome {
  readonly applied: number
  readonly refused: number
  readonly foreign: number
}

/** The committee cap: a committee, not the network. */
export const DEFAULT_COMMITTEE_CAP = 100
const BPS = 10_000

/** What a ledger shares with its node: the committee whose members' equivocations it can check, and the node's verifier. */
export interface LedgerDependencies {
  /** The committee that signed the chain (with epochs: the committee of the evidence's height). Without one, equivocation evidence is refused. */
  readonly committee?: Committee
  readonly verifier?: SignatureVerifier
}

const hexOf = (identity: Identity) => (typeof identity === 'string' ? identity.toLowerCase() : toHex(identity))

export class ReputationLedger {
  private readonly config: LedgerConfig
  private readonly accounts = new Map<string, Account>()
  private readonly suspended = new Set<string>()
  private readonly unbonding = new Set<string>()
  /** Equivocations punished (`evidenceKey`): at most banAfterViolations per committee member, since a banned offender's evidence is refused. */
  private readonly punished = new Set<string>()
  private readonly refusals = new Map<LedgerRefusal, number>()
  private next = 0
  /** The node's shared verifier (its memo checks each signature once), or one of the ledger's own. */
  private readonly verifier: SignatureVerifier
  /** Stake slashed and burnt, in all. */
  slashed = 0
  /** Entries applied, and entries that were not the ledger's, since genesis. */
  applied = 0
  foreign = 0

  constructor(
    options: LedgerOptions = {},
    private readonly dependencies: LedgerDependencies = {},
  ) {
    this.config = ledgerConfig(options)
    this.verifier = dependencies.verifier ?? new SignatureVerifier()
    for (const [i, g] of (options.genesis ?? []).entries()) {
      const balance = genesisAmount(`genesis[${i}].balance`, g.balance)
      const bonded = genesisAmount(`genesis[${i}].bonded`, g.bonded)
      if (balance + bonded > MAX_BALANCE) throw new ConfigError(`ledger option genesis[${i}]: balance and bonded stake add up past ${MAX_BALANCE}`)
      const hex = toHex(g.publicKey)
      if (this.accounts.has(hex)) throw new ConfigError(`ledger option genesis[${i}]: ${hex} is listed twice`)
      if (this.accounts.size >= this.config.maxIdentities) throw new ConfigError(`ledger option genesis: more than maxIdentities (${this.config.maxIdentities}) accounts`)
      const account = this.open(g.publicKey, 0)
      account.balance = balance
      account.bonded = bonded
    }
  }

  /** The height the next `apply` must carry: the number of blocks applied. */
  get nextHeight(): number {
    return this.next
  }

  /** The height queries are answered at: the last block applied (0 before any). */
  get height(): number {
    return Math.max(0, this.next - 1)
  }

  /** How many identities are tracked. */
  get identities(): number {
    return this.accounts.size
  }

  /** Committed entries refused for `reason` since genesis. */
  refused(reason: LedgerRefusal): number {
    return this.refusals.get(reason) ?? 0
  }

  /** Every refusal so far, by reason. */
  get refusedByReason(): Readonly<Partial<Record<LedgerRefusal, number>>> {
    return Object.fromEntries(this.refusals)
  }

  /**
   * Applies the committed block of `commit` (the next height: blocks are taken once, in order, as
   * `onCommit` hands them out). Throws LedgerError `out-of-order` otherwise, changing nothing.
   */
  apply(commit: Pick<Commit, 'b'>): BlockOutcome {
    const { h, entries } = commit.b
    if (h !== this.next) throw new LedgerError('out-of-order', `the ledger takes height ${this.next} next, not ${h}`)
    this.next = h + 1
    this.releaseAndReview(h)
    let applied = 0
    let refused = 0
    let foreign = 0
    entries.forEach((bytes, i) => {
      const outcome = i >= this.config.maxEntriesPerBlock ? 'too-many-entries' : this.applyEntry(bytes, h)
      if (outcome === 'applied') applied++
      else if (outcome === 'foreign') foreign++
      else {
        refused++
        this.refusals.set(outcome, (this.refusals.get(outcome) ?? 0) + 1)
      }
    })
    this.applied += applied
    this.foreign += foreign
    return { applied, refused, foreign }
  }

  private applyEntry(bytes: Uint8Array, h: number): LedgerRefusal | 'applied' | 'foreign' {
    const reading = readLedgerEntry(bytes)
    switch (reading.kind) {
      case 'foreign':
        return 'foreign'
      case 'malformed':
        return 'malformed'
      case 'evidence':
        return this.applyEquivocation(reading.evidence, h) ?? 'applied'
      case 'ledger':
        return (reading.entry.kind.startsWith('stake/') ? this.applyStake(reading.entry as StakeEntry, h) : this.applyWitnessed(reading.entry as WitnessedEntry, h)) ?? 'applied'
    }
  }

  /** Checks that the signer may sign, its signature and its counter; undefined when all hold. Changes nothing. */
  private signerFlaw(entry: LedgerEntry, signer: Account | undefined, h: number, minTier: number): LedgerRefusal | undefined {
    if (signer === undefined || this.tierAt(signer, h) < minTier) return 'unknown-witness'
    if (!this.verifier.verify(entry.by, ledgerPayload(entry), entry.sig)) return 'bad-signature'
    return signer.replay.admits(entry.seq, this.config.replayWindow) ? undefined : 'replayed'
  }

  private applyWitnessed(entry: WitnessedEntry, h: number): LedgerRefusal | undefined {
    const about = toHex(entry.about)
    if (about === toHex(entry.by)) return 'self-report'
    if (entry.kind === 'rep/uptime' && entry.answered > entry.expected) return 'over-bounds'
    const witness = this.accounts.get(toHex(entry.by))
    // A suspended witness's tier is 1 but it may not report: its word is what is under review.
    const flaw = witness !== undefined && isSuspended(witness) ? 'unknown-witness' : this.signerFlaw(entry, witness, h, this.config.witnessMinTier)
    if (flaw !== undefined) return flaw
    const known = this.accounts.get(about)
    if (known?.banned === true) return 'banned'
    if (known === undefined && this.accounts.size >= this.config.maxIdentities) return 'identity-table-full'
    ;(witness as Account).replay.take(entry.seq, this.config.replayWindow)
    const subject = known ?? this.open(entry.about, h)
    const [component, delta] = effectOf(entry)
    addTo(subject, component, delta, h, this.config)
    if (entry.kind === 'rep/audit') {
      if (entry.passed) subject.auditsPassed++
      else subject.auditsFailed++
    }
    this.judge(subject, h)
    return undefined
  }

  private applyStake(entry: StakeEntry, h: number): LedgerRefusal | undefined {
    const holder = this.accounts.get(toHex(entry.by))
    // A holder signs for its own money: any tracked identity, banned or not (a ban takes reputation, not stake).
    const flaw = this.signerFlaw(entry, holder, h, 0)
    if (flaw !== undefined) return flaw
    const account = holder as Account
    if (entry.amount > (entry.kind === 'stake/bond' ? account.balance : account.bonded)) return 'insufficient-balance'
    account.replay.take(entry.seq, this.config.replayWindow)
    if (entry.kind === 'stake/bond') {
      account.balance -= entry.amount
      account.bonded += entry.amount
    } else {
      account.bonded -= entry.amount
      account.unbonding += entry.amount
      // One unbonding amount per holder: a later unbond adds to it and restarts its delay.
      account.releaseAt = h + this.config.unbondDelayBlocks
      this.unbonding.add(toHex(entry.by))
    }
    return undefined
  }

  private applyEquivocation(evidence: Evidence, h: number): LedgerRefusal | undefined {
    const { committee } = this.dependencies
    if (committee === undefined) return 'unverified-evidence'
    const key = evidenceKey(evidence)
    if (this.punished.has(key)) return 'repeated-evidence'
    if (!verifyEvidence(evidence, committee, this.verifier)) return 'unverified-evidence'
    const publicKey = (committee.members[evidence.s] as Committee['members'][number]).publicKey
    const known = this.accounts.get(toHex(publicKey))
    if (known?.banned === true) return 'banned'
    if (known === undefined && this.accounts.size >= this.config.maxIdentities) return 'identity-table-full'
    this.punished.add(key)
    const offender = known ?? this.open(publicKey, h)
    const fromBonded = Math.floor((offender.bonded * this.config.slashBps) / BPS)
    const fromUnbonding = Math.floor((offender.unbonding * this.config.slashBps) / BPS)
    offender.bonded -= fromBonded
    offender.unbonding -= fromUnbonding
    this.slashed += fromBonded + fromUnbonding
    addTo(offender, 'equivocation', -1, h, this.config)
    this.violate(offender)
    this.judge(offender, h)
    return undefined
  }

  private open(publicKey: Uint8Array, h: number): Account {
    const account = openAccount(publicKey, h)
    this.accounts.set(toHex(publicKey), account)
    return account
  }

  /** A score below the threshold suspends an account that is not suspended already (a violation). */
  private judge(account: Account, h: number): void {
    if (account.banned || isSuspended(account) || this.scoreAt(account, h) >= this.config.suspendBelow) return
    account.suspendedUntil = h + this.config.reviewAfterBlocks
    this.suspended.add(toHex(account.publicKey))
    this.violate(account)
  }

  private violate(account: Account): void {
    account.violations++
    if (account.violations < this.config.banAfterViolations) return
    account.banned = true
    account.suspendedUntil = NOT_SUSPENDED
    this.suspended.delete(toHex(account.publicKey))
  }

  /** At the start of height `h`: unbonded stake due returns to the balance; suspensions due are reviewed. */
  private releaseAndReview(h: number): void {
    for (const hex of this.unbonding) {
      const account = this.accounts.get(hex) as Account
      if (account.releaseAt > h) continue
      account.balance += account.unbonding
      account.unbonding = 0
      this.unbonding.delete(hex)
    }
    for (const hex of this.suspended) {
      const account = this.accounts.get(hex) as Account
      if (account.suspendedUntil > h) continue
      if (this.scoreAt(account, h) >= this.config.suspendBelow) {
        account.suspendedUntil = NOT_SUSPENDED
        this.suspended.delete(hex)
      } else account.suspendedUntil = h + this.config.reviewAfterBlocks
    }
  }

  private scoreAt(account: Account, h: number): number {
    return scoreAt(account, h, this.config)
  }

  private tierAt(account: Account, h: number): number {
    return tierAt(account, h, this.config)
  }

  // Queries: at the last applied height; none changes anything.

  /** 0 for an untracked or banned identity; 1 (new, monitored) for a suspended one; else by the thresholds. */
  tierOf(identity: Identity): number {
    const account = this.accounts.get(hexOf(identity))
    return account === undefined ? 0 : this.tierAt(account, this.height)
  }

  /** The weighted sum of the decayed components (0 for an untracked identity). */
  scoreOf(identity: Identity): number {
    const account = this.accounts.get(hexOf(identity))
    return account === undefined ? 0 : this.scoreAt(account, this.height)
  }

  /** One component's decayed value, unweighted. */
  componentOf(identity: Identity, component: ScoreComponent): number {
    const account = this.accounts.get(hexOf(identity))
    return account === undefined ? 0 : componentAt(account, componentIndex[component], this.height, this.config)
  }

  /** Liquid balance, bonded stake, stake unbonding (slashable until it is released). */
  stakeOf(identity: Identity): { readonly balance: number; readonly bonded: number; readonly unbonding: number } {
    const account = this.accounts.get(hexOf(identity))
    return { balance: account?.balance ?? 0, bonded: account?.bonded ?? 0, unbonding: account?.unbonding ?? 0 }
  }

  /** Violations so far, audits passed and failed. */
  recordOf(identity: Identity): { readonly violations: number; readonly auditsPassed: number; readonly auditsFailed: number } {
    const account = this.accounts.get(hexOf(identity))
    return { violations: account?.violations ?? 0, auditsPassed: account?.auditsPassed ?? 0, auditsFailed: account?.auditsFailed ?? 0 }
  }

  isSuspended(identity: Identity): boolean {
    const account = this.accounts.get(hexOf(identity))
    return account !== undefined && isSuspended(account)
  }

  isBanned(identity: Identity): boolean {
    return this.accounts.get(hexOf(identity))?.banned === true
  }

  /** Votes by the configured rule: the tier (Tier 1 = 1 …), or the tier × bonded stake; 0 when suspended, banned or untracked. */
  votingWeight(identity: Identity): number {
    const account = this.accounts.get(hexOf(identity))
    return account === undefined ? 0 : this.weightOf(account)
  }

  private weightOf(account: Account): number {
    if (account.banned || isSuspended(account)) return 0
    const tier = this.tierAt(account, this.height)
    return this.config.votingRule === 'tier' ? tier : tier * account.bonded
  }

  /**
   * The committee an epoch starting now would take: the `cap` identities of highest voting weight
   * (ties: the lower public key in hex first), each weight capped at the consensus's MAX_MEMBER_WEIGHT.
   * Identities of weight 0 never sit.
   */
  eligibleCommittee(cap = DEFAULT_COMMITTEE_CAP): CommitteeCandidate[] {
    const candidates: CommitteeCandidate[] = []
    for (const [identity, account] of this.accounts) {
      const weight = this.weightOf(account)
      if (weight > 0) candidates.push({ identity, publicKey: account.publicKey, weight: Math.min(weight, MAX_MEMBER_WEIGHT) })
    }
    candidates.sort((a, b) => b.weight - a.weight || (a.identity < b.identity ? -1 : 1))
    return candidates.slice(0, cap)
  }

  /**
   * The state as one frame (snapshot.ts): every account in public-key order with its stored components
   * (not decayed: decay is a function of the stored state and the height), counters, penalties, stake
   * and replay window, then the punished offences. Counts of refusals are statistics, not state, and are
   * left out. `ReputationLedger.restore` reads it back.
   */
  snapshot(): Uint8Array {
    const accounts = [...this.accounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, account]) => accountRecord(account))
    const state: LedgerSnapshot = [SNAPSHOT_VERSION, this.next, this.slashed, accounts, [...this.punished].sort()]
    return encode(state)
  }

  /** BLAKE2b-256 of the snapshot, in hex: two replicas that applied the same chain have equal digests. */
  digest(): string {
    return toHex(blake2b(this.snapshot()))
  }

  /**
   * A ledger in the state `snapshot` describes, under `options` (those it was taken with), ready for the
   * block at the snapshot's next height. Throws LedgerError `corrupt-snapshot` when the bytes do not
   * decode, list an identity twice or hold more than `maxIdentities`.
   */
  static restore(snapshot: Uint8Array, options: Omit<LedgerOptions, 'genesis'> = {}, dependencies: LedgerDependencies = {}): ReputationLedger {
    const decoded = decodeFrame(snapshot, LedgerSnapshot, MAX_SNAPSHOT_BYTES)
    if (Result.isFailure(decoded)) throw new LedgerError('corrupt-snapshot', `a ledger snapshot does not decode: ${decoded.failure.message}`)
    const [, next, slashed, accounts, punished] = decoded.success
    const ledger = new ReputationLedger(options, dependencies)
    if (accounts.length > ledger.config.maxIdentities) throw new LedgerError('corrupt-snapshot', `a ledger snapshot holds ${accounts.length} identities, past maxIdentities (${ledger.config.maxIdentities})`)
    for (const record of accounts) {
      const account = accountFromRecord(record)
      const hex = toHex(account.publicKey)
      if (ledger.accounts.has(hex)) throw new LedgerError('corrupt-snapshot', `a ledger snapshot lists ${hex} twice`)
      ledger.accounts.set(hex, account)
      if (isSuspended(account)) ledger.suspended.add(hex)
      if (account.unbonding > 0) ledger.unbonding.add(hex)
    }
    for (const key of punished) ledger.punished.add(key)
    ledger.next = next
    ledger.slashed = slashed
    return ledger
  }
}
