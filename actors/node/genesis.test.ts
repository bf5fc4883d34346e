import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { committeeOf, genesisDigest, parseGenesis } from './genesis.ts'

const id = (byte: number) => toHex(new Uint8Array(32).fill(byte))

describe('parseGenesis', () => {
  it('reads validators: identity, weight, optional name and url; the committee is in file order, addressed by identity', () => {
    const genesis = parseGenesis(JSON.stringify({ validators: [{ name: 'a', identity: id(1), weight: 3, url: 'wss://127.0.0.1:7001' }, { identity: id(2).toUpperCase(), weight: 1 }] }), 'g.json')
    expect(genesis.validators).toEqual([
      { name: 'a', identity: new Uint8Array(32).fill(1), weight: 3, url: 'wss://127.0.0.1:7001' },
      { identity: new Uint8Array(32).fill(2), weight: 1 },
    ])
    expect(committeeOf(genesis)).toEqual([
      { address: id(1), weight: 3, publicKey: new Uint8Array(32).fill(1) },
      { address: id(2), weight: 1, publicKey: new Uint8Array(32).fill(2) },
    ])
  })

  it.each([
    ['{', /^g\.json is not JSON: /],
    [JSON.stringify({}), /^g\.json: validators: Missing key/],
    [JSON.stringify({ validators: [] }), /^g\.json: validators: /],
    [JSON.stringify({ validators: [{ identity: 'zz', weight: 1 }] }), /^g\.json: validators\[0\]\.identity: /],
    [JSON.stringify({ validators: [{ identity: id(1), weight: 1.5 }] }), /^g\.json: validators\[0\]\.weight: Expected an integer/],
    [JSON.stringify({ validators: [{ identity: id(1), weight: 0 }] }), /^g\.json: validators\[0\]\.weight: /],
    [JSON.stringify({ validators: [{ identity: id(1), weight: 2 ** 32 + 1 }] }), /^g\.json: validators\[0\]\.weight: /],
    [JSON.stringify({ validators: [{ identity: id(1), weight: 1, power: 1 }] }), /^g\.json: validators\[0\]\.power: Expected no excess property/],
    [JSON.stringify({ validators: [{ identity: id(1), weight: 1 }, { identity: id(1).toUpperCase(), weight: 2 }] }), /^g\.json: validators\[1\]\.identity is validators\[0\]'s too/],
  ])('refuses %s with a ConfigError naming the field', (text, message) => {
    expect(() => parseGenesis(text, 'g.json')).toThrow(ConfigError)
    expect(() => parseGenesis(text, 'g.json')).toThrow(message)
  })

  it('round-trips any valid genesis, and its digest depends on identities and weights only', () => {
    const validator = fc.record({ identity: fc.uint8Array({ minLength: 32, maxLength: 32 }), weight: fc.integer({ min: 1, max: 2 ** 32 }), name: fc.string({ maxLength: 64 }) })
    fc.assert(
      fc.property(fc.uniqueArray(validator, { minLength: 1, maxLength: 8, selector: (v) => toHex(v.identity) }), (validators) => {
        const text = JSON.stringify({ validators: validators.map((v) => ({ ...v, identity: toHex(v.identity) })) })
        const genesis = parseGenesis(text, 'g')
        expect(genesis.validators.map((v) => [toHex(v.identity), v.weight, v.name])).toEqual(validators.map((v) => [toHex(v.identity), v.weight, v.name]))
        const renamed = parseGenesis(JSON.stringify({ validators: validators.map((v) => ({ identity: toHex(v.identity), weight: v.weight, url: 'wss://h:1' })) }), 'g')
        expect(genesisDigest(renamed)).toBe(genesisDigest(genesis))
        const heavier = parseGenesis(JSON.stringify({ validators: validators.map((v, i) => ({ identity: toHex(v.identity), weight: i === 0 ? (v.weight % 2 ** 32) + 1 : v.weight })) }), 'g')
        expect(genesisDigest(heavier)).not.toBe(genesisDigest(genesis))
      }),
    )
  })
})
