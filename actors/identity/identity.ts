import { Result, Schema } from 'effect'
import type { Context, TimerTag } from '../../core/actor.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { PROTOCOL_ID } from '../../core/component.ts'
import { Count, exactBytes } from '../../core/schemas.ts'
import { issueCertificate, type RotationCertificate } from './certificate.ts'
import { envelopeSignedPart, type SignedEnvelope } from './envelope.ts'
import { MemoryKeyStore, ROOT_KEY, epochKey, type KeyStore } from './key-store.ts'
import { IDENTITY_KEYS } from './storage-keys.ts'

/** Ninety days, the default rotation period of epoch keys. */
export const DEFAULT_ROTATION_MS = 90 * 24 * 3600_000

/** The timer tag NodeIdentity uses; an actor forwards it from `timer`. */
export const ROTATION_TIMER = 'identity:rotate'

/**
 * Sequence numbers are reserved on disk a block at a time (4,096), so a restart never reuses one and
 * the disk is written and synced once per block rather than once per envelope; a restart skips what
 * was left of the block, which costs nothing (numbers are 53-bit).
 */
export const SEQ_BLOCK = 4096

const OwnState = Schema.Struct({ epoch: Count, issuedAt: Schema.Number, seqReserved: Count })
type OwnState = typeof OwnState.Type
const STATE_KEY = IDENTITY_KEYS.own
const SEED_KEY = IDENTITY_KEYS.seed

export interface NodeIdentityOptions {
  /** Where the keys live (a sealed seed, an HSM); default a seed drawn from the context's random stream and kept in its storage. */
  readonly keys?: KeyStore
  /** How often the epoch key is replaced (default DEFAULT_ROTATION_MS). */
  readonly rotationMs?: number
}

/**
 * A node's own identity: its root key (the node's id), the epoch key that signs its messages, the
 * certificate of that key, and the sequence numbers of its envelopes. The epoch key is replaced every
 * `rotationMs` on the context's clock; each rotation is persisted and synced before it is used.
 *
 * Keys come from `keys`: a real node passes its sealed store (a MemoryKeyStore over the seed sealed by runtime/sealed-seed-file.ts, or an HSM).
 * Without one, the master seed is drawn from the context's random stream on first boot and kept in the
 * actor's storage: seeded in simulation, and OS-random in a real runtime (whose random stream is).
 */
export class NodeIdentity {
  private state: OwnState = { epoch: 0, issuedAt: 0, seqReserved: 0 }
  private seq = 0
  private cert: RotationCertificate | undefined
  private timer: number | undefined
  private keys: KeyStore | undefined
  private readonly rotationMs: number

  constructor(options: NodeIdentityOptions = {}) {
    this.keys = options.keys
    this.rotationMs = options.rotationMs ?? DEFAULT_ROTATION_MS
    if (!(this.rotationMs > 0)) throw new RangeError(`the rotation period must be positive, got ${this.rotationMs}`)
  }

  get root(): Uint8Array {
    return this.store.publicKey(ROOT_KEY)
  }

  get epoch(): number {
    return this.state.epoch
  }

  get certificate(): RotationCertificate {
    if (this.cert === undefined) throw new Error('NodeIdentity.start has not run')
    return this.cert
  }

  /** Loads (or, on first boot, creates) the identity and arms the rotation timer. */
  start(ctx: Context): void {
    this.keys ??= seedStore(ctx)
    const saved = ctx.storage.get(STATE_KEY)
    const loaded = saved === undefined ? undefined : decodeFrame(saved, OwnState)
    if (loaded !== undefined && Result.isSuccess(loaded)) {
      this.state = loaded.success
      this.seq = loaded.success.seqReserved // numbers below were possibly used before the restart
    } else {
      this.state = { epoch: 0, issuedAt: ctx.now(), seqReserved: 0 }
    }
    this.cert = issueCertificate(this.store, this.state.epoch, this.state.issuedAt)
    this.reserveSeqs(ctx)
    this.arm(ctx)
  }

  /**
   * Call from the actor's `timer`. On the rotation tag it moves to the next epoch and returns the new
   * certificate, which the actor announces to its peers; any other tag returns undefined.
   */
  timerFired(tag: TimerTag, ctx: Context): RotationCertificate | undefined {
    if (tag !== ROTATION_TIMER) return undefined
    this.state = { ...this.state, epoch: this.state.epoch + 1, issuedAt: ctx.now() }
    this.cert = issueCertificate(this.store, this.state.epoch, this.state.issuedAt)
    this.save(ctx)
    this.arm(ctx)
    ctx.trace({ type: 'key-rotated', epoch: this.state.epoch })
    return this.cert
  }

  /**
   * Signs `message` into an envelope of `protocol` (a PROTOCOL_ID) for the identity `to` (omit it for
   * a broadcast); `withCertificate` attaches the current certificate.
   */
  seal(protocol: string, message: unknown, ctx: Context, options: SealOptions = {}): SignedEnvelope {
    if (!PROTOCOL_ID.test(protocol)) throw new RangeError(`'${protocol.slice(0, 40)}' is not a protocol id (name/version, e.g. kad/1)`)
    if (this.seq >= this.state.seqReserved) this.reserveSeqs(ctx)
    const unsigned = { type: 'signed' as const, protocol, root: this.root, epoch: this.state.epoch, seq: this.seq++, body: encode(message), ...(options.to && { to: options.to }) }
    const envelope: SignedEnvelope = { ...unsigned, sig: this.store.sign(epochKey(this.state.epoch), envelopeSignedPart(unsigned)) }
    return options.withCertificate === true ? { ...envelope, cert: this.certificate } : envelope
  }

  /**
   * Signs `message` with the root key, for statements that must outlive epoch keys (a DHT record is
   * published under the root key, its key derived from it). Callers put a domain string first in
   * what they sign, so such a signature can never pass for a certificate or an envelope.
   */
  signWithRoot(message: Uint8Array): Uint8Array {
    return this.store.sign(ROOT_KEY, message)
  }

  private get store(): KeyStore {
    if (this.keys === undefined) throw new Error('NodeIdentity.start has not run')
    return this.keys
  }

  private reserveSeqs(ctx: Context): void {
    this.state = { ...this.state, seqReserved: this.seq + SEQ_BLOCK }
    this.save(ctx)
  }

  private save(ctx: Context): void {
    ctx.storage.put(STATE_KEY, encode(this.state))
    ctx.storage.sync()
  }

  private arm(ctx: Context): void {
    if (this.timer !== undefined) ctx.cancelTimer(this.timer)
    this.timer = ctx.setTimer(Math.max(0, this.state.issuedAt + this.rotationMs - ctx.now()), ROTATION_TIMER)
  }
}

export interface SealOptions {
  /** The identity (root key) it is for; omitted, anyone may open it (a broadcast). */
  readonly to?: Uint8Array
  /** Attaches this node's current certificate, for a receiver that may not know its epoch yet. */
  readonly withCertificate?: boolean
}

function seedStore(ctx: Context): KeyStore {
  const saved = ctx.storage.get(SEED_KEY)
  const seed = saved === undefined ? undefined : decodeFrame(saved, exactBytes(32))
  if (seed !== undefined && Result.isSuccess(seed)) return new MemoryKeyStore(seed.success)
  const fresh = ctx.random.bytes(32)
  ctx.storage.put(SEED_KEY, encode(fresh))
  ctx.storage.sync()
  return new MemoryKeyStore(fresh)
}
