import { Result, Schema } from 'effect'
import type { Actor, Address, Context, TimerTag } from '../../core/actor.ts'
import { toHex } from '../../core/bytes.ts'
import { encode } from '../../core/codec.ts'
import { Random } from '../../core/random.ts'
import { DEFAULT_GRACE_MS } from '../../actors/identity/key-book.ts'
import { SignedEnvelope, envelopeSignedPart } from '../../actors/identity/envelope.ts'
import type { IdentityFailure } from '../../actors/identity/errors.ts'
import { DEFAULT_ROTATION_MS } from '../../actors/identity/identity.ts'
import { identityStack, type IdentityStack } from '../../actors/identity/identity-stack.ts'
import { MemoryKeyStore, epochKey, type KeyStore } from '../../actors/identity/key-store.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'
import { CATALOGUE, DAY } from './catalogue.ts'

const PING_EVERY_MS = 3 * DAY
const THIEF_EVERY_MS = 5 * DAY
/** How late a receiver may learn of a rotation (it learns from announcements and certified pings). */
const LEARN_MARGIN_MS = 10 * DAY

const Body = Schema.Struct({ type: Schema.Literals(['announce', 'ping', 'pong']), n: Schema.Int })
/** The protocol this scenario's envelopes are sealed for (and opened as). */
const PROTOCOL = 'rotation/1'

/** Accepted and refused envelopes, as one honest node counted them. */
interface Tally {
  accepted: number
  /** Refusals of everything but the thief's forgeries. */
  rejected: Partial<Record<IdentityFailure, number>>
  /** Times at which an envelope signed with the stolen key was accepted. */
  stolenAccepted: number[]
  stolenRejected: number
}

/**
 * An honest node: announces its certificate to everyone at boot and after each rotation, and pings
 * two random peers every three days with envelopes addressed to them; a ping is answered by a pong.
 * Until a peer has answered in the current epoch (so it has verified our current key), envelopes to it
 * carry our certificate: a lost announcement then costs nothing.
 */
class RotatingNode implements Actor<SignedEnvelope> {
  readonly inbox = SignedEnvelope
  readonly tally: Tally = { accepted: 0, rejected: {}, stolenAccepted: [], stolenRejected: 0 }
  readonly identity: IdentityStack
  private readonly roots = new Map<Address, Uint8Array>()
  private readonly knowsOurKey = new Set<Address>()
  private pings = 0

  constructor(
    private readonly members: readonly Address[],
    private readonly stolenRoot: () => string | undefined,
    keys: KeyStore | undefined,
  ) {
    this.identity = identityStack({ ...(keys && { keys }), rotationMs: DEFAULT_ROTATION_MS, graceMs: DEFAULT_GRACE_MS })
  }

  start(ctx: Context): void {
    this.identity.start(ctx)
    this.announce(ctx)
    ctx.setTimer(ctx.random.intBetween(1, PING_EVERY_MS), 'ping')
  }

  receive(envelope: SignedEnvelope, from: Address, ctx: Context): void {
    const stolen = envelope.seq >= THIEF_SEQ_BASE && toHex(envelope.root) === this.stolenRoot()
    const opened = this.identity.open(envelope, PROTOCOL, Body)
    if (Result.isFailure(opened)) {
      const reason = opened.failure.reason
      if (stolen) this.tally.stolenRejected++
      else this.tally.rejected[reason] = (this.tally.rejected[reason] ?? 0) + 1
      return
    }
    this.tally.accepted++
    if (stolen) return void this.tally.stolenAccepted.push(ctx.now())
    const { message, root } = opened.success
    // The simulator's links never forge a sender, so the sender's identity is confirmed: its key
    // book record and replay windows become durable.
    this.identity.confirm(root)
    if (message.type === 'announce') this.roots.set(from, root)
    else if (message.type === 'ping') this.send(from, root, { type: 'pong', n: message.n }, ctx)
    else this.knowsOurKey.add(from)
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (this.identity.timer(tag, ctx)) {
      this.knowsOurKey.clear()
      return this.announce(ctx)
    }
    for (let i = 0; i < 2; i++) {
      const peer = ctx.random.pick(this.members)
      const root = this.roots.get(peer)
      if (peer !== ctx.self && root !== undefined) this.send(peer, root, { type: 'ping', n: this.pings++ }, ctx)
    }
    ctx.setTimer(PING_EVERY_MS, 'ping')
  }

  private send(peer: Address, root: Uint8Array, message: typeof Body.Type, ctx: Context): void {
    ctx.send(peer, this.identity.seal(PROTOCOL, message, { to: root, withCertificate: !this.knowsOurKey.has(peer) }))
  }

  private announce(ctx: Context): void {
    const envelope = this.identity.seal(PROTOCOL, { type: 'announce', n: this.identity.epoch }, { withCertificate: true })
    for (const peer of this.members) if (peer !== ctx.self) ctx.send(peer, envelope)
  }
}

/** What the summary adds: each node's key epoch, envelopes accepted, refused by reason, and the thief's forgeries by when they arrived. */
type RotationFigures = {
  readonly epochs: readonly number[]
  readonly accepted: number
  readonly rejected: Partial<Record<IdentityFailure, number>>
  readonly stolen: { readonly acceptedBeforeRotation: number; readonly acceptedInGrace: number; readonly acceptedAfterGrace: number; readonly rejected: number }
}

/** The thief's sequence numbers start here, far above any honest node's, so they are never replays. */
const THIEF_SEQ_BASE = 1e12

/**
 * An attacker who stole the victim's epoch-0 key (and only that key): every five days it sends every
 * node an envelope signed with it. It has an identity of its own, which it announces, and it passes on
 * each envelope addressed to itself to another node as if it had been sent there.
 */
class Thief implements Actor<SignedEnvelope> {
  readonly inbox = SignedEnvelope
  readonly identity = identityStack()
  private readonly roots = new Map<Address, Uint8Array>()
  private sent = 0

  constructor(
    private readonly members: readonly Address[],
    private readonly stolen: KeyStore,
    private readonly victimRoot: Uint8Array,
  ) {}

  start(ctx: Context): void {
    this.identity.start(ctx)
    const announcement = this.identity.seal(PROTOCOL, { type: 'announce', n: 0 }, { withCertificate: true })
    for (const peer of this.members) ctx.send(peer, announcement)
    ctx.setTimer(THIEF_EVERY_MS, 'forge')
  }

  receive(envelope: SignedEnvelope, from: Address, ctx: Context): void {
    if (envelope.to === undefined) this.roots.set(from, envelope.root)
    else ctx.send(ctx.random.pick(this.members), envelope)
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (tag !== 'forge') return // its own key rotations: it keeps its epoch-0 identity
    for (const [peer, root] of this.roots) {
      const unsigned = { type: 'signed' as const, protocol: PROTOCOL, root: this.victimRoot, epoch: 0, seq: THIEF_SEQ_BASE + this.sent++, to: root, body: encode({ type: 'ping', n: 0 }) }
      ctx.send(peer, { ...unsigned, sig: this.stolen.sign(epochKey(0), envelopeSignedPart(unsigned)) })
    }
    ctx.setTimer(THIEF_EVERY_MS, 'forge')
  }
}

const address = (i: number) => `n${i}`
const THIEF = 'thief'
const VICTIM = address(0)

function build(options: ScenarioOptions): ScenarioRun<RotationFigures> {
  const members = Array.from({ length: options.nodes }, (_, i) => address(i))
  // The victim's keys are a seeded store so the thief can be handed its epoch-0 key alone.
  const victimKeys = new MemoryKeyStore(Random.fromSeed(options.seed).split('scenario:victim-seed').bytes(32))
  const stolen: KeyStore = {
    publicKey: (label) => victimKeys.publicKey(label),
    sign: (label, message) => {
      if (label.purpose !== 1 || label.index !== 0) throw new Error('the thief holds the epoch-0 key only')
      return victimKeys.sign(label, message)
    },
  }
  const victimRoot = victimKeys.publicKey({ purpose: 0, index: 0 })
  const sim = new Simulation({
    ...runSettings(options),
    network: DEFAULT_NETWORK,
    invariants: [
      {
        name: 'a replaced key expires',
        check: (view) => {
          const rotated = view.actor<RotatingNode>(VICTIM)?.identity
          if (rotated === undefined || rotated.epoch === 0) return undefined
          const deadline = firstRotation(rotated) + DEFAULT_GRACE_MS + LEARN_MARGIN_MS
          for (const m of members) {
            const late = view.actor<RotatingNode>(m)?.tally.stolenAccepted.find((t) => t > deadline)
            if (late !== undefined) return `${m} accepted the stolen epoch-0 key at ${late} ms, after its grace window`
          }
          return undefined
        },
      },
      {
        name: 'honest envelopes are accepted',
        when: 'end',
        check: (view) => {
          for (const m of members) {
            const { rejected } = view.actor<RotatingNode>(m)?.tally ?? { rejected: {} }
            // Duplicates from the network are replays, and the thief's passing-on is misdirection.
            const wrongly = Object.entries(rejected).filter(([reason]) => reason !== 'replay' && reason !== 'misdirected')
            if (wrongly.length > 0) return `${m} refused envelopes: ${JSON.stringify(Object.fromEntries(wrongly))}`
          }
          return undefined
        },
      },
    ],
  })
  const victimRootHex = toHex(victimRoot)
  const everyone = [...members, THIEF]
  // Each node's root key is bound to its name (sim/simulation.ts): the thief holds an epoch key of the
  // victim's, not its root, and is bound to its own.
  members.forEach((m, i) => sim.addNode(m, () => new RotatingNode(everyone, () => victimRootHex, i === 0 ? victimKeys : undefined)))
  sim.addNode(THIEF, () => new Thief(members, stolen, victimRoot))
  return {
    sim,
    summarize: () => {
      const tallies = members.map((m) => sim.actor<RotatingNode>(m)?.tally).filter((t): t is Tally => t !== undefined)
      const sum = (f: (t: Tally) => number) => tallies.reduce((a, t) => a + f(t), 0)
      const victim = sim.actor<RotatingNode>(VICTIM)?.identity
      const rotatedAt = victim === undefined || victim.epoch === 0 ? Infinity : firstRotation(victim)
      const stolenAccepted = (from: number, to: number) => sum((t) => t.stolenAccepted.filter((at) => at > from && at <= to).length)
      const reasons: Partial<Record<IdentityFailure, number>> = {}
      for (const t of tallies) for (const [r, n] of Object.entries(t.rejected)) reasons[r as IdentityFailure] = (reasons[r as IdentityFailure] ?? 0) + n
      return {
        epochs: members.map((m) => sim.actor<RotatingNode>(m)?.identity.epoch ?? 0),
        accepted: sum((t) => t.accepted),
        rejected: reasons,
        // The thief's forgeries: accepted until the victim rotates (the theft is not yet known), then
        // during the grace window (plus the time a receiver may take to learn of the rotation), never after.
        stolen: {
          acceptedBeforeRotation: stolenAccepted(-Infinity, rotatedAt),
          acceptedInGrace: stolenAccepted(rotatedAt, rotatedAt + DEFAULT_GRACE_MS + LEARN_MARGIN_MS),
          acceptedAfterGrace: stolenAccepted(rotatedAt + DEFAULT_GRACE_MS + LEARN_MARGIN_MS, Infinity),
          rejected: sum((t) => t.stolenRejected),
        },
      }
    },
  }
}

// Epochs are rotated every DEFAULT_ROTATION_MS from the first boot (t = 0 here).
function firstRotation(identity: IdentityStack): number {
  return identity.certificate.issuedAt - (identity.epoch - 1) * DEFAULT_ROTATION_MS
}

export const rotation: Scenario<RotationFigures> = {
  ...CATALOGUE.rotation,
  faultTargets: (nodes) => Array.from({ length: nodes }, (_, i) => address(i)),
  build,
  expectations: [
    {
      // Rotation runs on each node's own clock from its first boot at t = 0; a node that is down (its
      // epoch reads 0) or whose clock was skewed misses the schedule.
      name: 'every node rotates on schedule (one epoch per 90 days)',
      check: (s) => {
        const due = Math.floor(s.virtualTimeMs / DEFAULT_ROTATION_MS)
        const onSchedule = s.epochs.filter((e) => e === due).length
        return { held: onSchedule === s.epochs.length, detail: `${onSchedule} of ${s.epochs.length} nodes at epoch ${due} (epochs: ${s.epochs.join(', ')})` }
      },
    },
  ],
  units: { epochs: 'number', accepted: 'envelopes', rejected: 'envelopes', stolen: 'envelopes' },
}
