// Types for the parts of sodium-native (libsodium bindings) that vAIn uses. The published @types
// package describes sodium-native 2 and lacks the streaming APIs, so the project declares its own.
declare module 'sodium-native' {
  export const crypto_generichash_STATEBYTES: number
  export function crypto_generichash(out: Buffer, input: Buffer, key?: Buffer | null): void
  export function crypto_generichash_init(state: Buffer, key: Buffer | null, outputLength: number): void
  export function crypto_generichash_update(state: Buffer, input: Buffer): void
  export function crypto_generichash_final(state: Buffer, out: Buffer): void
  export const crypto_sign_SEEDBYTES: number
  export const crypto_sign_PUBLICKEYBYTES: number
  export const crypto_sign_SECRETKEYBYTES: number
  export function crypto_sign_seed_keypair(publicKey: Buffer, secretKey: Buffer, seed: Buffer): void
  export const crypto_sign_BYTES: number
  export function crypto_sign_keypair(publicKey: Buffer, secretKey: Buffer): void
  export function crypto_sign_detached(signature: Buffer, message: Buffer, secretKey: Buffer): void
  export function crypto_sign_verify_detached(signature: Buffer, message: Buffer, publicKey: Buffer): boolean
  export const crypto_core_ed25519_BYTES: number
  export function crypto_core_ed25519_is_valid_point(point: Buffer): boolean
  export function crypto_sign_ed25519_pk_to_curve25519(curvePublicKey: Buffer, edPublicKey: Buffer): void
  export function crypto_sign_ed25519_sk_to_curve25519(curveSecretKey: Buffer, edSecretKey: Buffer): void
  export function randombytes_buf(out: Buffer): void
  export function randombytes_random(): number
  export const crypto_pwhash_SALTBYTES: number
  export const crypto_pwhash_ALG_ARGON2ID13: number
  export const crypto_pwhash_OPSLIMIT_INTERACTIVE: number
  export const crypto_pwhash_MEMLIMIT_INTERACTIVE: number
  export const crypto_pwhash_OPSLIMIT_MODERATE: number
  export const crypto_pwhash_MEMLIMIT_MODERATE: number
  export const crypto_pwhash_OPSLIMIT_MIN: number
  export const crypto_pwhash_MEMLIMIT_MIN: number
  export function crypto_pwhash(out: Buffer, password: Buffer, salt: Buffer, opslimit: number, memlimit: number, algorithm: number): void
  export const crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number
  export const crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number
  export const crypto_aead_xchacha20poly1305_ietf_ABYTES: number
  export function crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext: Buffer, message: Buffer, additionalData: Buffer | null, nsec: null, nonce: Buffer, key: Buffer): number
  export function crypto_aead_xchacha20poly1305_ietf_decrypt(message: Buffer, nsec: null, ciphertext: Buffer, additionalData: Buffer | null, nonce: Buffer, key: Buffer): number
  export const crypto_kx_PUBLICKEYBYTES: number
  export const crypto_kx_SECRETKEYBYTES: number
  export const crypto_kx_SESSIONKEYBYTES: number
  export function crypto_kx_client_session_keys(rx: Buffer | null, tx: Buffer | null, clientPublicKey: Buffer, clientSecretKey: Buffer, serverPublicKey: Buffer): void
  export function crypto_kx_server_session_keys(rx: Buffer | null, tx: Buffer | null, serverPublicKey: Buffer, serverSecretKey: Buffer, clientPublicKey: Buffer): void
  export function crypto_scalarmult_base(publicKey: Buffer, secretKey: Buffer): void
  export function crypto_kx_seed_keypair(publicKey: Buffer, secretKey: Buffer, seed: Buffer): void
}
