import { Schema } from 'effect'
import { MAX_VIRTUAL_TIME_MS } from '../format.ts'

const Rate = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const Ms = Schema.Number.check(Schema.isFinite(), Schema.isBetween({ minimum: 0, maximum: MAX_VIRTUAL_TIME_MS }))

/** The most extra copies `duplicate` sends of one message (a flood is a rate limiter's test, not this). */
export const MAX_DUPLICATE_COPIES = 16

/** Sends nothing (a crash that keeps its links and its state: it still hears everything). */
const Silent = Schema.Struct({ kind: Schema.Literal('silent') })
/** Every message leaves `ms` later than the node sent it. */
const Delay = Schema.Struct({ kind: Schema.Literal('delay'), ms: Ms })
/** Each message is sent with probability 1 − `rate`. */
const DropSome = Schema.Struct({ kind: Schema.Literal('drop-some'), rate: Rate })
/** Each message is sent `copies` more times (default 1). */
const Duplicate = Schema.Struct({
  kind: Schema.Literal('duplicate'),
  copies: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_DUPLICATE_COPIES }))),
})
/** With probability `rate` (default 1), a message is followed, to the same peer, by one of the last 64 the node sent earlier (to anyone). */
const Replay = Schema.Struct({ kind: Schema.Literal('replay'), rate: Schema.optionalKey(Rate) })
/** With probability `rate` (default 1), a message goes out as a mutated frame: bytes flipped, cut or added. */
const Garbage = Schema.Struct({ kind: Schema.Literal('garbage'), rate: Schema.optionalKey(Rate) })
/**
 * The node tells half of its peers (drawn once per peer) the protocol's lie (core/byzantine.ts) and the
 * other half the truth: two versions of one message, each signed.
 */
const Equivocate = Schema.Struct({ kind: Schema.Literal('equivocate') })
/** With probability `rate` (default 1), every peer gets the protocol's lie. */
const Lie = Schema.Struct({ kind: Schema.Literal('lie'), rate: Schema.optionalKey(Rate) })
/**
 * The node joins the run's colluders: one controller sees all their traffic, splits the honest nodes
 * into two sides once for all of them, and every colluder tells the same side the same lie. With
 * `deceive: 'all'`, every honest node is on the lied-to side (an eclipse: Sybils mislead whoever asks).
 */
const Collude = Schema.Struct({ kind: Schema.Literal('collude'), deceive: Schema.optionalKey(Schema.Literals(['half', 'all'])) })

export const BEHAVIOURS = {
  silent: Silent,
  delay: Delay,
  'drop-some': DropSome,
  duplicate: Duplicate,
  replay: Replay,
  garbage: Garbage,
  equivocate: Equivocate,
  lie: Lie,
  collude: Collude,
} as const

export const BehaviourSchema = Schema.Union(Object.values(BEHAVIOURS))

/** A Byzantine behaviour, as plain data in a fault schedule (`{"kind":"byzantine","behaviour":{…}}`). */
export type Behaviour = typeof BehaviourSchema.Type
export type BehaviourKind = Behaviour['kind']
