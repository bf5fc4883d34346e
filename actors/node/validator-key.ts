import { ed25519FromSeed, type Ed25519KeyPair } from '../../core/keys.ts'
import { ROOT_KEY } from '../identity/key-store.ts'
import { derivePath } from '../identity/slip10.ts'

/**
 * The key pair a validator signs its votes with: its root identity key, derived from the node's master
 * seed as MemoryKeyStore derives ROOT_KEY (SLIP-0010 at m/0'/0'; validator-key.test.ts pins the two
 * together). The identity stack signs only through its KeyStore, which never gives out a secret key,
 * while BftOptions.key takes the pair: until the voter takes a signer, a node whose seed is in memory
 * (the sealed seed file) hands the voter this pair. A node whose keys live in an HSM cannot vote yet.
 */
export function rootKeyPair(masterSeed: Uint8Array): Ed25519KeyPair {
  const { privateKey } = derivePath(masterSeed, `m/${ROOT_KEY.purpose}'/${ROOT_KEY.index}'`)
  return ed25519FromSeed(privateKey)
}
