import { COMPONENTS, type LedgerConfig, type ScoreComponent } from './config.ts'
import type { WitnessedEntry } from './entries.ts'
import { ReplayWindow } from './replay-window.ts'
import type { AccountRecord } from './snapshot.ts'

/**
 * One identity's state in the ledger, and the arithmetic over it: decay, score and tier at a height.
 * Pure functions of the account, the options and the height; the ledger (ledger.ts) decides when an
 * account changes.
 */

/** `suspendedUntil` of an account that is not suspended. */
export const NOT_SUSPENDED = -1

export interface Account {
  readonly publicKey: Uint8Array
  /** The height of the block that first named it (0 for genesis): its age counts from here. */
  readonly firstSeen: number
  /** Each component's value at height `at` (COMPONENTS order). */
  readonly components: Float64Array
  at: number
  auditsPassed: number
  auditsFailed: number
  /** Suspensions and equivocations: `banAfterViolations` of them ban. */
  violations: number
  /** The height of its next review, or NOT_SUSPENDED. */
  suspendedUntil: number
  banned: boolean
  balance: number
  bonded: number
  unbonding: number
  /** When `unbonding` returns to the balance. */
  releaseAt: number
  readonly replay: ReplayWindow
}

export const componentIndex = Object.fromEntries(COMPONENTS.map((c, i) => [c, i])) as Record<ScoreComponent, number>

/** A fresh account, first seen at height `h`. */
export function openAccount(publicKey: Uint8Array, h: number): Account {
  return {
    publicKey: Uint8Array.from(publicKey),
    firstSeen: h,
    components: new Float64Array(COMPONENTS.length),
    at: h,
    auditsPassed: 0,
    auditsFailed: 0,
    violations: 0,
    suspendedUntil: NOT_SUSPENDED,
    banned: false,
    balance: 0,
    bonded: 0,
    unbonding: 0,
    releaseAt: 0,
    replay: new ReplayWindow(),
  }
}

export function isSuspended(account: Account): boolean {
  return account.suspendedUntil !== NOT_SUSPENDED
}

/** Component `k`'s value decayed to height `h` (unweighted). */
export function componentAt(account: Account, k: number, h: number, config: LedgerConfig): number {
  return (account.components[k] as number) * (config.decays[k] as LedgerConfig['decays'][number]).factor(h - account.at)
}

/** The score at height `h`: the weighted sum of the decayed components. */
export function scoreAt(account: Account, h: number, config: LedgerConfig): number {
  let score = 0
  COMPONENTS.forEach((c, k) => {
    score += config.weights[c] * componentAt(account, k, h, config)
  })
  return score
}

/** 0 when banned, 1 when suspended (monitored), else 1 + the thresholds met in order (score, age and audits, all three). */
export function tierAt(account: Account, h: number, config: LedgerConfig): number {
  if (account.banned) return 0
  if (isSuspended(account)) return 1
  const score = scoreAt(account, h, config)
  let tier = 1
  for (const t of config.tiers) {
    if (score < t.score || h - account.firstSeen < t.ageBlocks || account.auditsPassed < t.auditsPassed) break
    tier++
  }
  return tier
}

/** Brings every component to height `h` (its decay since `at`), then adds `delta` to one. */
export function addTo(account: Account, component: ScoreComponent, delta: number, h: number, config: LedgerConfig): void {
  COMPONENTS.forEach((_, k) => {
    account.components[k] = componentAt(account, k, h, config)
  })
  account.at = h
  const k = componentIndex[component]
  account.components[k] = (account.components[k] as number) + delta
}

/** Which component a piece of evidence moves, and by how much (one unit, a share of one for uptime). */
export function effectOf(entry: WitnessedEntry): [ScoreComponent, number] {
  switch (entry.kind) {
    case 'rep/resource':
      return ['resource', entry.ok ? 1 : -1]
    case 'rep/task':
      return ['task', entry.ok ? 1 : -1]
    // Answering every heartbeat is +1, none −1: under half answered counts against.
    case 'rep/uptime':
      return ['uptime', (2 * entry.answered) / entry.expected - 1]
    case 'rep/audit':
      return ['audit', entry.passed ? 1 : -1]
    case 'rep/feedback':
      return ['feedback', entry.positive ? 1 : -1]
    case 'rep/misbehaviour':
      return ['misbehaviour', -1]
  }
}

/** The account as its snapshot record (snapshot.ts), field by field. */
export function accountRecord(a: Account): AccountRecord {
  return [a.publicKey, a.firstSeen, a.at, [...a.components], a.auditsPassed, a.auditsFailed, a.violations, a.suspendedUntil, a.banned, a.balance, a.bonded, a.unbonding, a.releaseAt, a.replay.highest, a.replay.seen]
}

/** The account a snapshot record describes. */
export function accountFromRecord(record: AccountRecord): Account {
  const [publicKey, firstSeen, at, components, auditsPassed, auditsFailed, violations, suspendedUntil, banned, balance, bonded, unbonding, releaseAt, highest, seen] = record
  const replay = new ReplayWindow()
  replay.highest = highest
  replay.seen = [...seen]
  return { publicKey, firstSeen, components: Float64Array.from(components), at, auditsPassed, auditsFailed, violations, suspendedUntil, banned, balance, bonded, unbonding, releaseAt, replay }
}
