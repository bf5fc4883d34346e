import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { testSigner } from '../test-signer.ts'
import { checkHello, hello } from './identity-binding.ts'

const binding = new Uint8Array(32).fill(5)

describe('identity-binding hello', () => {
  it('proves the signer for its role and session, and nothing else', () => {
    const frame = hello(testSigner(1), 'dialer', binding)
    const proved = checkHello(frame, 'dialer', binding)
    expect(Result.isSuccess(proved) && Buffer.from(proved.success).equals(Buffer.from(testSigner(1).publicKey))).toBe(true)
    expect(Result.isFailure(checkHello(frame, 'listener', binding))).toBe(true) // reflected to the other role
    expect(Result.isFailure(checkHello(frame, 'dialer', new Uint8Array(32).fill(6)))).toBe(true) // another session
  })

  it('turns arbitrary or mutated bytes into a typed handshake failure, never a throw', () => {
    const frame = hello(testSigner(1), 'dialer', binding)
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.tuple(fc.nat(), fc.nat(255)).map(([at, v]) => {
        const mutated = Buffer.from(frame)
        mutated[at % mutated.length] = v
        return mutated
      })), (bytes) => {
        const result = checkHello(bytes, 'dialer', binding)
        if (Result.isFailure(result)) expect(result.failure).toMatchObject({ _tag: 'TransportError', reason: 'handshake-failed' })
        else expect(Buffer.from(bytes).equals(frame) || Buffer.from(result.success).equals(Buffer.from(testSigner(1).publicKey))).toBe(true)
      }),
    )
  })
})
