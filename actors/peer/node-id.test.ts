import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareDistance, randomIdInBucket, sharedPrefixBits } from './node-id.ts'

const id = fc.uint8Array({ minLength: 32, maxLength: 32 })
const asBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`)

describe('node ids', () => {
  it('compareDistance orders by XOR distance, as big integers do', () => {
    fc.assert(
      fc.property(id, id, id, (t, a, b) => {
        const da = asBig(a) ^ asBig(t)
        const db = asBig(b) ^ asBig(t)
        expect(Math.sign(compareDistance(t, a, b))).toBe(da < db ? -1 : da > db ? 1 : 0)
      }),
    )
  })

  it('sharedPrefixBits counts the leading bits two ids share', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        const x = asBig(a) ^ asBig(b)
        expect(sharedPrefixBits(a, b)).toBe(x === 0n ? 256 : 256 - x.toString(2).length)
      }),
    )
  })

  it('randomIdInBucket lands in the asked bucket', () => {
    fc.assert(
      fc.property(id, fc.integer({ min: 0, max: 255 }), id, (base, bits, random) => {
        expect(sharedPrefixBits(base, randomIdInBucket(base, bits, random))).toBe(bits)
      }),
    )
  })
})
