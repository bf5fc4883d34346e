import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mayClaimKey } from './address.ts'
import { toHex } from './bytes.ts'
import { ManualContext } from './manual-context.ts'

const key = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe('mayClaimKey', () => {
  it('from an address with a key bound, only that key may be claimed (property)', () => {
    fc.assert(
      fc.property(key, key, (bound, claimed) => {
        const ctx = new ManualContext()
        ctx.keys.set('n1', bound)
        expect(mayClaimKey('n1', claimed, ctx)).toBe(toHex(bound) === toHex(claimed))
        expect(mayClaimKey('n1', bound, ctx)).toBe(true)
      }),
    )
  })

  it('from an identity address, only the key it is the hex of; from a datagram, none; from an unbound name, any', () => {
    fc.assert(
      fc.property(key, key, (linked, claimed) => {
        const ctx = new ManualContext()
        expect(mayClaimKey(toHex(linked), claimed, ctx)).toBe(toHex(linked) === toHex(claimed))
        expect(mayClaimKey(toHex(linked), linked, ctx)).toBe(true)
        expect(mayClaimKey('udp://10.0.0.9:7400', claimed, ctx)).toBe(false)
        ctx.keys.set('udp://10.0.0.9:7400', claimed) // a binding never makes a datagram's source believable
        expect(mayClaimKey('udp://10.0.0.9:7400', claimed, ctx)).toBe(false)
        expect(mayClaimKey('n2', claimed, ctx)).toBe(true)
      }),
    )
  })
})
