import { Schema, SchemaAST } from 'effect'

/**
 * A schema's decoding, compiled to plain functions for the subset the project's inboxes use, so that a
 * valid message costs a few property reads instead of effect's parser (its Exit values, issue
 * bookkeeping and generic walk: 0.1–1 µs a message, 14% of the simulator's time in `bytes` mode).
 *
 * The compiled function only *accepts*: given a value it either returns what effect's
 * `decodeUnknownResult(schema)` would return (the same structure, excess struct keys stripped, leaves
 * passed through as they are) or INVALID. It never explains a refusal: the caller asks effect's own
 * decoder for that, so every error message stays effect's. A refusal the compiled code gets wrong would
 * only cost speed; an acceptance it gets wrong would change meaning, so every construct whose decoding
 * is not exactly known here makes `compileDecoder` return undefined and the caller keep effect's decoder.
 *
 * Covered: String, Number, Boolean, Null, Undefined, Never, literals; Uint8Array (effect's own
 * declaration, recognised by identity); structs with required and optional (`optionalKey`) string keys
 * and no index signatures; arrays (`Schema.Array`) and tuples of required elements; `anyOf` unions,
 * with nested unions flattened and a switch on a common string discriminant. Checks (`isInt`,
 * `isBetween`, `isMaxLength`, `isPattern`, …) on any of these run through each check's own `run`, so
 * their rules cannot drift from effect's. Not covered (undefined): transformations and encodings,
 * declarations other than Uint8Array (classes, instanceOf of other types), Suspend, index signatures
 * (records), `oneOf` unions, optional tuple elements, defaults, template literals, enums, symbols,
 * bigints, Unknown/Any.
 */

/** What a compiled decoder returns for a value effect's decoder would refuse. */
export const INVALID: unique symbol = Symbol('invalid')

/** A compiled decoder: the decoded value, or INVALID. */
export type CompiledDecode = (input: unknown) => unknown

type Filter = SchemaAST.Filter<unknown>

/** The options effect's decoder runs with beside a compiled one (core/codec.ts): checks see the same. */
export const DECODE_OPTIONS: SchemaAST.ParseOptions = { errors: 'first' }

// Effect's Uint8Array declaration: checks added to it (exactBytes, boundedBytes) keep its run.
const UINT8ARRAY_RUN = (Schema.Uint8Array.ast as SchemaAST.Declaration).run

// An optional key's slot before it is read: distinct from every decoded value, undefined included.
const ABSENT = Symbol('absent')

const compiled = new WeakMap<SchemaAST.AST, CompiledDecode | null>()

/** The compiled decoder of `ast`, or undefined when any part of it is outside the subset above. */
export function compileDecoder(ast: SchemaAST.AST): CompiledDecode | undefined {
  let decode = compiled.get(ast)
  if (decode === undefined) {
    decode = compileNode(ast) ?? null
    compiled.set(ast, decode)
  }
  return decode ?? undefined
}

function compileNode(ast: SchemaAST.AST): CompiledDecode | undefined {
  // An encoding is a transformation; encodingChecks run while decoding too (effect's interpreter).
  if (ast.encoding !== undefined || (ast as { encodingChecks?: unknown }).encodingChecks !== undefined) return undefined
  if (ast.context?.constructorDefault !== undefined) return undefined
  const base = compileBase(ast)
  if (base === undefined || ast.checks === undefined) return base
  return withChecks(base, ast, flattenChecks(ast.checks))
}

function compileBase(ast: SchemaAST.AST): CompiledDecode | undefined {
  switch (ast._tag) {
    case 'String':
      return (input) => (typeof input === 'string' ? input : INVALID)
    case 'Number':
      return (input) => (typeof input === 'number' ? input : INVALID)
    case 'Boolean':
      return (input) => (typeof input === 'boolean' ? input : INVALID)
    case 'Null':
      return (input) => (input === null ? input : INVALID)
    case 'Undefined':
      return (input) => (input === undefined ? input : INVALID)
    case 'Never':
      return () => INVALID
    case 'Literal': {
      // effect compares with ===, and hands back the input (the same value, or -0 for a literal 0).
      const literal = ast.literal
      return typeof literal === 'bigint' ? undefined : (input) => (input === literal ? input : INVALID)
    }
    case 'Declaration':
      return ast.run === UINT8ARRAY_RUN && ast.typeParameters.length === 0 ? (input) => (input instanceof Uint8Array ? input : INVALID) : undefined
    case 'Objects':
      return compileStruct(ast)
    case 'Arrays':
      return compileArray(ast)
    case 'Union':
      return compileUnion(ast)
    default:
      return undefined
  }
}

// Checks run in order on the decoded value; the first issue refuses it (errors: 'first').
function flattenChecks(checks: readonly SchemaAST.Check<unknown>[]): Filter[] {
  return checks.flatMap((check) => (check._tag === 'FilterGroup' ? flattenChecks(check.checks) : [check]))
}

function withChecks(base: CompiledDecode, ast: SchemaAST.AST, filters: readonly Filter[]): CompiledDecode {
  const names = filters.map((_, i) => `f${i}`)
  return generate(
    { base, ast, options: DECODE_OPTIONS, ...Object.fromEntries(filters.map((filter, i) => [names[i], filter])) },
    `const value = base(input)
    if (value === INVALID) return INVALID
    ${names.map((f) => `if (${f}.run(value, ast, options) !== undefined) return INVALID`).join('\n')}
    return value`,
  )
}

interface Field {
  readonly name: string
  readonly decode: CompiledDecode
  readonly optional: boolean
}

function compileStruct(ast: SchemaAST.Objects): CompiledDecode | undefined {
  // Records, and the empty struct (which takes any non-nullish value as it is), stay effect's.
  if (ast.indexSignatures.length > 0 || ast.propertySignatures.length === 0) return undefined
  const fields: Field[] = []
  for (const property of ast.propertySignatures) {
    // __proto__ needs effect's defineProperty; symbol and number keys are not in any inbox.
    if (typeof property.name !== 'string' || property.name === '__proto__') return undefined
    const decode = compileDecoder(property.type)
    if (decode === undefined) return undefined
    fields.push({ name: property.name, decode, optional: SchemaAST.isOptional(property.type) })
  }
  // Generated per struct, so that each field is read with a constant key and each field decoder is
  // called from a call site of its own (both stay monomorphic: one shared loop over the fields made
  // every struct's reads and calls megamorphic and cost as much as effect's parser).
  const reads = fields.map(({ name, optional }, i) => {
    const key = JSON.stringify(name)
    // `in`, as effect tests a key (inherited keys count).
    return optional
      ? `let v${i} = ABSENT
    if (${key} in input) {
      v${i} = d${i}(input[${key}])
      if (v${i} === INVALID) return INVALID
    }`
      : `if (!(${key} in input)) return INVALID
    const v${i} = d${i}(input[${key}])
    if (v${i} === INVALID) return INVALID`
  })
  // Only declared keys are copied, in the schema's order: effect strips excess keys by default
  // (onExcessProperty: 'ignore'). An absent optional key stays absent.
  const build = fields.some((field) => field.optional)
    ? `const out = {}
    ${fields.map(({ name, optional }, i) => (optional ? `if (v${i} !== ABSENT) out[${JSON.stringify(name)}] = v${i}` : `out[${JSON.stringify(name)}] = v${i}`)).join('\n')}
    return out`
    : `return { ${fields.map(({ name }, i) => `${JSON.stringify(name)}: v${i}`).join(', ')} }`
  return generate(
    { ABSENT, ...Object.fromEntries(fields.map((field, i) => [`d${i}`, field.decode])) },
    `if (typeof input !== 'object' || input === null || Array.isArray(input)) return INVALID
    ${reads.join('\n')}
    ${build}`,
  )
}

function compileArray(ast: SchemaAST.Arrays): CompiledDecode | undefined {
  if (ast.elements.some(SchemaAST.isOptional)) return undefined
  if (ast.elements.length === 0 && ast.rest.length === 1) {
    const element = compileDecoder(ast.rest[0]!)
    if (element === undefined) return undefined
    return generate(
      { element },
      `if (!Array.isArray(input)) return INVALID
      const length = input.length
      const out = new Array(length)
      for (let i = 0; i < length; i++) {
        const value = element(input[i])
        if (value === INVALID) return INVALID
        out[i] = value
      }
      return out`,
    )
  }
  if (ast.rest.length > 0) return undefined // tuples with a rest part: not in any inbox
  const elements: CompiledDecode[] = []
  for (const element of ast.elements) {
    const decode = compileDecoder(element)
    if (decode === undefined) return undefined
    elements.push(decode)
  }
  // A tuple refuses missing and extra elements alike.
  return generate(
    Object.fromEntries(elements.map((decode, i) => [`d${i}`, decode])),
    `if (!Array.isArray(input) || input.length !== ${elements.length}) return INVALID
    ${elements.map((_, i) => `const v${i} = d${i}(input[${i}])\n    if (v${i} === INVALID) return INVALID`).join('\n')}
    return [${elements.map((_, i) => `v${i}`).join(', ')}]`,
  )
}

/**
 * An `anyOf` union takes the first member that accepts the value, in the members' order (effect's
 * candidate index only skips members that would refuse it). A nested `anyOf` union with no checks is
 * the same as its members in its place, so members are flattened. When every member is a struct
 * with a required string literal (or union of them) under one common key, the value's key picks the
 * members to try, in their order.
 */
function compileUnion(ast: SchemaAST.Union): CompiledDecode | undefined {
  if (ast.options?.mode === 'oneOf') return undefined
  const members = flattenUnion(ast)
  const decoders: CompiledDecode[] = []
  for (const member of members) {
    const decode = compileDecoder(member)
    if (decode === undefined) return undefined
    decoders.push(decode)
  }
  const discriminant = commonDiscriminant(members)
  if (discriminant === undefined) return firstAccepting(decoders)
  const literals = [...new Set(discriminant.literals.flat())]
  const byLiteral = literals.map((literal) => firstAccepting(decoders.filter((_, i) => discriminant.literals[i]!.includes(literal))))
  const key = JSON.stringify(discriminant.key)
  // Every member is a struct whose key holds a string literal: another tag, or none, matches none of them.
  return generate(
    Object.fromEntries(byLiteral.map((decode, i) => [`d${i}`, decode])),
    `if (typeof input !== 'object' || input === null || !(${key} in input)) return INVALID
    switch (input[${key}]) {
      ${literals.map((literal, i) => `case ${JSON.stringify(literal)}: return d${i}(input)`).join('\n')}
      default: return INVALID
    }`,
  )
}

function flattenUnion(ast: SchemaAST.Union): SchemaAST.AST[] {
  return ast.types.flatMap((member) =>
    SchemaAST.isUnion(member) && member.options?.mode !== 'oneOf' && member.checks === undefined && member.encoding === undefined && member.context === undefined
      ? flattenUnion(member)
      : [member],
  )
}

function firstAccepting(decoders: readonly CompiledDecode[]): CompiledDecode {
  if (decoders.length === 1) return decoders[0]!
  return generate(
    Object.fromEntries(decoders.map((decode, i) => [`d${i}`, decode])),
    `let value
    ${decoders.map((_, i) => `if ((value = d${i}(input)) !== INVALID) return value`).join('\n')}
    return INVALID`,
  )
}

/**
 * A function `(input) => …` with `body`, over `values` by name (decoders, checks, constants): one per
 * node, so that its reads and calls get feedback of their own. Only identifiers made here and keys
 * quoted by JSON.stringify reach the source.
 */
function generate(values: Record<string, unknown>, body: string): CompiledDecode {
  const names = ['INVALID', ...Object.keys(values)]
  const make = new Function(...names, `return function decode(input) {\n${body}\n}`) as (...args: unknown[]) => CompiledDecode
  return make(INVALID, ...Object.values(values))
}

/**
 * The key under which every member (a struct) requires a string literal, or one of a union of them
 * (`Schema.Literals`), and each member's literals.
 */
function commonDiscriminant(members: readonly SchemaAST.AST[]): { key: string; literals: string[][] } | undefined {
  const first = members[0]
  if (members.length < 2 || first === undefined || !SchemaAST.isObjects(first)) return undefined
  for (const candidate of first.propertySignatures) {
    if (typeof candidate.name !== 'string') continue
    const literals = members.map((member) => literalsUnder(member, candidate.name as string))
    if (literals.every((l) => l !== undefined)) return { key: candidate.name, literals: literals as string[][] }
  }
  return undefined
}

// The string literals a struct requires under `key`, with no checks or encoding that could change them.
function literalsUnder(member: SchemaAST.AST, key: string): string[] | undefined {
  if (!SchemaAST.isObjects(member)) return undefined
  const type = member.propertySignatures.find((property) => property.name === key)?.type
  if (type === undefined || SchemaAST.isOptional(type)) return undefined
  return stringLiterals(type)
}

function stringLiterals(ast: SchemaAST.AST): string[] | undefined {
  if (ast.checks !== undefined || ast.encoding !== undefined) return undefined
  if (SchemaAST.isLiteral(ast)) return typeof ast.literal === 'string' ? [ast.literal] : undefined
  if (!SchemaAST.isUnion(ast) || ast.options?.mode === 'oneOf') return undefined
  const literals = ast.types.map(stringLiterals)
  return literals.every((l) => l !== undefined) ? (literals as string[][]).flat() : undefined
}
