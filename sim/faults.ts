import { Result, Schema } from 'effect'
import { validate } from '../core/codec.ts'
import { ConfigError } from '../core/errors.ts'

const At = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0))
const Name = Schema.String.check(Schema.isMaxLength(256))

/** The node stops: its volatile state and timers are gone; with `torn`, a random prefix of its un-synced writes survives. */
const Crash = Schema.Struct({ at: At, kind: Schema.Literal('crash'), node: Name, torn: Schema.optionalKey(Schema.Boolean) })
/** A crashed node boots again from what its storage kept. */
const Restart = Schema.Struct({ at: At, kind: Schema.Literal('restart'), node: Name })
/** Messages cannot cross between the groups (nodes in no group form one more group) until healed. */
const Partition = Schema.Struct({
  at: At,
  kind: Schema.Literal('partition'),
  id: Schema.optionalKey(Name),
  groups: Schema.Array(Schema.Array(Name)),
})
/** Ends the partition named `id`, or every partition. */
const Heal = Schema.Struct({ at: At, kind: Schema.Literal('heal'), id: Schema.optionalKey(Name) })
/** The node's clock jumps by `offsetMs` and then runs `driftPpm` parts per million fast (or slow). */
const Skew = Schema.Struct({
  at: At,
  kind: Schema.Literal('skew'),
  node: Name,
  offsetMs: Schema.Number.check(Schema.isFinite()),
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

export const FaultSchema = Schema.Union([Crash, Restart, Partition, Heal, Skew, Clog])
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
      return []
    case 'clog':
      return fault.peer === undefined ? [fault.node] : [fault.node, fault.peer]
    default:
      return [fault.node]
  }
}

/** Parses a fault schedule from JSON text; a ConfigError says what is wrong. */
export function parseFaultSchedule(json: string): FaultSchedule {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (cause) {
    throw new ConfigError(`fault schedule is not valid JSON: ${(cause as Error).message}`)
  }
  const decoded = validate(raw, FaultScheduleSchema)
  if (Result.isFailure(decoded)) throw new ConfigError(`invalid fault schedule: ${decoded.failure.message}`)
  return decoded.success
}
