import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { Unpackr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { decodeFrame, DEFAULT_SCRATCH_FRAME_BYTES, encode } from './codec.ts'
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

/**
 * decodeFrame as it was before its fast paths (a fresh frame unpacked as it is, a decoder built for
 * the call): what the fast paths must agree with, outcome and error text alike.
 */
function plainDecode(bytes: Uint8Array, schema: Schema.Decoder<unknown>): { ok: true; value: unknown } | { ok: false; error: string } {
  const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number', mapsAsObjects: true, copyBuffers: true })
  let raw: unknown
  try {
    raw = unpackr.unpack(Buffer.isBuffer(bytes) ? Buffer.from(bytes) : Uint8Array.from(bytes))
  } catch (cause) {
    return { ok: false, error: `not a MessagePack frame: ${cause instanceof Error ? cause.message : String(cause)}` }
  }
  const decoded = Schema.decodeUnknownResult(schema, { errors: 'first' })(raw)
  return Result.isSuccess(decoded) ? { ok: true, value: decoded.success } : { ok: false, error: decoded.failure.message }
}

function fastDecode(bytes: Uint8Array, schema: Schema.Decoder<unknown>): { ok: true; value: unknown } | { ok: false; error: string } {
  const decoded = decodeFrame(bytes, schema)
  return Result.isSuccess(decoded) ? { ok: true, value: decoded.success } : { ok: false, error: decoded.failure.message }
}

// Several inboxes, taken in turn, so that the decoder memo changes schema between frames.
const inboxes: readonly Schema.Decoder<unknown>[] = [
  Ping,
  Schema.Unknown,
  Schema.Struct({ type: Schema.Literals(['ping', 'pong']), round: Schema.Int }),
  Schema.Array(Schema.String),
]

describe('wire codec fast paths (reused frame buffers, decoder memo)', () => {
  it('accept and reject exactly what the plain decode does, with the same errors, on arbitrary bytes of every size class', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: DEFAULT_SCRATCH_FRAME_BYTES - 4, maxLength: DEFAULT_SCRATCH_FRAME_BYTES + 4 }))
    // Frames come as Buffers (encode, the transports) or plain Uint8Arrays (binary fields keep the class).
    const frames = fc.tuple(bytes, fc.boolean()).map(([b, asBuffer]) => (asBuffer ? Buffer.from(b) : b))
    fc.assert(
      fc.property(frames, fc.nat(), (frame, pick) => {
        const schema = inboxes[pick % inboxes.length] as Schema.Decoder<unknown>
        expect(fastDecode(frame, schema)).toEqual(plainDecode(frame, schema))
      }),
      { numRuns: 3000 },
    )
  })

  it('accept and reject exactly what the plain decode does on arbitrary plain values', () => {
    const value = fc.oneof(pingArb, fc.jsonValue(), fc.record({ type: fc.constantFrom('ping', 'pong', 'other'), round: fc.oneof(fc.integer(), fc.double(), fc.string()) }))
    fc.assert(
      fc.property(value, fc.nat(), (message, pick) => {
        const encoded = encode(message)
        for (const frame of [encoded, Uint8Array.from(encoded)]) {
          for (let i = 0; i < inboxes.length; i++) {
            const schema = inboxes[(pick + i) % inboxes.length] as Schema.Decoder<unknown>
            expect(fastDecode(frame, schema)).toEqual(plainDecode(frame, schema))
          }
        }
      }),
    )
  })

  it('hand out binary fields that the next frame of the same length does not overwrite', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (data) => {
        const first = decodeFrame(encode({ type: 'ping', n: 1, note: '', data }), Ping)
        const flipped = data.map((b) => b ^ 0xff)
        const second = decodeFrame(encode({ type: 'ping', n: 1, note: '', data: flipped }), Ping)
        if (Result.isFailure(first) || Result.isFailure(second)) throw new Error('valid frames were refused')
        expect([...first.success.data]).toEqual([...data])
        expect([...second.success.data]).toEqual([...flipped])
      }),
    )
  })
})
