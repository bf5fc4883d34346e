import { ed25519FromSeed, hmacSha512, type Ed25519KeyPair } from '../../core/keys.ts'

/** Hardened child indices start here (SLIP-0010 allows only hardened derivation for ed25519). */
export const HARDENED = 0x80000000

/** A node of the SLIP-0010 ed25519 tree: a 32-byte private key (an Ed25519 seed) and a chain code. */
export interface ExtendedKey {
  readonly privateKey: Uint8Array
  readonly chainCode: Uint8Array
}

const CURVE_KEY = new TextEncoder().encode('ed25519 seed')

/** The master key of a 16–64-byte seed: I = HMAC-SHA512("ed25519 seed", seed). */
export function masterKey(seed: Uint8Array): ExtendedKey {
  if (seed.length < 16 || seed.length > 64) throw new RangeError(`a SLIP-0010 seed is 16 to 64 bytes, got ${seed.length}`)
  return split(hmacSha512(CURVE_KEY, seed))
}

/** The hardened child `index` (≥ 2^31): I = HMAC-SHA512(chain code, 0x00 ‖ key ‖ ser32(index)). */
export function hardenedChild(parent: ExtendedKey, index: number): ExtendedKey {
  if (!Number.isInteger(index) || index < HARDENED || index > 0xffffffff) {
    throw new RangeError(`ed25519 derivation is hardened only: index must be in [2^31, 2^32), got ${index}`)
  }
  const data = new Uint8Array(37)
  data.set(parent.privateKey, 1)
  new DataView(data.buffer).setUint32(33, index, false)
  return split(hmacSha512(parent.chainCode, data))
}

/** Derives along a path such as `m/44'/0'/1'` (every step hardened, written with ' or H). */
export function derivePath(seed: Uint8Array, path: string): ExtendedKey {
  const steps = path.split('/')
  if (steps[0] !== 'm') throw new RangeError(`a derivation path starts with 'm', got '${path}'`)
  return steps.slice(1).reduce((key, step) => {
    const match = /^(\d+)['H]$/.exec(step)
    if (match === null) throw new RangeError(`'${step}' in '${path}' is not a hardened index such as 7' or 7H`)
    return hardenedChild(key, Number(match[1]) + HARDENED)
  }, masterKey(seed))
}

/** The Ed25519 key pair of an extended key (its private key is the Ed25519 seed). */
export function keyPair(key: ExtendedKey): Ed25519KeyPair {
  return ed25519FromSeed(key.privateKey)
}

function split(i: Uint8Array): ExtendedKey {
  return { privateKey: i.slice(0, 32), chainCode: i.slice(32, 64) }
}
