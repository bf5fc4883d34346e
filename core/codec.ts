import { Result, Schema } from 'effect'
import { Packr, Unpackr } from 'msgpackr'
import { compileDecoder, DECODE_OPTIONS, INVALID } from './compiled-decoder.ts'
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
 * Frames up to this size are unpacked from a reused buffer of their exact length (see unpackFrame):
 * small enough that the buffers, one per length, stay a few hundred KiB in all; large enough for the
 * messages that dominate a run (requests, acknowledgements, gossip).
 */
export const DEFAULT_SCRATCH_FRAME_BYTES = 1024

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
    raw = unpackFrame(bytes)
  } catch (cause) {
    return Result.fail(new DecodeError('malformed', `not a MessagePack frame: ${describe(cause)}`))
  }
  return validate(raw, schema)
}

/** Checks already-unpacked plain data against `schema`, with the same error type as decodeFrame. */
export function validate<A>(raw: unknown, schema: Schema.Decoder<A>): Result.Result<A, DecodeError> {
  const decoded = decoderFor(schema)(raw)
  // A success carries no error, so it passes as it is: one allocation less per message.
  return Result.isSuccess(decoded) ? (decoded as Result.Result<A, never>) : Result.fail(new DecodeError('schema', decoded.failure.message))
}

/** Reused frames by length; a slot is filled on first use (Buffer.alloc: its own ArrayBuffer, nothing past its end). */
const scratch: (Buffer | undefined)[] = []

/**
 * Unpacks a frame. msgpackr caches a DataView on the buffer it reads (a new DataView and a new
 * property on every fresh frame: as much as the rest of a small frame's unpacking), so a small Buffer
 * is first copied into the reused Buffer of its exact length, whose view is made once. The result is
 * the same: it depends on the bytes and the class alone (same length, same content, nothing readable
 * past the end), and nothing decoded aliases the buffer (copyBuffers copies binary fields out;
 * strings are copies).
 * unpack is done with the buffer when it returns: a nested decodeFrame (from a schema) may reuse it.
 */
function unpackFrame(bytes: Uint8Array): unknown {
  const length = bytes.byteLength
  // Binary fields come out as slices of the frame, of its class: only a Buffer (every frame encode
  // makes, every frame a transport reads) may be read from a Buffer instead.
  if (length > DEFAULT_SCRATCH_FRAME_BYTES || length === 0 || !Buffer.isBuffer(bytes)) return unpackr.unpack(bytes)
  let buffer = scratch[length]
  if (buffer === undefined) scratch[length] = buffer = Buffer.alloc(length)
  buffer.set(bytes)
  return unpackr.unpack(buffer)
}

type DecodeFn = (input: unknown) => Result.Result<unknown, Schema.SchemaError>
const decoders = new WeakMap<object, DecodeFn>()
// The last schema asked for and its decoder: a run of frames for one inbox skips the WeakMap.
let lastSchema: object | undefined
let lastDecode: DecodeFn | undefined

// Building a decoder walks the schema's AST; do it once per schema, not once per frame.
// A schema in the compiled subset (core/compiled-decoder.ts) accepts through its compiled function;
// what that refuses, effect's decoder decodes again, so a refusal carries effect's message.
function decoderFor<A>(schema: Schema.Decoder<A>): (input: unknown) => Result.Result<A, Schema.SchemaError> {
  if (schema === lastSchema) return lastDecode as (input: unknown) => Result.Result<A, Schema.SchemaError>
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = withCompiled(schema.ast, Schema.decodeUnknownResult(schema as Schema.Decoder<unknown>, DECODE_OPTIONS))
    decoders.set(schema, decode)
  }
  lastSchema = schema
  lastDecode = decode
  return decode as (input: unknown) => Result.Result<A, Schema.SchemaError>
}

function withCompiled(ast: Schema.Decoder<unknown>['ast'], decode: DecodeFn): DecodeFn {
  const compiled = compileDecoder(ast)
  if (compiled === undefined) return decode
  return (input) => {
    let value: unknown
    try {
      value = compiled(input)
    } catch {
      value = INVALID // a check that throws: effect's decoder reports it as it always did
    }
    return value === INVALID ? decode(input) : Result.succeed(value)
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
