import sodium from 'sodium-native'
import { asBuffer, bytesEqual } from './bytes.ts'

export const X25519_KEY_BYTES = 32
export const AEAD_NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES // 24
export const AEAD_TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES // 16

/** An X25519 key pair for key exchange (libsodium's crypto_kx). */
export interface KxKeyPair {
  readonly publicKey: Uint8Array
  readonly secretKey: Uint8Array
}

/** The X25519 key pair of a 32-byte seed (crypto_kx_seed_keypair). */
export function kxFromSeed(seed: Uint8Array): KxKeyPair {
  if (seed.length !== 32) throw new RangeError(`a key-exchange seed is 32 bytes, got ${seed.length}`)
  const publicKey = Buffer.alloc(sodium.crypto_kx_PUBLICKEYBYTES)
  const secretKey = Buffer.alloc(sodium.crypto_kx_SECRETKEYBYTES)
  sodium.crypto_kx_seed_keypair(publicKey, secretKey, asBuffer(seed))
  return { publicKey, secretKey }
}

/** The X25519 public key of an Ed25519 public key (the same curve, birationally mapped). */
export function x25519PublicOf(ed25519PublicKey: Uint8Array): Uint8Array {
  const out = Buffer.alloc(X25519_KEY_BYTES)
  sodium.crypto_sign_ed25519_pk_to_curve25519(out, asBuffer(ed25519PublicKey))
  return out
}

/** The X25519 key pair of an Ed25519 secret key, so that anyone who knows an identity can encrypt to it. */
export function x25519FromEd25519(ed25519SecretKey: Uint8Array): KxKeyPair {
  const secretKey = Buffer.alloc(X25519_KEY_BYTES)
  sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey, asBuffer(ed25519SecretKey))
  const publicKey = Buffer.alloc(X25519_KEY_BYTES)
  sodium.crypto_scalarmult_base(publicKey, secretKey)
  return { publicKey, secretKey }
}

/**
 * The two directional session keys between `own` and the peer's public key (crypto_kx: BLAKE2b of the
 * X25519 shared secret and both public keys). Roles are fixed by the order of the public keys, so both
 * ends agree without a message: one's `send` key is the other's `receive` key.
 */
export function sessionKeys(own: KxKeyPair, peerPublicKey: Uint8Array): { readonly send: Uint8Array; readonly receive: Uint8Array } {
  if (peerPublicKey.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 public key is 32 bytes, got ${peerPublicKey.length}`)
  if (bytesEqual(own.publicKey, peerPublicKey)) throw new RangeError('a session needs two different keys')
  const receive = Buffer.alloc(sodium.crypto_kx_SESSIONKEYBYTES)
  const send = Buffer.alloc(sodium.crypto_kx_SESSIONKEYBYTES)
  const asClient = Buffer.compare(asBuffer(own.publicKey), asBuffer(peerPublicKey)) < 0
  if (asClient) sodium.crypto_kx_client_session_keys(receive, send, asBuffer(own.publicKey), asBuffer(own.secretKey), asBuffer(peerPublicKey))
  else sodium.crypto_kx_server_session_keys(receive, send, asBuffer(own.publicKey), asBuffer(own.secretKey), asBuffer(peerPublicKey))
  return { send, receive }
}

/** XChaCha20-Poly1305 encryption of `plaintext` under `key` and a 24-byte `nonce`, authenticating `ad`. */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = Buffer.alloc(plaintext.length + AEAD_TAG_BYTES)
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, asBuffer(plaintext), asBuffer(ad), null, asBuffer(nonce), asBuffer(key))
  return out
}

/** The plaintext of `ciphertext`, or undefined if it (or `ad`) was altered or the key is wrong. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
  if (ciphertext.length < AEAD_TAG_BYTES || nonce.length !== AEAD_NONCE_BYTES) return undefined
  const out = Buffer.alloc(ciphertext.length - AEAD_TAG_BYTES)
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, asBuffer(ciphertext), asBuffer(ad), asBuffer(nonce), asBuffer(key))
    return out
  } catch {
    return undefined
  }
}
