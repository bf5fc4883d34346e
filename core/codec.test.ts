import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encode } from './codec.ts'
import { DecodeError } from './errors.ts'

const Ping = Schema.Struct({
  type: Schema.Literal('ping'),
  n: Schema.Number,
  note: Schema.String.check(Schema.isMaxLength(16)),
  data: Schema.Uint8Array,
})

const pingArb = fc.record({
  type: fc.constant('ping' as const),
  // MessagePack has no negative-zero integer: -0 travels as 0 (documented in docs/simulator.md).
  n: fc.double({ noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
  note: fc.string({ maxLength: 16 }),
  data: fc.uint8Array({ maxLength: 64 }),
})

describe('wire codec', () => {
  it('round-trips every valid message', () => {
    fc.assert(
      fc.property(pingArb, (ping) => {
        const decoded = decodeFrame(encode(ping), Ping)
        if (Result.isFailure(decoded)) throw decoded.failure
        // Binary fields come back as Buffers (a Uint8Array subclass): compare their bytes.
        expect({ ...decoded.success, data: [...decoded.success.data] }).toEqual({ ...ping, data: [...ping.data] })
      }),
    )
  })

  it('never throws on arbitrary bytes: a message or a typed DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const decoded = decodeFrame(bytes, Ping)
        if (Result.isFailure(decoded)) {
          expect(decoded.failure).toBeInstanceOf(DecodeError)
          expect(['malformed', 'schema']).toContain(decoded.failure.reason)
        }
      }),
      { numRuns: 5000 },
    )
  })

  it('never throws on mutated valid frames', () => {
    fc.assert(
      fc.property(pingArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (ping, at, byte) => {
        const bytes = encode(ping)
        bytes[at % bytes.length] = byte
        const decoded = decodeFrame(bytes.subarray(0, 1 + (at % bytes.length)), Ping)
        if (Result.isFailure(decoded)) expect(decoded.failure).toBeInstanceOf(DecodeError)
      }),
    )
  })

  it('refuses frames over the size limit before parsing them', () => {
    const decoded = decodeFrame(new Uint8Array(65), Ping, 64)
    expect(Result.isFailure(decoded) && decoded.failure.reason).toBe('frame-too-large')
  })

  it('says what is wrong with a frame of the wrong shape', () => {
    const decoded = decodeFrame(encode({ type: 'ping', n: 'one', note: '', data: new Uint8Array() }), Ping)
    expect(Result.isFailure(decoded) && decoded.failure.reason).toBe('schema')
    expect(Result.isFailure(decoded) && decoded.failure.message).toMatch(/n/)
  })

  it('refuses trailing bytes after a frame', () => {
    const bytes = encode({ type: 'ping', n: 1, note: '', data: new Uint8Array() })
    const decoded = decodeFrame(new Uint8Array([...bytes, 0]), Ping)
    expect(Result.isFailure(decoded) && decoded.failure.reason).toBe('malformed')
  })

  it('cannot pollute prototypes through a __proto__ key', () => {
    const bytes = encode(JSON.parse('{"__proto__": {"polluted": 1}}'))
    decodeFrame(bytes, Schema.Unknown)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
