import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../core/temp-dir.fixtures.ts'
import { KeyFileError, TEST_COST, openSeedFile, sealSeedFile } from './sealed-seed-file.ts'

const seed = new Uint8Array(32).map((_, i) => i)
const dir = tempDir('keys')

describe('sealed seed file', () => {
  it('seals the seed and reopens it with the passphrase', () => {
    const path = join(dir, 'a.key')
    sealSeedFile(path, 'correct horse', seed, TEST_COST)
    expect(readFileSync(path).includes(Buffer.from(seed))).toBe(false)
    expect(Buffer.from(openSeedFile(path, 'correct horse')).equals(Buffer.from(seed))).toBe(true)
  })

  it('refuses a wrong passphrase, any altered byte, garbage and a missing file with a typed error', () => {
    const path = join(dir, 'b.key')
    sealSeedFile(path, 'pw', seed, TEST_COST)
    const reason = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(KeyFileError)
        return (e as KeyFileError).reason
      }
      return 'opened'
    }
    expect(reason(() => openSeedFile(path, 'PW'))).toBe('wrong-passphrase')
    const original = readFileSync(path)
    const reasons = new Set<string>()
    for (let i = 0; i < original.length; i += 7) {
      const altered = Buffer.from(original)
      altered[i]! ^= 0x01
      writeFileSync(path, altered)
      reasons.add(reason(() => openSeedFile(path, 'pw')))
    }
    expect(reasons.has('opened')).toBe(false)
    writeFileSync(path, Buffer.from('not a key file at all'))
    expect(reason(() => openSeedFile(path, 'pw'))).toBe('corrupt')
    expect(reason(() => openSeedFile(join(dir, 'none.key'), 'pw'))).toBe('missing')
  })
})

describe('sealed seed file on arbitrary files', () => {
  it('refuses any content that is not a sealed key with a KeyFileError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        const path = join(dir, 'fuzz.key')
        writeFileSync(path, bytes)
        expect(() => openSeedFile(path, 'pw')).toThrow(KeyFileError)
      }),
      { numRuns: 200 },
    )
  })
})
