import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { derivePath, HARDENED, hardenedChild, keyPair, masterKey } from './slip10.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))

// SLIP-0010, "Test vector 1 for ed25519" (seed 000102…0f).
const VECTOR_1: [path: string, chainCode: string, privateKey: string][] = [
  ['m', '90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb', '2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7'],
  ["m/0'", '8b59aa11380b624e81507a27fedda59fea6d0b779a778918a2fd3590e16e9c69', '68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3'],
  ["m/0'/1'", 'a320425f77d1b5c2505a6b1b27382b37368ee640e3557c315416801243552f14', 'b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2'],
  ["m/0'/1'/2'", '2e69929e00b5ab250f49c3fb1c12f252de4fed2c1db88387094a0f8c4c9ccd6c', '92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9'],
  ["m/0'/1'/2'/2'", '8f6d87f93d750e0efccda017d662a1b31a266e4a6f5993b15f5c1f07f74dd5cc', '30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662'],
]

describe('SLIP-0010 ed25519', () => {
  const seed = bytes('000102030405060708090a0b0c0d0e0f')

  it.each(VECTOR_1)('matches the published vector for %s', (path, chainCode, privateKey) => {
    const key = derivePath(seed, path)
    expect(hex(key.chainCode)).toBe(chainCode)
    expect(hex(key.privateKey)).toBe(privateKey)
  })

  it('gives the published master public key (SLIP-0010 writes it with a 00 prefix)', () => {
    expect(hex(keyPair(masterKey(seed)).publicKey)).toBe('a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed')
  })

  it('accepts H as well as an apostrophe for hardened steps', () => {
    expect(derivePath(seed, 'm/0H/1H')).toEqual(derivePath(seed, "m/0'/1'"))
  })

  it('derives distinct keys for distinct indices', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.nat({ max: 2 ** 31 - 2 }), (s, i) => {
        const master = masterKey(s)
        expect(hex(hardenedChild(master, HARDENED + i).privateKey)).not.toBe(hex(hardenedChild(master, HARDENED + i + 1).privateKey))
      }),
      { numRuns: 50 },
    )
  })

  it('refuses non-hardened indices, bad paths and bad seed sizes', () => {
    expect(() => hardenedChild(masterKey(seed), 1)).toThrow(/hardened/)
    expect(() => derivePath(seed, 'm/1')).toThrow(/hardened index/)
    expect(() => derivePath(seed, "x/1'")).toThrow(/starts with 'm'/)
    expect(() => masterKey(new Uint8Array(8))).toThrow(/16 to 64 bytes/)
  })
})
