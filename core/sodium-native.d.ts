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
}
