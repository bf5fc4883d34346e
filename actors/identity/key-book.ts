import { Result, Schema } from 'effect'
import { bytesEqual, fromHex, toHex } from '../../core/bytes.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import { Count, PublicKey } from '../../core/schemas.ts'
import type { Storage } from '../../core/storage.ts'
import { RotationCertificate, certificateSignaturesHold } from './certificate.ts'
import { IdentityError } from './errors.ts'
import { IDENTITY_KEYS } from './storage-keys.ts'

/** Thirty days: how long a replaced key stays valid after a peer learns of its replacement. */
export const DEFAULT_GRACE_MS = 30 * 24 * 3600_000

/**
 * Identities whose certificate is held before anyone confirmed them (4,096). Anyone can mint an
 * identity and send its certificate, so this is the map a flood of fresh identities fills: past it,
 * the least recently used unconfirmed identity is forgotten (it sends its certificate again, as every
 * first contact does). 4,096 is far more than the peers that announce themselves within one ping's
 * round trip, which is how long an honest identity stays unconfirmed; at ~400 bytes a record, 1.6 MB.
 */
export const DEFAULT_MAX_PROVISIONAL_IDENTITIES = 4_096

/**
 * Confirmed identities kept (65,536, ~25 MiB of records on disk and in memory). Confirming costs an
 * identity a ping answered at an address it announced, within the peer actor's probe budget (64 at
 * once, then 4 a second: filling the cap takes 4.5 hours of answered probes), so an attacker that
 * answers pings could still confirm identities without end; past the cap the identity silent the
 * longest (least recently used for a signature check) is forgotten, memory and disk, except a
 * protected one (`protect`: the caller's routing-table contacts), which is never forgotten. That puts
 * this node, for the forgotten identity, where a node that never heard of it stands: it trusts the
 * next certificate it is shown, which is the exposure every newcomer has.
 */
export const DEFAULT_MAX_CONFIRMED_IDENTITIES = 65_536

export interface KeyBookOptions {
  /** How long a replaced key stays valid after this node learns of its replacement (default DEFAULT_GRACE_MS). */
  readonly graceMs?: number
  /** Identities held unconfirmed (default DEFAULT_MAX_PROVISIONAL_IDENTITIES). */
  readonly maxProvisional?: number
  /** Identities held confirmed (default DEFAULT_MAX_CONFIRMED_IDENTITIES). */
  readonly maxConfirmed?: number
}

const PeerRecord = Schema.Struct({
  current: RotationCertificate,
  /** The key `current` replaced, and until when (this node's clock) it is still accepted. */
  previous: Schema.optionalKey(Schema.Struct({ key: PublicKey, until: Schema.Number })),
  /** Epochs before `previous`'s: refused as expired. */
  retiredBefore: Count,
})
type PeerRecord = typeof PeerRecord.Type

const STORAGE_PREFIX = IDENTITY_KEYS.peer

/**
 * What this node knows of other identities' keys: for each root, its latest certificate and the key
 * that certificate replaced, with the end of that key's grace window on this node's own clock (the
 * sender's clock is not trusted for it).
 *
 * An identity is provisional until the caller confirms it (`confirm`: it answered a ping at an address
 * it announced; a link proving its key is not enough, as links cost an attacker nothing): its record
 * lives in memory only, in a bounded LRU, and costs no disk. A confirmed identity's record is written and synced at once, and every later certificate
 * of it too: a restart that forgot a rotation would trust the replaced (perhaps stolen) key again.
 * (Found by the rotation scenario: a crash soon after a rotation brought a stolen key back into use.)
 * Confirmed identities are bounded too (DEFAULT_MAX_CONFIRMED_IDENTITIES): the one silent the longest
 * and not protected is forgotten, in memory and on disk, and whoever keeps state by identity is told
 * (`onForget`).
 */
export class KeyBook {
  private readonly confirmed: BoundedMap<string, PeerRecord>
  private readonly provisional: BoundedMap<string, PeerRecord>
  /** Confirmed identities evicted since the last write, to delete from storage then. */
  private forgotten: string[] = []
  private readonly forgetHandlers: ((root: string, storage: Storage) => void)[] = []
  /** Says, each for its caller, which identities are never evicted (routing-table contacts); default none. */
  private readonly protectors: ((root: Uint8Array) => boolean)[] = []
  private readonly graceMs: number

  constructor(
    private readonly verifier: SignatureVerifier,
    options: KeyBookOptions = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    if (!(this.graceMs >= 0)) throw new RangeError(`the grace window must be 0 or more, got ${this.graceMs}`)
    this.provisional = new BoundedMap(options.maxProvisional ?? DEFAULT_MAX_PROVISIONAL_IDENTITIES)
    this.confirmed = new BoundedMap(options.maxConfirmed ?? DEFAULT_MAX_CONFIRMED_IDENTITIES, (root) => this.forgotten.push(root))
  }

  /** Calls `handler` with each confirmed identity the book forgets (to drop state kept by identity). */
  onForget(handler: (root: string, storage: Storage) => void): void {
    this.forgetHandlers.push(handler)
  }

  /**
   * Adds a say in which identities must never be evicted to make room for another: the peers a
   * component talks to (the DHT's routing-table contacts; a committee's validators). An identity is
   * protected when any caller protects it. A confirmation that would need to evict a protected one
   * does not happen; the newcomer stays provisional.
   */
  protect(isProtected: (root: Uint8Array) => boolean): void {
    this.protectors.push(isProtected)
  }

  private isProtected(root: Uint8Array): boolean {
    return this.protectors.some((isProtected) => isProtected(root))
  }

  /** Reloads the confirmed records a previous run persisted (and forgets every provisional one). */
  load(storage: Storage): void {
    this.confirmed.clear()
    this.provisional.clear()
    for (const key of storage.keys(STORAGE_PREFIX)) {
      const record = decodeFrame(storage.get(key)!, PeerRecord)
      if (Result.isSuccess(record)) this.confirmed.set(key.slice(STORAGE_PREFIX.length), record.success)
    }
    this.dropForgotten(storage)
  }

  /** How many identities are held unconfirmed (bounded by the capacity given at construction). */
  get provisionalCount(): number {
    return this.provisional.size
  }

  /** Whether `root` was confirmed (here or in a run before). */
  isConfirmed(root: Uint8Array): boolean {
    return this.confirmed.has(toHex(root))
  }

  /**
   * Confirms `root`: its record becomes durable (written and synced before this returns). At the cap,
   * the least recently used confirmed identity that is not protected is forgotten to make room. Says
   * whether the root is now confirmed (false when no certificate of it is held, or when every
   * confirmed identity is protected).
   */
  confirm(root: Uint8Array, storage: Storage): boolean {
    const hex = toHex(root)
    if (this.confirmed.has(hex)) return true
    const record = this.provisional.peek(hex)
    if (record === undefined) return false
    if (this.confirmed.size >= this.confirmed.capacity) {
      const victim = this.unprotectedLeastRecent(this.confirmed)
      if (victim === undefined) return false
      this.confirmed.delete(victim)
      this.forgotten.push(victim)
    }
    this.provisional.delete(hex)
    this.confirmed.set(hex, record)
    this.persist(hex, record, storage)
    return true
  }

  // The least recently used identity of `map` that is not protected; the protected ones passed over
  // move to the recent end, so the next search does not scan them again.
  private unprotectedLeastRecent(map: BoundedMap<string, PeerRecord>): string | undefined {
    const passed: string[] = []
    let victim: string | undefined
    for (const root of map.keys()) {
      if (!this.isProtected(fromHex(root))) {
        victim = root
        break
      }
      passed.push(root)
    }
    for (const root of passed) map.get(root)
    return victim
  }

  // The identities evicted by the last confirmation leave storage with it (synced by its persist or
  // the next one), and every holder of per-identity state hears of it.
  private dropForgotten(storage: Storage): void {
    for (const root of this.forgotten.splice(0)) {
      storage.delete(STORAGE_PREFIX + root)
      for (const handler of this.forgetHandlers) handler(root, storage)
    }
  }

  /**
   * Learns `cert`. A first certificate for a root is taken on the root's signature (the root is the
   * identity, so it is self-certifying); a later one must be newer, and when it is the very next epoch
   * it must name the key it replaces. Two different keys for one epoch are equivocation.
   */
  learn(cert: RotationCertificate, now: number, storage: Storage): Result.Result<'new' | 'known', IdentityError> {
    const verify = (k: Uint8Array, m: Uint8Array, s: Uint8Array) => this.verifier.verify(k, m, s)
    const root = toHex(cert.root)
    const known = this.confirmed.get(root) ?? this.provisional.get(root)
    if (known !== undefined && cert.epoch <= known.current.epoch) {
      if (cert.epoch < known.current.epoch || bytesEqual(cert.key, known.current.key)) return Result.succeed('known')
      if (certificateSignaturesHold(cert, verify)) return fail(`two keys certified for epoch ${cert.epoch} of ${short(root)}: equivocation`)
    }
    if (!certificateSignaturesHold(cert, verify)) return fail(`a certificate of ${short(root)} whose signatures do not hold`)
    if (cert.epoch === 0 && !bytesEqual(cert.prev, cert.root)) return fail('an epoch-0 certificate must be signed over from the root')
    if (known !== undefined && cert.epoch === known.current.epoch + 1 && !bytesEqual(cert.prev, known.current.key)) {
      return fail(`epoch ${cert.epoch} of ${short(root)} does not replace the key of epoch ${known.current.epoch}`)
    }
    const record: PeerRecord =
      known === undefined
        ? { current: cert, retiredBefore: cert.epoch }
        : { current: cert, previous: { key: known.current.key, until: now + this.graceMs }, retiredBefore: known.current.epoch }
    if (this.confirmed.has(root)) {
      this.confirmed.set(root, record)
      this.persist(root, record, storage)
    } else if (this.provisional.has(root) || this.provisionalRoom()) this.provisional.set(root, record)
    return Result.succeed('new')
  }

  // Makes room for one more unconfirmed identity: a routing-table contact known only by its link (its
  // announced address unreachable, or its ping not yet sent) is never the one forgotten, so a flood of
  // fresh identities cannot make the node take an old certificate of a contact again. Says whether
  // there is room (none only when every unconfirmed identity is a contact).
  private provisionalRoom(): boolean {
    if (this.provisional.size < this.provisional.capacity) return true
    const victim = this.unprotectedLeastRecent(this.provisional)
    if (victim !== undefined) this.provisional.delete(victim)
    return victim !== undefined
  }

  // Synced at once: a restart that forgot a rotation would trust the replaced key again.
  private persist(root: string, record: PeerRecord, storage: Storage): void {
    storage.put(STORAGE_PREFIX + root, encode(record))
    this.dropForgotten(storage)
    storage.sync()
  }

  private recordOf(root: Uint8Array): PeerRecord | undefined {
    const hex = toHex(root)
    return this.confirmed.get(hex) ?? this.provisional.peek(hex) // a use: the confirmed one stays recent
  }

  /** The key that signs for `root` in `epoch` now, or why there is none. */
  keyFor(root: Uint8Array, epoch: number, now: number): Result.Result<Uint8Array, IdentityError> {
    const record = this.recordOf(root)
    if (record === undefined || epoch > record.current.epoch) return Result.fail(new IdentityError('unknown-key', `no certificate for epoch ${epoch} of ${short(toHex(root))}`))
    if (epoch === record.current.epoch) return Result.succeed(record.current.key)
    if (epoch === record.retiredBefore && record.previous !== undefined && now <= record.previous.until) return Result.succeed(record.previous.key)
    return Result.fail(new IdentityError('expired-key', `epoch ${epoch} of ${short(toHex(root))} was replaced and its grace window is over`))
  }

  /** The latest certificate known for `root`. */
  certificate(root: Uint8Array): RotationCertificate | undefined {
    return this.recordOf(root)?.current
  }
}

const fail = (message: string) => Result.fail(new IdentityError('bad-certificate', message))
const short = (hex: string) => hex.slice(0, 12)
