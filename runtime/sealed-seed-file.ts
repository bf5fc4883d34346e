import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Result, Schema } from 'effect'
import sodium from 'sodium-native'
import { replaceFileAtomically } from './atomic-file.ts'
import { asBuffer } from '../core/bytes.ts'
import { decodeFrame, encode } from '../core/codec.ts'
import { exactBytes } from '../core/schemas.ts'
import { ReasonedError } from '../core/errors.ts'

/** Why a sealed key file could not be opened. */
export class KeyFileError extends ReasonedError<'missing' | 'corrupt' | 'wrong-passphrase'> {
  readonly _tag = 'KeyFileError' as const
  override readonly name = 'KeyFileError'
}

/** How hard the passphrase is stretched (libsodium's Argon2id13 limits). */
export interface PassphraseCost {
  readonly opslimit: number
  readonly memlimit: number
}

/** libsodium's "moderate" Argon2id cost: about 0.7 s and 256 MiB here; the default for node keys. */
export const MODERATE_COST: PassphraseCost = { opslimit: sodium.crypto_pwhash_OPSLIMIT_MODERATE, memlimit: sodium.crypto_pwhash_MEMLIMIT_MODERATE }
/** The cheapest cost libsodium allows: for tests only. */
export const TEST_COST: PassphraseCost = { opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN, memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN }

const KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES
const MAX_MEMLIMIT = 4 * 1024 ** 3 // refuse a file that would make us allocate more than 4 GiB

const Header = Schema.Struct({
  format: Schema.Literal('vain-sealed-seed-v1'),
  kdf: Schema.Literal('argon2id13'),
  opslimit: Schema.Int.check(Schema.isBetween({ minimum: sodium.crypto_pwhash_OPSLIMIT_MIN, maximum: 64 })),
  memlimit: Schema.Int.check(Schema.isBetween({ minimum: sodium.crypto_pwhash_MEMLIMIT_MIN, maximum: MAX_MEMLIMIT })),
  salt: exactBytes(sodium.crypto_pwhash_SALTBYTES),
  nonce: exactBytes(NONCE_BYTES),
})
const SealedFile = Schema.Struct({ header: Header, ciphertext: exactBytes(32 + TAG_BYTES) })
type Header = typeof Header.Type

/**
 * A node's master seed (the one secret its MemoryKeyStore derives every key from) on disk, sealed
 * with XChaCha20-Poly1305 under a key that Argon2id (crypto_pwhash) derives from a passphrase. The
 * header (cost, salt, nonce) is authenticated as associated data, so tampering with any byte of the
 * file fails like a wrong passphrase would. Writes go to a temporary file that is fsynced and renamed
 * over the old one: a crash leaves either the old file or the new one, never a torn one.
 */
export function sealSeedFile(path: string, passphrase: string, masterSeed: Uint8Array, cost: PassphraseCost = MODERATE_COST): void {
  const salt = Buffer.alloc(sodium.crypto_pwhash_SALTBYTES)
  const nonce = Buffer.alloc(NONCE_BYTES)
  sodium.randombytes_buf(salt)
  sodium.randombytes_buf(nonce)
  const header: Header = { format: 'vain-sealed-seed-v1', kdf: 'argon2id13', ...cost, salt, nonce }
  const ciphertext = Buffer.alloc(32 + TAG_BYTES)
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, asBuffer(masterSeed), asBuffer(encode(header)), null, nonce, stretch(passphrase, header))
  // A unique temporary name: the key file is created once, while nothing else may write beside it.
  const temporary = join(dirname(path), `.${Date.now().toString(36)}-${process.pid}.tmp`)
  replaceFileAtomically(path, encode({ header, ciphertext }), temporary)
}

/** The master seed sealed in `path`; a wrong passphrase or a damaged file is a KeyFileError. */
export function openSeedFile(path: string, passphrase: string): Uint8Array {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (cause) {
    throw new KeyFileError('missing', `cannot read key file ${path}: ${(cause as Error).message}`)
  }
  const file = decodeFrame(bytes, SealedFile, 4096)
  if (Result.isFailure(file)) throw new KeyFileError('corrupt', `${path} is not a vAIn key file: ${file.failure.message}`)
  const { header, ciphertext } = file.success
  const seed = Buffer.alloc(32)
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(seed, null, asBuffer(ciphertext), asBuffer(encode(header)), asBuffer(header.nonce), stretch(passphrase, header))
  } catch {
    throw new KeyFileError('wrong-passphrase', `cannot unseal ${path}: wrong passphrase, or the file was altered`)
  }
  return seed
}

function stretch(passphrase: string, header: Header): Buffer {
  const key = Buffer.alloc(KEY_BYTES)
  sodium.crypto_pwhash(key, Buffer.from(passphrase, 'utf8'), asBuffer(header.salt), header.opslimit, header.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13)
  return key
}
