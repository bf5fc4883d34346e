import { Result, Schema } from 'effect'
import { validate } from '../core/codec.ts'
import { ConfigError } from '../core/errors.ts'
import { MAX_VIRTUAL_TIME_MS } from './format.ts'
import { parseConfigJson, refuseUnknownFields } from './config-json.ts'
import { BEHAVIOURS, BehaviourSchema, MAX_DUPLICATE_COPIES } from './adversaries/behaviours.ts'

/** The longest node or partition name in a schedule (a name is data, not a story). */
const MAX_NAME_LENGTH = 256

const At = Schema.Number.check(Schema.isFinite(), Schema.isBetween({ minimum: 0, maximum: MAX_VIRTUAL_TIME_MS }))
const Name = Schema.String.check(Schema.isMaxLength(MAX_NAME_LENGTH))

/** The node stops: its volatile state and timers are gone; with `torn`, a random prefix of its un-synced writes survives. */
const Crash = Schema.Struct({ at: At, kind: Schema.Literal('crash'), node: Name, torn: Schema.optionalKey(Schema.Boolean) })
/** A crashed node boots again from what its storage kept. */
const Restart = Schema.Struct({ at: At, kind: Schema.Literal('restart'), node: Name })
/**
 * Messages cannot cross between the groups (nodes in no group form one more group, the last) until
 * healed. With `oneWay`, only messages from a group to a later one are cut: `groups: [["a"]]` makes `a`
 * mute to everyone while it still hears them (an asymmetric partition: b hears nothing of a, a hears b).
 * With `rest: "untouched"`, the nodes in no group are not cut from anyone by this partition, so
 * `{"groups":[["a"],["b"]],"oneWay":true,"rest":"untouched"}` cuts the one link a → b.
 */
const Partition = Schema.Struct({
  at: At,
  kind: Schema.Literal('partition'),
  id: Schema.optionalKey(Name),
  groups: Schema.Array(Schema.Array(Name)),
  oneWay: Schema.optionalKey(Schema.Boolean),
  rest: Schema.optionalKey(Schema.Literals(['group', 'untouched'])),
})
/** Ends the partition named `id`, or every partition. */
const Heal = Schema.Struct({ at: At, kind: Schema.Literal('heal'), id: Schema.optionalKey(Name) })
/** The node's clock jumps by `offsetMs` and then runs `driftPpm` parts per million fast (or slow). */
const Skew = Schema.Struct({
  at: At,
  kind: Schema.Literal('skew'),
  node: Name,
  offsetMs: Schema.Number.check(Schema.isFinite(), Schema.isBetween({ minimum: -MAX_VIRTUAL_TIME_MS, maximum: MAX_VIRTUAL_TIME_MS })),
  driftPpm: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: -1e5, maximum: 1e5 }))),
})
/** Every message from or to `node` (or only between node and `peer`) is held for `durationMs`. */
const Clog = Schema.Struct({
  at: At,
  kind: Schema.Literal('clog'),
  node: Name,
  peer: Schema.optionalKey(Name),
  durationMs: At,
})

/**
 * From `at` (for `durationMs`, or to the end), the node behaves as `behaviour` says (sim/adversaries):
 * its actor runs unchanged, and what it sends is silenced, delayed, dropped, duplicated, replayed,
 * garbled, or replaced by its protocol's lies.
 */
const Byzantine = Schema.Struct({
  at: At,
  kind: Schema.Literal('byzantine'),
  node: Name,
  behaviour: BehaviourSchema,
  durationMs: Schema.optionalKey(At),
})
/**
 * Twins (Bano et al.): a second copy of the node's unmodified code boots under the same identity and
 * address, with storage of its own, named `twin` (default: the node's name and a prime, `n3'`) in
 * later faults. Messages to the address reach every copy the network lets through, so partitions
 * that name the copies decide who hears which: equivocation, double votes and lost state, with no
 * attack code.
 */
const Twin = Schema.Struct({ at: At, kind: Schema.Literal('twin'), node: Name, twin: Schema.optionalKey(Name) })

/** The most Sybils one fault adds (each is a whole node in the run). */
export const MAX_SYBILS_PER_FAULT = 10_000

/**
 * `count` identities controlled by the adversary join, named `prefix0`, `prefix1`, … (default
 * `sybil`), booting `spacingMs` apart from `at`. Each runs the scenario's Sybil actor (SimulationOptions
 * `sybil`, which may grind its keys) with `behaviour` (default `collude`: one controller for them all).
 */
const Sybil = Schema.Struct({
  at: At,
  kind: Schema.Literal('sybil'),
  count: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_SYBILS_PER_FAULT })),
  prefix: Schema.optionalKey(Name),
  spacingMs: Schema.optionalKey(At),
  behaviour: Schema.optionalKey(BehaviourSchema),
})

/** The most reads, items or syncs one disk fault names: a fault is a few events, not a flood. */
const MAX_DISK_FAULT_COUNT = 1_000_000
const Count = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_DISK_FAULT_COUNT }))
/**
 * Where on the node's disk a fault lands: items whose path starts with it. Paths: `kv/<key>` (the
 * key-value map), `log/<name>/<index>`, `blob/<store>/<hash hex>`; the default, "", is any item.
 */
const Prefix = Name
/**
 * The next `reads` checksummed reads (default 1) of the node's items under `prefix` return a bit
 * flipped; the stored bytes are intact. The store detects it: StoreError 'corrupt', never the bytes.
 */
const CorruptRead = Schema.Struct({ at: At, kind: Schema.Literal('corrupt-read'), node: Name, reads: Schema.optionalKey(Count), prefix: Schema.optionalKey(Prefix) })
/**
 * A latent bad sector: `items` (default 1) synced items of the node under `prefix`, drawn at random,
 * get a bit flipped on the disk, under their checksums; found only when read, at every read after.
 */
const BadSector = Schema.Struct({ at: At, kind: Schema.Literal('bad-sector'), node: Name, items: Schema.optionalKey(Count), prefix: Schema.optionalKey(Prefix) })
/**
 * A disk that lies about its cache: the node's next `syncs` syncs (default 1) return without making
 * their writes durable; the next honest sync writes them, and a crash before it loses them.
 */
const LyingSync = Schema.Struct({ at: At, kind: Schema.Literal('lying-sync'), node: Name, syncs: Schema.optionalKey(Count) })

const KINDS = {
  crash: Crash,
  restart: Restart,
  partition: Partition,
  heal: Heal,
  skew: Skew,
  clog: Clog,
  'corrupt-read': CorruptRead,
  'bad-sector': BadSector,
  'lying-sync': LyingSync,
  byzantine: Byzantine,
  twin: Twin,
  sybil: Sybil,
} as const

/** The kinds of fault a schedule may hold. */
export type FaultKind = keyof typeof KINDS
export const FAULT_KINDS = Object.keys(KINDS) as readonly FaultKind[]
/** The kinds that fault a node's disk (see MemoryStorage): off in generated schedules unless asked for. */
export const DISK_FAULT_KINDS: readonly FaultKind[] = ['corrupt-read', 'bad-sector', 'lying-sync']

export const FaultSchema = Schema.Union(Object.values(KINDS))
export const FaultScheduleSchema = Schema.Array(FaultSchema)

/** One fault, as plain serialisable data. */
export type Fault = typeof FaultSchema.Type
/** Faults that a run applies at their virtual times (ms); serialisable, so a failing run can be replayed. */
export type FaultSchedule = readonly Fault[]

/** The nodes a fault names (for validation against a run's nodes). */
export function faultNodes(fault: Fault): readonly string[] {
  switch (fault.kind) {
    case 'partition':
      return fault.groups.flat()
    case 'heal':
    case 'sybil':
      return []
    case 'clog':
      return fault.peer === undefined ? [fault.node] : [fault.node, fault.peer]
    default:
      return [fault.node]
  }
}

/** The name a twin fault gives the copy. */
export const twinName = (fault: { readonly node: string; readonly twin?: string }): string => fault.twin ?? `${fault.node}'`

/** The name of the `i`-th Sybil a sybil fault adds. */
export const sybilName = (fault: { readonly prefix?: string }, i: number): string => `${fault.prefix ?? 'sybil'}${i}`

/** The nodes a fault adds to the run (twins and Sybils), which later faults may name. */
export function faultAddedNodes(fault: Fault): readonly string[] {
  if (fault.kind === 'twin') return [twinName(fault)]
  if (fault.kind === 'sybil') return Array.from({ length: fault.count }, (_, i) => sybilName(fault, i))
  return []
}

/** Parses a fault schedule from JSON text; a ConfigError says in one line what is wrong, and where. */
export function parseFaultSchedule(json: string): FaultSchedule {
  const raw = parseConfigJson(json)
  if (!Array.isArray(raw)) throw new ConfigError(`expected a JSON array of faults, like [{"at":100,"kind":"crash","node":"n3"}]`)
  return raw.map((fault, i) => parseFault(fault, `fault ${i + 1} of ${raw.length}`))
}

const KIND_NAMES = Object.keys(KINDS).join(', ')

// What each field takes, as the messages say it.
const FIELD_TAKES: Readonly<Record<string, string>> = {
  at: `a virtual time in ms from 0 to ${MAX_VIRTUAL_TIME_MS} (1000y)`,
  durationMs: `a duration in ms from 0 to ${MAX_VIRTUAL_TIME_MS} (1000y)`,
  node: `a node name such as "n3" (text of at most ${MAX_NAME_LENGTH} characters)`,
  peer: `a node name such as "n3" (text of at most ${MAX_NAME_LENGTH} characters)`,
  id: `a partition name (text of at most ${MAX_NAME_LENGTH} characters)`,
  groups: 'a list of groups of node names, such as [["n1","n2"],["n3"]]',
  rest: '"group" (the default: the nodes in no group form the last group) or "untouched" (they are cut from no one)',
  torn: 'true or false',
  offsetMs: `a number of ms from -${MAX_VIRTUAL_TIME_MS} to ${MAX_VIRTUAL_TIME_MS} (1000y)`,
  driftPpm: 'parts per million from -100000 to 100000',
  twin: `the copy's name (text of at most ${MAX_NAME_LENGTH} characters)`,
  count: `a whole number of Sybils from 1 to ${MAX_SYBILS_PER_FAULT}`,
  'sybil.prefix': `the Sybils' name prefix (text of at most ${MAX_NAME_LENGTH} characters)`,
  spacingMs: `a duration in ms from 0 to ${MAX_VIRTUAL_TIME_MS} (1000y)`,
  reads: `a whole number of reads from 1 to ${MAX_DISK_FAULT_COUNT}`,
  items: `a whole number of items from 1 to ${MAX_DISK_FAULT_COUNT}`,
  syncs: `a whole number of syncs from 1 to ${MAX_DISK_FAULT_COUNT}`,
  prefix: `the start of item paths, such as "kv/dht/record/", "log/ledger/" or "blob/" (text of at most ${MAX_NAME_LENGTH} characters)`,
}

// What each behaviour's parameters take, as the messages say it.
const BEHAVIOUR_FIELD_TAKES: Readonly<Record<string, string>> = {
  ms: `a delay in ms from 0 to ${MAX_VIRTUAL_TIME_MS} (1000y)`,
  rate: 'a probability from 0 to 1',
  copies: `a whole number of extra copies from 1 to ${MAX_DUPLICATE_COPIES}`,
  deceive: '"half" or "all"',
}

/** Checks a behaviour with a message naming its kind and the field that is wrong. */
function parseBehaviour(raw: unknown, which: string): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${which} must be an object such as {"kind":"drop-some","rate":0.5}`)
  const kind = (raw as { kind?: unknown }).kind
  if (typeof kind !== 'string' || !Object.hasOwn(BEHAVIOURS, kind)) {
    throw new ConfigError(`${which} has ${kind === undefined ? 'no "kind"' : `an unknown kind ${JSON.stringify(kind)}`} (expected one of ${Object.keys(BEHAVIOURS).join(', ')})`)
  }
  const schema = BEHAVIOURS[kind as keyof typeof BEHAVIOURS]
  refuseUnknownFields(raw, schema.fields, `${which} ${kind}`)
  const decoded = validate(raw, schema as Schema.Decoder<unknown>)
  if (Result.isSuccess(decoded)) return
  const field = /\["([^"]+)"\]/.exec(decoded.failure.message)?.[1] ?? ''
  const takes = BEHAVIOUR_FIELD_TAKES[field]
  const value = (raw as Record<string, unknown>)[field]
  if (takes === undefined) throw new ConfigError(`${which} ${kind}: ${decoded.failure.message.split('\n')[0]}`)
  if (value === undefined) throw new ConfigError(`${which} ${kind} has no "${field}": it takes ${takes}`)
  throw new ConfigError(`${which} ${kind}: "${field}" must be ${takes}, got ${JSON.stringify(value)}`)
}

function parseFault(raw: unknown, which: string): Fault {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${which} is not an object`)
  const kind = (raw as { kind?: unknown }).kind
  if (kind === undefined) throw new ConfigError(`${which} has no "kind" (expected one of ${KIND_NAMES})`)
  if (typeof kind !== 'string' || !Object.hasOwn(KINDS, kind)) throw new ConfigError(`${which} has an unknown kind ${JSON.stringify(kind)} (expected one of ${KIND_NAMES})`)
  // A misspelt field would be dropped and its default used: a different run from the one written.
  refuseUnknownFields(raw as object, KINDS[kind as keyof typeof KINDS].fields, `${which} (${kind})`)
  const behaviour = (raw as { behaviour?: unknown }).behaviour
  if (behaviour !== undefined) parseBehaviour(behaviour, `${which} (${kind}): "behaviour"`)
  const decoded = validate(raw, KINDS[kind as keyof typeof KINDS] as Schema.Decoder<Fault>)
  if (Result.isSuccess(decoded)) return decoded.success
  // The schema's message is `<problem>\n  at ["field"]…`: name the field and what it takes instead.
  const [problem = '', path = ''] = decoded.failure.message.split('\n')
  const field = /\["([^"]+)"\]/.exec(path)?.[1]
  // A field one kind uses its own way (a Sybil's name `prefix`) is looked up under `kind.field` first.
  const takes = field === undefined ? undefined : (FIELD_TAKES[`${kind}.${field}`] ?? (Object.hasOwn(FIELD_TAKES, field) ? FIELD_TAKES[field] : undefined))
  if (field === undefined || takes === undefined) throw new ConfigError(`${which} (${kind}): ${problem.trim()}`)
  const value = (raw as Record<string, unknown>)[field]
  if (value === undefined) throw new ConfigError(`${which} (${kind}) has no "${field}": it takes ${takes}`)
  throw new ConfigError(`${which} (${kind}): "${field}" must be ${takes}, got ${JSON.stringify(value)}`)
}
