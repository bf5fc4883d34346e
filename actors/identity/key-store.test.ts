import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../core/keys.ts'
import { sign, verify } from '../../core/sign.ts'
import { HsmKeyStore, type Pkcs11Handle, type Pkcs11Session } from './hsm-key-store.ts'
import { MemoryKeyStore, ROOT_KEY, epochKey, type KeyStore } from './key-store.ts'
import { verifyOwnership } from './ownership-proof.ts'
import { derivePath } from './slip10.ts'

const seed = new Uint8Array(32).map((_, i) => i)
const message = new TextEncoder().encode('hello')

function signsAndVerifies(store: KeyStore) {
  for (const label of [ROOT_KEY, epochKey(0), epochKey(7)]) {
    expect(verify(store.publicKey(label), message, store.sign(label, message))).toBe(true)
  }
  expect(Buffer.from(store.publicKey(epochKey(1))).equals(Buffer.from(store.publicKey(epochKey(2))))).toBe(false)
}

describe('MemoryKeyStore', () => {
  it('derives each label by SLIP-0010 at m/purpose\'/index\'', () => {
    const store = new MemoryKeyStore(seed)
    signsAndVerifies(store)
    const expected = ed25519FromSeed(derivePath(seed, "m/1'/7'").privateKey).publicKey
    expect(Buffer.from(store.publicKey(epochKey(7))).equals(Buffer.from(expected))).toBe(true)
  })

  it('proves ownership of a key without signing', () => {
    const store = new MemoryKeyStore(seed)
    const context = new Uint8Array([9, 9])
    const proof = store.proveOwnership(ROOT_KEY, context, new Uint8Array(32))
    expect(verifyOwnership(store.publicKey(ROOT_KEY), context, proof)).toBe(true)
    expect(verifyOwnership(store.publicKey(epochKey(0)), context, proof)).toBe(false)
  })
})

/** A software token with the PKCS#11 session's shape: a test double, as a unit test may have. */
class FakeToken implements Pkcs11Session {
  readonly objects: { handle: number; class: string; label: string; pair: ReturnType<typeof ed25519FromSeed> }[] = []
  private active: number | undefined
  exported = 0
  findObjects(t: { class: string; label: string }): Pkcs11Handle[] {
    return this.objects.filter((o) => o.class === t.class && o.label === t.label).map((o) => o.handle)
  }
  generateKeyPair(_m: string, pub: { label: string }): { publicKey: Pkcs11Handle; privateKey: Pkcs11Handle } {
    const pair = ed25519FromSeed(new Uint8Array(32).fill(this.objects.length + 1))
    const base = this.objects.length
    this.objects.push({ handle: base + 1, class: 'CKO_PUBLIC_KEY', label: pub.label, pair }, { handle: base + 2, class: 'CKO_PRIVATE_KEY', label: pub.label, pair })
    return { publicKey: base + 1, privateKey: base + 2 }
  }
  getAttributeValue(handle: Pkcs11Handle): Uint8Array {
    this.exported++
    const object = this.objects.find((o) => o.handle === handle)!
    return Buffer.concat([Buffer.from([0x04, 0x20]), object.pair.publicKey])
  }
  signInit(_m: string, key: Pkcs11Handle): void {
    this.active = Number(key)
  }
  sign(data: Uint8Array): Uint8Array {
    const object = this.objects.find((o) => o.handle === this.active && o.class === 'CKO_PRIVATE_KEY')!
    return sign(object.pair.secretKey, data)
  }
}

describe('HsmKeyStore', () => {
  it('generates one key pair per label on the token and signs there', () => {
    const token = new FakeToken()
    const store = new HsmKeyStore(token)
    signsAndVerifies(store)
    store.sign(ROOT_KEY, message)
    expect(token.objects.filter((o) => o.class === 'CKO_PRIVATE_KEY').map((o) => o.label)).toEqual(['vain/0/0', 'vain/1/0', 'vain/1/7', 'vain/1/1', 'vain/1/2'])
    expect(token.exported).toBe(5) // each public key read once, then cached
    expect((store as KeyStore).proveOwnership).toBeUndefined()
  })

  it('finds keys a previous session generated', () => {
    const token = new FakeToken()
    const first = new HsmKeyStore(token).publicKey(ROOT_KEY)
    expect(Buffer.from(new HsmKeyStore(token).publicKey(ROOT_KEY)).equals(Buffer.from(first))).toBe(true)
    expect(token.objects.length).toBe(2)
  })
})
