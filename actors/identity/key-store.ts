import { ed25519FromSeed, type Ed25519KeyPair } from '../../core/keys.ts'
import { sign } from '../../core/sign.ts'
import { proveOwnership } from './ownership-proof.ts'
import { derivePath } from './slip10.ts'

/**
 * Which key: a purpose and an index within it. A software store derives it by SLIP-0010 at
 * m/purpose'/index'; an HSM names it `vain/purpose/index`.
 */
export interface KeyLabel {
  readonly purpose: number
  readonly index: number
}

/** The node's long-term identity key: its public key is the node's id. */
export const ROOT_KEY: KeyLabel = { purpose: 0, index: 0 }
/** The signing key of rotation epoch `epoch`. */
export const epochKey = (epoch: number): KeyLabel => ({ purpose: 1, index: epoch })

export const labelName = (label: KeyLabel): string => `vain/${label.purpose}/${label.index}`

/**
 * Where a node's secret keys live. Nothing in this interface returns a secret key: an implementation
 * may keep its keys where they cannot be read (an HSM), so callers only ask for public keys and
 * signatures. Operations are synchronous so that an actor can sign inside `receive`.
 */
export interface KeyStore {
  /** The public key under `label`, creating the key if it does not exist yet. */
  publicKey(label: KeyLabel): Uint8Array
  /** An Ed25519 signature of `message` by the key under `label`, creating the key if needed. */
  sign(label: KeyLabel, message: Uint8Array): Uint8Array
  /**
   * A zero-knowledge proof of ownership of the key under `label` (see ownership-proof.ts), when the
   * store can compute one: it needs the secret scalar, which an HSM does not give out.
   */
  proveOwnership?(label: KeyLabel, context: Uint8Array, entropy: Uint8Array): Uint8Array
}

/**
 * A KeyStore in memory that derives every key from one 32-byte master seed by SLIP-0010, so the seed
 * alone backs up the whole identity. In simulation the seed comes from the node's random stream; in a
 * real node, from the OS (sealed on disk by runtime/sealed-seed-file.ts).
 */
export class MemoryKeyStore implements KeyStore {
  private readonly seed: Uint8Array
  private readonly derived = new Map<string, { pair: Ed25519KeyPair; privateKey: Uint8Array }>()

  constructor(masterSeed: Uint8Array) {
    if (masterSeed.length !== 32) throw new RangeError(`a master seed is 32 bytes, got ${masterSeed.length}`)
    this.seed = Uint8Array.from(masterSeed)
  }

  publicKey(label: KeyLabel): Uint8Array {
    return this.key(label).pair.publicKey
  }

  sign(label: KeyLabel, message: Uint8Array): Uint8Array {
    return sign(this.key(label).pair.secretKey, message)
  }

  proveOwnership(label: KeyLabel, context: Uint8Array, entropy: Uint8Array): Uint8Array {
    return proveOwnership(this.key(label).privateKey, context, entropy)
  }

  private key(label: KeyLabel) {
    const name = labelName(label)
    let entry = this.derived.get(name)
    if (entry === undefined) {
      const { privateKey } = derivePath(this.seed, `m/${label.purpose}'/${label.index}'`)
      entry = { pair: ed25519FromSeed(privateKey), privateKey }
      this.derived.set(name, entry)
    }
    return entry
  }
}
