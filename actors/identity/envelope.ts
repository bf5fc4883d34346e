import { Result, Schema } from 'effect'
import { fromHex, toHex } from '../../core/bytes.ts'
import type { Context } from '../../core/actor.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { PROTOCOL_ID } from '../../core/component.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import { boundedBytes, Count, PublicKey, Signature } from '../../core/schemas.ts'
import { RotationCertificate } from './certificate.ts'
import { IdentityError } from './errors.ts'
import { DEFAULT_MAX_CONFIRMED_IDENTITIES, DEFAULT_MAX_PROVISIONAL_IDENTITIES, type KeyBook } from './key-book.ts'
import { Budget } from '../../core/budget.ts'
import { ReplayWindow } from './replay-window.ts'
import { IDENTITY_KEYS } from './storage-keys.ts'

/** The largest body an envelope carries (its own frame adds about 140 bytes, or 400 with a certificate). */
export const MAX_BODY_BYTES = 256 * 1024

/**
 * A protocol id as an envelope carries it (`kad/1`, `bft/1`): core/component.ts PROTOCOL_ID, at most
 * 37 characters (the length check comes first, so a long string costs no pattern match).
 */
export const ProtocolId = Schema.String.check(Schema.isMaxLength(37), Schema.isPattern(PROTOCOL_ID))

/**
 * A protocol message crossing a node boundary: the protocol it is for, the sender's identity (root
 * key), the epoch whose key signed, a sequence number unique for the sender, the message as an encoded
 * frame, and the signature. The protocol is signed, so a message signed for one protocol can never be
 * opened as another's. A sender attaches its current certificate when the receiver may not know the
 * epoch yet.
 */
export const SignedEnvelope = Schema.Struct({
  type: Schema.Literal('signed'),
  protocol: ProtocolId,
  root: PublicKey,
  epoch: Count,
  seq: Count,
  to: Schema.optionalKey(PublicKey),
  body: boundedBytes(MAX_BODY_BYTES),
  sig: Signature,
  cert: Schema.optionalKey(RotationCertificate),
})
export type SignedEnvelope = typeof SignedEnvelope.Type

// v2: the protocol joined the signed part (v1 envelopes signed no protocol).
const DOMAIN = 'vain.envelope.v2'

/** The bytes an envelope's signature covers: everything but the signature and the attached certificate. */
export function envelopeSignedPart(e: Pick<SignedEnvelope, 'protocol' | 'root' | 'epoch' | 'seq' | 'to' | 'body'>): Uint8Array {
  return encode([DOMAIN, e.protocol, e.root, e.epoch, e.seq, e.to ?? null, e.body])
}

const HIGH_WATER_PREFIX = IDENTITY_KEYS.seq

/**
 * Syncs of one confirmed identity's replay mark (per epoch): 1 a second, 16 saved up. Every envelope
 * that moves the mark costs an fsync before it is accepted, and a confirmed peer can send ~2,000 signed
 * envelopes a second over its link; past its budget such an envelope is refused (`rate-limited`)
 * before its signature is checked. An honest identity sends one receiver far less: its announcement
 * every 60 s; the burst covers an exchange sent back to back (two requests and their answers, a
 * greeting after an announcement). Reserving marks ahead instead would refuse an honest peer's next
 * envelopes after a restart (nothing on disk would say which reserved numbers were used).
 */
export const DEFAULT_MARK_SYNCS_PER_SECOND = 1
export const DEFAULT_MARK_SYNC_BURST = 16

export interface EnvelopeOpenerOptions {
  /** Identities whose replay windows are held unconfirmed (default DEFAULT_MAX_PROVISIONAL_IDENTITIES). */
  readonly maxProvisional?: number
  /** Syncs of one confirmed identity's replay mark per second (default DEFAULT_MARK_SYNCS_PER_SECOND). */
  readonly markSyncsPerSecond?: number
  /** How many of those syncs may be saved up (default DEFAULT_MARK_SYNC_BURST). */
  readonly markSyncBurst?: number
}

/**
 * Opens envelopes: refuses one signed for another protocol than the caller's, learns an attached
 * certificate, finds the key for (root, epoch), checks the signature (which covers the protocol),
 * refuses replays, then decodes the body through the caller's schema. Every refusal is a
 * typed IdentityError and a trace event (`envelope-rejected`), and leaves no state changed: the replay
 * window moves only for an envelope that passed every other check. (An attached certificate is
 * learnt first, but it authenticates itself, so it would be learnt the same from any carrier.)
 *
 * Like the key book, it holds an identity provisionally until the caller confirms it (`confirm`):
 * the certificate and replay windows of an unconfirmed identity live in memory only, in a bounded LRU,
 * so a flood of fresh identities costs neither disk nor unbounded memory. A confirmed identity's
 * replay windows are durable: a high-water mark that moves is written and synced before the envelope
 * is accepted, so a captured envelope is refused again after a crash and restart, even when accepting
 * it sent nothing (output commit alone syncs only what precedes a send). So that an identity cannot
 * make this node fsync at its sending rate, those syncs have a budget per identity and epoch
 * (DEFAULT_MARK_SYNCS_PER_SECOND, DEFAULT_MARK_SYNC_BURST); past it an envelope that would move the
 * mark is refused (`rate-limited`) before its signature is checked.
 */
export class EnvelopeOpener {
  /** Replay windows of confirmed identities by root, then epoch: each epoch key numbers its own envelopes' window. */
  private readonly windows = new Map<string, Map<number, ReplayWindow>>()
  /** The same for identities not yet confirmed: in memory only, least recently used evicted first. */
  private readonly provisional: BoundedMap<string, Map<number, ReplayWindow>>
  /**
   * The mark-sync budget of each confirmed identity, by root and epoch (`markKey`): at most two epochs
   * per identity the key book confirms, so one per identity fits nearly all; one evicted starts again
   * with a full burst, which costs at most one burst more.
   */
  private readonly markSyncs = new BoundedMap<string, Budget>(DEFAULT_MAX_CONFIRMED_IDENTITIES)
  private self = ''
  private readonly markSyncsPerSecond: number
  private readonly markSyncBurst: number

  constructor(
    private readonly book: KeyBook,
    private readonly verifier: SignatureVerifier,
    options: EnvelopeOpenerOptions = {},
  ) {
    this.provisional = new BoundedMap(options.maxProvisional ?? DEFAULT_MAX_PROVISIONAL_IDENTITIES)
    this.markSyncsPerSecond = options.markSyncsPerSecond ?? DEFAULT_MARK_SYNCS_PER_SECOND
    this.markSyncBurst = options.markSyncBurst ?? DEFAULT_MARK_SYNC_BURST
    // A confirmed identity the key book forgets takes its replay windows with it.
    book.onForget((root, storage) => {
      for (const epoch of this.windows.get(root)?.keys() ?? []) {
        storage.delete(highWaterKey(root, epoch))
        this.markSyncs.delete(markKey(root, epoch))
      }
      this.windows.delete(root)
    })
  }

  /** Reloads the key book and the replay high-water marks a previous run persisted. */
  start(ownRoot: Uint8Array, ctx: Context): void {
    this.self = toHex(ownRoot)
    this.book.load(ctx.storage)
    this.windows.clear()
    this.provisional.clear()
    this.markSyncs.clear()
    for (const key of ctx.storage.keys(HIGH_WATER_PREFIX)) {
      const [root, epoch] = key.slice(HIGH_WATER_PREFIX.length).split('/')
      const high = decodeFrame(ctx.storage.get(key)!, Count)
      // A mark left behind by an identity the book no longer holds (forgotten just before a crash) goes.
      if (root !== undefined && !this.book.isConfirmed(fromHex(root))) ctx.storage.delete(key)
      else if (Result.isSuccess(high) && root !== undefined) this.confirmedWindowsOf(root).set(Number(epoch), new ReplayWindow(high.success))
    }
  }

  /**
   * Confirms `root` (it answered a ping at an address it announced; never merely for a link): its
   * certificate and replay windows become durable, synced before this returns (and bounded only by the
   * key book's cap on confirmed identities).
   * Says whether it is now confirmed (false when its certificate is not held, nothing to confirm, or
   * when the key book has no room that it may make).
   */
  confirm(root: Uint8Array, ctx: Context): boolean {
    if (!this.book.confirm(root, ctx.storage)) return false
    const hex = toHex(root)
    const held = this.provisional.peek(hex)
    if (held === undefined) return true
    this.provisional.delete(hex)
    const byEpoch = this.confirmedWindowsOf(hex)
    for (const [epoch, window] of held) {
      byEpoch.set(epoch, window)
      ctx.storage.put(highWaterKey(hex, epoch), encode(window.highest))
    }
    ctx.storage.sync()
    return true
  }

  /** Whether `root` is confirmed. */
  isConfirmed(root: Uint8Array): boolean {
    return this.book.isConfirmed(root)
  }

  /** How many identities have replay windows held unconfirmed (bounded). */
  get provisionalCount(): number {
    return this.provisional.size
  }

  /** Opens `envelope` as a message of `protocol`, decoding its body through `body`. */
  open<A>(envelope: SignedEnvelope, protocol: string, body: Schema.Decoder<A>, ctx: Context): Result.Result<Opened<A>, IdentityError> {
    return this.traced(envelope, ctx, this.check(envelope, protocol, body, ctx, true))
  }

  // Whether `envelope`, of a confirmed identity, would move its replay mark for its epoch (and so cost
  // a sync) with that mark's sync budget spent. By epoch, so that whoever holds a replaced key cannot
  // spend the budget of the current one (and hold back its rotation certificate).
  private tooSoon(envelope: SignedEnvelope, ctx: Context): boolean {
    const root = toHex(envelope.root)
    const budget = this.markSyncs.peek(markKey(root, envelope.epoch))
    if (budget === undefined || budget.ready(ctx.now())) return false
    const window = this.windows.get(root)?.get(envelope.epoch)
    return window === undefined || envelope.seq > window.highest
  }

  /**
   * Checks who signed what, without the replay window: for signed statements passed on by a third
   * party (an announcement in a PEX sample), which are by nature copies of envelopes already sent.
   * What they say must then hold whenever it is read, never act as a fresh command.
   */
  authenticate<A>(envelope: SignedEnvelope, protocol: string, body: Schema.Decoder<A>, ctx: Context): Result.Result<Opened<A>, IdentityError> {
    return this.traced(envelope, ctx, this.check(envelope, protocol, body, ctx, false))
  }

  private traced<T>(envelope: SignedEnvelope, ctx: Context, result: Result.Result<T, IdentityError>): Result.Result<T, IdentityError> {
    if (Result.isFailure(result)) {
      ctx.trace({ type: 'envelope-rejected', reason: result.failure.reason, protocol: envelope.protocol, root: toHex(envelope.root), seq: envelope.seq })
    }
    return result
  }

  private check<A>(envelope: SignedEnvelope, protocol: string, body: Schema.Decoder<A>, ctx: Context, fresh: boolean): Result.Result<Opened<A>, IdentityError> {
    // First, as it costs nothing: a message of another protocol is refused whoever signed it.
    if (envelope.protocol !== protocol) return Result.fail(new IdentityError('wrong-protocol', `an envelope signed for ${envelope.protocol} opened as ${protocol}`))
    if (envelope.to !== undefined && toHex(envelope.to) !== this.self) return Result.fail(new IdentityError('misdirected', 'the envelope is addressed to another identity'))
    // The cheap refusal, before the certificate and the signature are checked.
    if (fresh && this.tooSoon(envelope, ctx)) {
      return Result.fail(new IdentityError('rate-limited', `envelope ${envelope.seq} would move the replay mark of epoch ${envelope.epoch}, whose syncs are spent for now`))
    }
    const now = ctx.now()
    if (envelope.cert !== undefined) {
      if (toHex(envelope.cert.root) !== toHex(envelope.root)) return Result.fail(new IdentityError('bad-certificate', 'the attached certificate is for another identity'))
      const learnt = this.book.learn(envelope.cert, now, ctx.storage)
      if (Result.isFailure(learnt)) return Result.fail(learnt.failure)
    }
    const key = this.book.keyFor(envelope.root, envelope.epoch, now)
    if (Result.isFailure(key)) return Result.fail(key.failure)
    if (!this.verifier.verify(key.success, envelopeSignedPart(envelope), envelope.sig)) {
      return Result.fail(new IdentityError('bad-signature', `envelope ${envelope.seq} does not carry a valid signature of epoch ${envelope.epoch}`))
    }
    const message = decodeFrame(envelope.body, body, MAX_BODY_BYTES)
    if (Result.isFailure(message)) return Result.fail(new IdentityError('malformed', `signed body: ${message.failure.message}`))
    if (!fresh) return Result.succeed({ root: envelope.root, message: message.success })
    const root = toHex(envelope.root)
    const confirmed = this.book.isConfirmed(envelope.root)
    const window = this.window(root, envelope.epoch, confirmed, ctx)
    const before = window.highest
    if (!window.accept(envelope.seq)) return Result.fail(new IdentityError('replay', `envelope ${envelope.seq} was already seen (or is older than the replay window)`))
    if (confirmed && window.highest !== before) {
      ctx.storage.put(highWaterKey(root, envelope.epoch), encode(window.highest))
      ctx.storage.sync()
      this.markSyncBudget(markKey(root, envelope.epoch)).take(now)
    }
    return Result.succeed({ root: envelope.root, message: message.success })
  }

  // One window per epoch, so that whoever held a replaced key cannot push the window of the keys
  // after it out of reach. Only the two epochs a key book accepts (current and previous) keep one.
  private window(root: string, epoch: number, confirmed: boolean, ctx: Context): ReplayWindow {
    const byEpoch = confirmed ? this.confirmedWindowsOf(root) : this.provisionalWindowsOf(root)
    let window = byEpoch.get(epoch)
    if (window === undefined) {
      byEpoch.set(epoch, (window = new ReplayWindow()))
      for (const old of [...byEpoch.keys()].filter((e) => e < epoch - 1)) {
        byEpoch.delete(old)
        if (confirmed) {
          ctx.storage.delete(highWaterKey(root, old))
          this.markSyncs.delete(markKey(root, old))
        }
      }
    }
    return window
  }

  private markSyncBudget(key: string): Budget {
    let budget = this.markSyncs.get(key)
    if (budget === undefined) this.markSyncs.set(key, (budget = new Budget(this.markSyncsPerSecond, this.markSyncBurst)))
    return budget
  }

  private confirmedWindowsOf(root: string): Map<number, ReplayWindow> {
    let byEpoch = this.windows.get(root)
    if (byEpoch === undefined) this.windows.set(root, (byEpoch = new Map()))
    return byEpoch
  }

  private provisionalWindowsOf(root: string): Map<number, ReplayWindow> {
    let byEpoch = this.provisional.get(root)
    if (byEpoch === undefined) this.provisional.set(root, (byEpoch = new Map()))
    return byEpoch
  }
}

/** What an opened envelope gives: who signed it (its root key) and the decoded message. */
export interface Opened<A> {
  readonly root: Uint8Array
  readonly message: A
}

const highWaterKey = (root: string, epoch: number) => `${HIGH_WATER_PREFIX}${root}/${epoch}`
const markKey = (root: string, epoch: number) => `${root}/${epoch}`
