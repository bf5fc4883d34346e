import { Result } from 'effect'
import { concatBytes } from './bytes.ts'
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal, sessionKeys, type KxKeyPair } from './seal.ts'
import { ReasonedError } from './errors.ts'

/** Why a sealed frame did not open. */
export class E2eError extends ReasonedError<'truncated' | 'forged'> {
  readonly _tag = 'E2eError' as const
  override readonly name = 'E2eError'
}

/**
 * End-to-end encryption between two nodes whose messages pass through relays: X25519 key agreement
 * (crypto_kx) between the endpoints' keys, then XChaCha20-Poly1305 per message with a random 24-byte
 * nonce (safe to draw at random at that size). A relay forwards frames it can neither read nor alter
 * unnoticed. Each direction has its own key, so a frame cannot be reflected back to its sender.
 *
 * This gives confidentiality and integrity between the endpoints. Who the sender is and whether a
 * message is fresh are the signed envelope's business: seal an envelope, not a bare message.
 * Frame: nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes).
 */
export class E2eChannel {
  private readonly keys: { readonly send: Uint8Array; readonly receive: Uint8Array }

  /** `nonces(24)` draws nonce bytes: the context's random stream in simulation, the OS in a real node. */
  constructor(
    own: KxKeyPair,
    peerPublicKey: Uint8Array,
    private readonly nonces: (bytes: number) => Uint8Array,
  ) {
    this.keys = sessionKeys(own, peerPublicKey)
  }

  seal(plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    const nonce = this.nonces(AEAD_NONCE_BYTES)
    return concatBytes(nonce, aeadSeal(this.keys.send, nonce, plaintext, associatedData))
  }

  open(frame: Uint8Array, associatedData?: Uint8Array): Result.Result<Uint8Array, E2eError> {
    if (frame.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) return Result.fail(new E2eError('truncated', `a sealed frame is at least ${AEAD_NONCE_BYTES + AEAD_TAG_BYTES} bytes, got ${frame.length}`))
    const plaintext = aeadOpen(this.keys.receive, frame.subarray(0, AEAD_NONCE_BYTES), frame.subarray(AEAD_NONCE_BYTES), associatedData)
    return plaintext === undefined ? Result.fail(new E2eError('forged', 'the frame was altered, or sealed for someone else')) : Result.succeed(plaintext)
  }
}
