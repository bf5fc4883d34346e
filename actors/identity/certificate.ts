import { Schema } from 'effect'
import { encode } from '../../core/codec.ts'
import { isPrimeOrderKey } from '../../core/keys.ts'
import { verify } from '../../core/sign.ts'
import { Count, PublicKey, Signature } from '../../core/schemas.ts'
import { ROOT_KEY, epochKey, type KeyStore } from './key-store.ts'

/**
 * A rotation certificate: "`root` now signs with `key`, its epoch-`epoch` key, which
 * replaces `prev`". It carries two signatures: `byPrev`, by the key it replaces (the root itself for
 * epoch 0), which shows the holder of the old key handed over; and `byRoot`, by the root, which chains
 * every epoch key to the identity directly, so a peer that missed rotations can catch up from the
 * latest certificate alone.
 */
export const RotationCertificate = Schema.Struct({
  root: PublicKey,
  epoch: Count,
  key: PublicKey,
  prev: PublicKey,
  issuedAt: Schema.Number.check(Schema.isFinite()),
  byPrev: Signature,
  byRoot: Signature,
})
export type RotationCertificate = typeof RotationCertificate.Type

const DOMAIN = 'vain.rotation-certificate.v1'

function signedPart(c: Pick<RotationCertificate, 'root' | 'epoch' | 'key' | 'prev' | 'issuedAt'>): Uint8Array {
  return encode([DOMAIN, c.root, c.epoch, c.key, c.prev, c.issuedAt])
}

/** The certificate of epoch `epoch`'s key, signed by the previous epoch's key (or the root) and the root. */
export function issueCertificate(store: KeyStore, epoch: number, issuedAt: number): RotationCertificate {
  const prevLabel = epoch === 0 ? ROOT_KEY : epochKey(epoch - 1)
  const body = { root: store.publicKey(ROOT_KEY), epoch, key: store.publicKey(epochKey(epoch)), prev: store.publicKey(prevLabel), issuedAt }
  const bytes = signedPart(body)
  return { ...body, byPrev: store.sign(prevLabel, bytes), byRoot: store.sign(ROOT_KEY, bytes) }
}

/**
 * Whether both signatures hold (`byPrev` by `prev`, `byRoot` by `root`) and the certified key may stand
 * for the identity (a prime-order point; `verify` checks the same of `root` and `prev`, which sign).
 * The new key signs nothing here, so it is checked on its own: a key with a torsion component would
 * otherwise be certified, and refused only later, envelope by envelope.
 */
export function certificateSignaturesHold(c: RotationCertificate, verifySignature = verify): boolean {
  const bytes = signedPart(c)
  return isPrimeOrderKey(c.key) && verifySignature(c.root, bytes, c.byRoot) && verifySignature(c.prev, bytes, c.byPrev)
}
