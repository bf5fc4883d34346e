import { labelName, type KeyLabel, type KeyStore } from './key-store.ts'

/** An opaque PKCS#11 object handle (CK_OBJECT_HANDLE). */
export type Pkcs11Handle = number | bigint

/**
 * The slice of a PKCS#11 v3 session that an Ed25519 KeyStore needs, with PKCS#11's names and shapes:
 * C_FindObjects over a template, C_GenerateKeyPair with CKM_EC_EDWARDS_KEY_PAIR_GEN, C_GetAttributeValue
 * of CKA_EC_POINT, and C_SignInit + C_Sign with CKM_EDDSA. A binding such as pkcs11js or graphene-pk11,
 * opened on a logged-in session of a real token (YubiHSM 2, SoftHSM, a cloud HSM's PKCS#11 library),
 * is wrapped to this interface; docs/identity.md shows how. The private key never leaves the token:
 * it is generated there with CKA_SENSITIVE and not CKA_EXTRACTABLE.
 */
export interface Pkcs11Session {
  findObjects(template: { readonly class: 'CKO_PUBLIC_KEY' | 'CKO_PRIVATE_KEY'; readonly label: string }): readonly Pkcs11Handle[]
  generateKeyPair(
    mechanism: 'CKM_EC_EDWARDS_KEY_PAIR_GEN',
    publicTemplate: { readonly label: string; readonly ecParams: 'edwards25519'; readonly token: true; readonly verify: true },
    privateTemplate: { readonly label: string; readonly token: true; readonly sign: true; readonly sensitive: true; readonly extractable: false },
  ): { readonly publicKey: Pkcs11Handle; readonly privateKey: Pkcs11Handle }
  getAttributeValue(handle: Pkcs11Handle, attribute: 'CKA_EC_POINT'): Uint8Array
  signInit(mechanism: 'CKM_EDDSA', key: Pkcs11Handle): void
  sign(data: Uint8Array): Uint8Array
}

/** The token's answer did not make sense (a missing key half, a malformed point). */
export class HsmError extends Error {
  readonly _tag = 'HsmError' as const
  override readonly name = 'HsmError'
}

/**
 * A KeyStore whose keys live in an HSM. Each label is a key pair on the token named `vain/purpose/index`,
 * generated on first use. There is no SLIP-0010 derivation here (the token will not give out a chain
 * code), and no proof of ownership (it needs the secret scalar): rotation certificates chain the keys
 * instead, and a peer that asks for a proof gets a signature over its challenge.
 */
export class HsmKeyStore implements KeyStore {
  private readonly publicKeys = new Map<string, Uint8Array>()

  constructor(private readonly session: Pkcs11Session) {}

  publicKey(label: KeyLabel): Uint8Array {
    const name = labelName(label)
    let key = this.publicKeys.get(name)
    if (key === undefined) {
      const [handle] = this.session.findObjects({ class: 'CKO_PUBLIC_KEY', label: name })
      const publicHandle = handle ?? this.generate(name)
      key = ecPoint(this.session.getAttributeValue(publicHandle, 'CKA_EC_POINT'), name)
      this.publicKeys.set(name, key)
    }
    return key
  }

  sign(label: KeyLabel, message: Uint8Array): Uint8Array {
    this.publicKey(label) // creates the pair on first use
    const [privateKey] = this.session.findObjects({ class: 'CKO_PRIVATE_KEY', label: labelName(label) })
    if (privateKey === undefined) throw new HsmError(`the token has the public half of ${labelName(label)} but not its private key`)
    this.session.signInit('CKM_EDDSA', privateKey)
    const signature = this.session.sign(message)
    if (signature.length !== 64) throw new HsmError(`the token returned a ${signature.length}-byte Ed25519 signature`)
    return signature
  }

  private generate(name: string): Pkcs11Handle {
    return this.session.generateKeyPair(
      'CKM_EC_EDWARDS_KEY_PAIR_GEN',
      { label: name, ecParams: 'edwards25519', token: true, verify: true },
      { label: name, token: true, sign: true, sensitive: true, extractable: false },
    ).publicKey
  }
}

// PKCS#11 3.0 returns CKA_EC_POINT as a DER OCTET STRING (04 20 ‖ 32 bytes); some tokens give the raw 32.
function ecPoint(value: Uint8Array, name: string): Uint8Array {
  if (value.length === 32) return Uint8Array.from(value)
  if (value.length === 34 && value[0] === 0x04 && value[1] === 0x20) return value.slice(2)
  throw new HsmError(`CKA_EC_POINT of ${name} is neither a raw nor a DER-wrapped Ed25519 point (${value.length} bytes)`)
}
