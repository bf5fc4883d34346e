import { Result, Schema } from 'effect'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import { Count, PublicKey } from '../../core/schemas.ts'
import type { Storage } from '../../core/storage.ts'
import { RotationCertificate, certificateSignaturesHold } from './certificate.ts'
import { IdentityError } from './errors.ts'

/** Thirty days: how long a replaced key stays valid after a peer learns of its replacement. */
export const DEFAULT_GRACE_MS = 30 * 24 * 3600_000

const PeerRecord = Schema.Struct({
  current: RotationCertificate,
  /** The key `current` replaced, and until when (this node's clock) it is still accepted. */
  previous: Schema.optionalKey(Schema.Struct({ key: PublicKey, until: Schema.Number })),
  /** Epochs before `previous`'s: refused as expired. */
  retiredBefore: Count,
})
type PeerRecord = typeof PeerRecord.Type

const STORAGE_PREFIX = 'identity/peer/'

/**
 * What this node knows of other identities' keys: for each root, its latest certificate and the key
 * that certificate replaced, with the end of that key's grace window on this node's own clock (the
 * sender's clock is not trusted for it). Records persist (synced) in the actor's storage so a restart keeps them.
 */
export class KeyBook {
  private readonly peers = new Map<string, PeerRecord>()

  constructor(
    private readonly verifier: SignatureVerifier,
    private readonly graceMs = DEFAULT_GRACE_MS,
  ) {}

  /** Reloads the records a previous run persisted. */
  load(storage: Storage): void {
    for (const key of storage.keys(STORAGE_PREFIX)) {
      const record = decodeFrame(storage.get(key)!, PeerRecord)
      if (Result.isSuccess(record)) this.peers.set(key.slice(STORAGE_PREFIX.length), record.success)
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
    const known = this.peers.get(root)
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
    this.peers.set(root, record)
    // Synced at once: a restart that forgot a rotation would trust the replaced key again. (Found by the
    // rotation scenario: a crash soon after a rotation brought a stolen key back into use.)
    storage.put(STORAGE_PREFIX + root, encode(record))
    storage.sync()
    return Result.succeed('new')
  }

  /** The key that signs for `root` in `epoch` now, or why there is none. */
  keyFor(root: Uint8Array, epoch: number, now: number): Result.Result<Uint8Array, IdentityError> {
    const record = this.peers.get(toHex(root))
    if (record === undefined || epoch > record.current.epoch) return Result.fail(new IdentityError('unknown-key', `no certificate for epoch ${epoch} of ${short(toHex(root))}`))
    if (epoch === record.current.epoch) return Result.succeed(record.current.key)
    if (epoch === record.retiredBefore && record.previous !== undefined && now <= record.previous.until) return Result.succeed(record.previous.key)
    return Result.fail(new IdentityError('expired-key', `epoch ${epoch} of ${short(toHex(root))} was replaced and its grace window is over`))
  }

  /** The latest certificate known for `root`. */
  certificate(root: Uint8Array): RotationCertificate | undefined {
    return this.peers.get(toHex(root))?.current
  }
}

const fail = (message: string) => Result.fail(new IdentityError('bad-certificate', message))
const short = (hex: string) => hex.slice(0, 12)
