import { Result, Schema } from 'effect'
import { Packr, Unpackr } from 'msgpackr'
import { DecodeError } from './errors.ts'

/** The largest frame any decoder accepts unless told otherwise (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20

// Plain MessagePack: no record extension (its structures would be shared state between peers and make
// a frame's meaning depend on earlier frames), integers that fit stay numbers, and binary fields are
// copied out of the frame so a decoded message never aliases a transport's buffer.
const packr = new Packr({ useRecords: false, variableMapSize: true })
const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number', mapsAsObjects: true, copyBuffers: true })

/** Encodes plain data (objects, arrays, strings, numbers, booleans, null, Uint8Array) as one frame. */
export function encode(value: unknown): Uint8Array {
  return packr.pack(value)
}

/**
 * Decodes one frame through `schema`. Any input, however malformed, yields either the decoded message
 * or a DecodeError: never a thrown exception.
 */
export function decodeFrame<A>(
  bytes: Uint8Array,
  schema: Schema.Decoder<A>,
  maxBytes: number = DEFAULT_MAX_FRAME_BYTES,
): Result.Result<A, DecodeError> {
  if (bytes.byteLength > maxBytes) {
    return Result.fail(new DecodeError('frame-too-large', `frame of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`))
  }
  let raw: unknown
  try {
    raw = unpackr.unpack(bytes)
  } catch (cause) {
    return Result.fail(new DecodeError('malformed', `not a MessagePack frame: ${describe(cause)}`))
  }
  return validate(raw, schema)
}

/** Checks already-unpacked plain data against `schema`, with the same error type as decodeFrame. */
export function validate<A>(raw: unknown, schema: Schema.Decoder<A>): Result.Result<A, DecodeError> {
  const decoded = decoderFor(schema)(raw)
  return Result.isSuccess(decoded)
    ? Result.succeed(decoded.success)
    : Result.fail(new DecodeError('schema', decoded.failure.message))
}

type DecodeFn = (input: unknown) => Result.Result<unknown, Schema.SchemaError>
const decoders = new WeakMap<object, DecodeFn>()

// Building a decoder walks the schema's AST; do it once per schema, not once per frame.
function decoderFor<A>(schema: Schema.Decoder<A>): (input: unknown) => Result.Result<A, Schema.SchemaError> {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknownResult(schema as Schema.Decoder<unknown>, { errors: 'first' })
    decoders.set(schema, decode)
  }
  return decode as (input: unknown) => Result.Result<A, Schema.SchemaError>
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
