import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { BftMessage } from '../actors/consensus/messages.ts'
import { blobOf, node as blobNode, pump, results } from '../actors/blob/blob-transfer.fixtures.ts'
import { BlobMessage } from '../actors/blob/messages.ts'
import { SignedEnvelope } from '../actors/identity/envelope.ts'
import { Announcement } from '../actors/peer/announcement.ts'
import { KademliaInbox } from '../actors/peer/kademlia-rpc.ts'
import { DhtRecord } from '../actors/peer/record.ts'
import { scenarios } from '../sim/scenarios/index.ts'
import { compileDecoder, DECODE_OPTIONS, INVALID } from './compiled-decoder.ts'
import * as codec from './codec.ts'

/**
 * The compiled decoder against effect's, on every schema the project decodes frames with. The schemas
 * and real messages are collected by running every scenario briefly in `bytes` isolation, with
 * decodeFrame wrapped: every inbox (scenario actors, VainNode's composite, the DHT, BFT voters) and every
 * stored state the runs read back, each with messages the run actually sent.
 */
const seen = vi.hoisted(() => ({ samples: new Map<object, unknown[]>(), shapes: new Map<object, Map<string, number>>() }))
vi.mock('./codec.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('./codec.ts')>()
  return {
    ...original,
    decodeFrame: (bytes: Uint8Array, schema: Schema.Decoder<unknown>, maxBytes?: number) => {
      const decoded = original.decodeFrame(bytes, schema, maxBytes)
      let samples = seen.samples.get(schema)
      if (samples === undefined) seen.samples.set(schema, (samples = []))
      let shapes = seen.shapes.get(schema)
      if (shapes === undefined) seen.shapes.set(schema, (shapes = new Map()))
      if (Result.isSuccess(decoded)) {
        // A few of each kind of message, so a union's rarer variants are not crowded out by its commonest.
        const kind = shape(decoded.success)
        const count = shapes.get(kind) ?? 0
        if (count < SAMPLES_PER_SHAPE) {
          shapes.set(kind, count + 1)
          samples.push(decoded.success)
        }
      }
      return decoded
    },
  }
})

/** Real messages kept per schema and shape (variant, optional keys present, nesting): a few of each. */
const SAMPLES_PER_SHAPE = 8

/** A message's shape: its keys, nested, with the discriminants' values (the variant of each union). */
function shape(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length === 0 ? '' : shape(value[0])}]`
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return typeof value
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}:${typeof v === 'string' && ['type', 't', 'p', 'protocol'].includes(k) ? v : shape(v)}`)
    .join(',')}}`
}
/** Virtual time each scenario runs for while schemas are collected: every protocol exchanges messages by then. */
const COLLECT_MS = 30_000
/** fast-check runs per schema and property. */
const RUNS = 400

function collect(): Map<Schema.Decoder<unknown>, unknown[]> {
  for (const scenario of scenarios.values()) {
    const run = scenario.build({ seed: 1, nodes: Math.max(scenario.minNodes, 8), untilMs: COLLECT_MS, isolation: 'bytes' })
    run.sim.run({ untilMs: COLLECT_MS })
  }
  // Blob transfer runs in no scenario: a fetch of a blob held, and of one not held (open, size, get,
  // chunk, close, refuse), through the blob fixtures' pump, which decodes every message.
  const [holder, fetcher] = [blobNode('h'), blobNode('f', { chunkBytes: 1024, window: 2 })]
  fetcher.blob.fetch(holder.blob.blobs().put(blobOf(5000)), 'h', results().done)
  fetcher.blob.fetch(new Uint8Array(32).fill(7), 'h', results().done)
  pump([holder, fetcher])
  const all = new Map(seen.samples as Map<Schema.Decoder<unknown>, unknown[]>)
  // The exported message schemas on their own, in case a scenario stops using one.
  for (const schema of [BlobMessage, BftMessage, KademliaInbox, SignedEnvelope, Announcement, DhtRecord] as Schema.Decoder<unknown>[]) {
    if (!all.has(schema)) all.set(schema, [])
  }
  return all
}

const schemas = collect()

// ——— near-valid values: a real message with one thing changed ———

type Path = readonly (string | number)[]

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])))
  else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]))
  return out
}

function clone(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.slice()
  if (Array.isArray(value)) return value.map(clone)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]))
  return value
}

/** Lengths and numbers at and around the bounds the project's schemas use (and a few off them). */
const LENGTHS = [0, 1, 7, 8, 31, 32, 33, 36, 37, 38, 63, 64, 65, 255, 256, 257, 640, 1024, 1025, 4096, 4097]
const NUMBERS = [0, -0, 1, -1, 0.5, 2, 10, 11, 255, 256, 2 ** 20, 2 ** 20 + 1, 2 ** 40, 2 ** 40 + 1, 2 ** 48, 2 ** 48 + 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, -Infinity, 1e300]

type Replace = (old: unknown) => unknown
const replacement: fc.Arbitrary<Replace> = fc.oneof(
  fc.anything().map((v) => () => v),
  fc.constantFrom(...NUMBERS).map((n) => () => n),
  fc.constantFrom(...LENGTHS).map((n) => () => 'x'.repeat(n)),
  fc.constantFrom(...LENGTHS).map((n) => () => new Uint8Array(n)),
  fc.constantFrom(...LENGTHS).map((n) => () => Buffer.alloc(n)),
  fc.constantFrom(null, undefined, true, false, [], {}, 'signed', 'prevote', 'find_node', 'rumor').map((v) => () => v),
  // A neighbour of what was there: ±1 on a number, a byte or character more or less, an array longer.
  fc.constantFrom(-1, 1).map((d) => (old: unknown) => (typeof old === 'number' ? old + d : old)),
  fc.constantFrom(-1, 1).map((d) => (old: unknown) => (typeof old === 'string' ? (d > 0 ? old + 'x' : old.slice(1)) : old)),
  fc.constantFrom(-1, 1).map((d) => (old: unknown) => (old instanceof Uint8Array ? new Uint8Array(Math.max(0, old.length + d)) : old)),
  fc.constantFrom(...LENGTHS).map((n) => (old: unknown) => (Array.isArray(old) ? Array.from({ length: n }, (_, i) => clone(old[i % Math.max(1, old.length)])) : old)),
)

type Mutation = { kind: 'set'; at: number; replace: Replace } | { kind: 'delete'; at: number } | { kind: 'extra'; at: number; key: string; value: unknown }
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), replace: replacement }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), key: fc.oneof(fc.string(), fc.constantFrom('type', 't', 'p', 'm', 'to', 'cert', 'extra')), value: fc.anything() }),
)

function mutate(message: unknown, m: Mutation): unknown {
  const root = { v: clone(message) }
  const all = paths(root.v)
  const path: Path = ['v', ...all[m.at % all.length]!]
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root)
  const key = path[path.length - 1]!
  if (m.kind === 'set') parent[key] = m.replace(parent[key])
  else if (m.kind === 'delete') delete parent[key]
  // Extra keys go on objects (a struct's excess keys): an array's or a byte string's own keys are not for setting.
  else if (typeof parent[key] === 'object' && parent[key] !== null && !Array.isArray(parent[key]) && !(parent[key] instanceof Uint8Array)) parent[key][m.key] = m.value
  return root.v
}

// ——— the comparison ———

function agree(schema: Schema.Decoder<unknown>, value: unknown): void {
  const compiled = compileDecoder(schema.ast)!
  const expected = Schema.decodeUnknownResult(schema, DECODE_OPTIONS)(value)
  const actual = compiled(value)
  if (Result.isSuccess(expected)) {
    expect(actual).not.toBe(INVALID)
    expect(actual).toStrictEqual(expected.success)
  } else {
    expect(actual).toBe(INVALID)
  }
  // And through core/codec.ts, as frames are decoded: the same success, or effect's own message.
  const validated = codec.validate(value, schema)
  if (Result.isSuccess(expected)) expect(Result.isSuccess(validated) && validated.success).toStrictEqual(expected.success)
  else expect(Result.isFailure(validated) && validated.failure.message).toBe(expected.failure.message)
}

describe('compiled decoder', () => {
  it('collects the inboxes of every scenario, and compiles every one of them', () => {
    // Composite inboxes (VainNode's, bft's), the DHT's, scenario actors' and stored states, at least.
    expect(schemas.size).toBeGreaterThanOrEqual(10)
    const notCompiled = [...schemas.keys()].filter((schema) => compileDecoder(schema.ast) === undefined)
    expect(notCompiled.map((schema) => String(schema.ast))).toEqual([])
    for (const [schema, samples] of schemas) if (seen.samples.has(schema)) expect(samples.length).toBeGreaterThan(0)
  })

  it('agrees with effect on every real message, as sent', () => {
    for (const [schema, samples] of schemas) for (const sample of samples) agree(schema, sample)
  })

  it('agrees with effect on real messages with one field changed, removed or added', () => {
    for (const [schema, samples] of schemas) {
      if (samples.length === 0) continue
      fc.assert(
        fc.property(fc.constantFrom(...samples), mutation, (sample, m) => agree(schema, mutate(sample, m))),
        { numRuns: RUNS },
      )
    }
  })

  it('agrees with effect on arbitrary values', () => {
    for (const schema of schemas.keys()) {
      fc.assert(
        fc.property(fc.anything({ withTypedArray: true, withNullPrototype: true, withObjectString: true, withSparseArray: true }), (value) => agree(schema, value)),
        { numRuns: RUNS },
      )
    }
  })

  it('agrees with effect on the edges of the subset: undefined, absent keys, tuples, literal unions', () => {
    const leaf = Schema.Union([Schema.Literals(['a', 'b']), Schema.Null, Schema.Int.check(Schema.isBetween({ minimum: -1, maximum: 1 }))])
    const edges: Schema.Decoder<unknown>[] = [
      Schema.Struct({ a: Schema.UndefinedOr(Schema.Number), b: Schema.optionalKey(Schema.String), c: Schema.optional(Schema.Boolean) }),
      Schema.Tuple([Schema.String, Schema.NullOr(Schema.Uint8Array.check(Schema.isMaxLength(2)))]),
      Schema.Array(leaf).check(Schema.isMinLength(1), Schema.isMaxLength(2)),
      Schema.Union([Schema.Struct({ k: Schema.Literals(['x', 'y']), v: leaf }), Schema.Struct({ k: Schema.Literal('x'), w: Schema.Number }), Schema.Struct({ k: Schema.Literal('z') })]),
      Schema.Union([Schema.Struct({ a: Schema.Number }), Schema.Struct({ b: Schema.String }), Schema.Array(Schema.Number)]),
    ]
    const atom = fc.constantFrom<unknown>(undefined, null, 0, -0, 1, -1, 2, 1.5, NaN, 'a', 'b', 'x', 'y', 'z', '', true, new Uint8Array(2), new Uint8Array(3), [], {})
    const value = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, atom, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c', 'k', 'v', 'w', 'z'), tie('value'), { maxKeys: 4 })),
    })).value
    for (const schema of edges) {
      expect(compileDecoder(schema.ast)).toBeDefined()
      fc.assert(fc.property(value, (v) => agree(schema, v)), { numRuns: RUNS * 5 })
    }
  })

  it('keeps effect for what it does not cover, and decodes it as before', () => {
    class Point extends Schema.Class<Point>('Point')({ x: Schema.Number }) {}
    interface Tree {
      readonly children: readonly Tree[]
    }
    const Tree: Schema.Codec<Tree> = Schema.Struct({ children: Schema.Array(Schema.suspend((): Schema.Codec<Tree> => Tree)) })
    const outside: Schema.Decoder<unknown>[] = [
      Schema.NumberFromString,
      Point,
      Tree,
      Schema.Record(Schema.String, Schema.Number),
      Schema.Struct({ a: Schema.Number, b: Schema.NumberFromString }),
      Schema.Union([Schema.Number, Schema.Date]),
      Schema.Unknown,
    ]
    for (const schema of outside) {
      expect(compileDecoder(schema.ast)).toBeUndefined()
      expect(Result.isSuccess(codec.validate({ x: 1, children: [], a: 1, b: '2' }, schema))).toBe(Result.isSuccess(Schema.decodeUnknownResult(schema)({ x: 1, children: [], a: 1, b: '2' })))
    }
  })

  it('strips excess keys and keeps leaves as they are, as effect does', () => {
    const S = Schema.Struct({ a: Schema.Literal('a'), b: Schema.optionalKey(Schema.Uint8Array), c: Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 9 }))) })
    const bytes = new Uint8Array(3)
    const decoded = compileDecoder(S.ast)!({ a: 'a', b: bytes, c: [1, 2], extra: 1 }) as { b: Uint8Array; c: number[] }
    expect(decoded).toEqual({ a: 'a', b: bytes, c: [1, 2] })
    expect(decoded.b).toBe(bytes)
    expect(compileDecoder(S.ast)!({ a: 'a', c: [1, 10] })).toBe(INVALID)
    expect(compileDecoder(S.ast)!({ a: 'a', c: [1.5] })).toBe(INVALID)
    expect(compileDecoder(S.ast)!({ a: 'a', b: undefined, c: [] })).toBe(INVALID) // optionalKey: absent, not undefined
  })
})
