import type { Address, TraceFields } from '../../core/actor.ts'
import type { LieContext, Liar } from '../../core/byzantine.ts'
import { encode } from '../../core/codec.ts'
import type { Random } from '../../core/random.ts'
import type { Behaviour, BehaviourKind } from './behaviours.ts'
import type { Collusion } from './collusion.ts'
import { mutateFrame } from './garbage.ts'
import { Ring } from './ring.ts'
import { Sides } from './sides.ts'

/** The messages `replay` picks from: the node's last ones (older ones are as good, and memory is bounded). */
export const DEFAULT_REPLAY_MEMORY = 64

/** What the simulator lends a Byzantine node's adversary: the node's honest sending and its surroundings. */
export interface AdversaryPort {
  readonly address: Address
  /** Sends through the network as the honest node would. */
  send(to: Address, message: unknown): void
  /** Sends bytes as the frame, whatever they decode to. */
  sendFrame(to: Address, frame: Uint8Array): void
  /** Runs `action` after `delayMs` of virtual time, unless the node crashes first. */
  later(delayMs: number, action: () => void): void
  /** The peers a broadcast of this node reaches. */
  broadcastTargets(): readonly Address[]
  /** The lie hook of the node's running actor, if it has one. */
  liar(): Liar | undefined
  /** Whether `address` is a node of the run. */
  knows(address: Address): boolean
  /**
   * The message as it is now, for later: a copy, or the message frozen (frozen isolation). A behaviour
   * may send it later or again, and the actor may reuse its object once it is sent.
   */
  capture(message: unknown): unknown
  /** Records what the adversary did in the run's trace, as the node's. */
  trace(fields: TraceFields): void
}

/** Messages one send may become through every stage (stacked duplicates multiply): a bound, not a flood. */
export const MAX_COPIES_PER_MESSAGE = 64

/**
 * What each behaviour did to a message, counted per node (for tests and reports), and the lies a lie
 * behaviour could not tell because the actor has no lie hook (core/byzantine.ts).
 */
export type AdversaryCounts = Record<BehaviourKind, number> & { noLieHook: number }

export const emptyCounts = (): AdversaryCounts => ({
  silent: 0,
  delay: 0,
  'drop-some': 0,
  duplicate: 0,
  replay: 0,
  garbage: 0,
  equivocate: 0,
  lie: 0,
  collude: 0,
  noLieHook: 0,
})

interface Outgoing {
  readonly to: Address
  readonly message: unknown
  /** Set once `garbage` has turned the message into bytes of its own. */
  readonly frame: Uint8Array | undefined
  readonly delayMs: number
}

/**
 * A node's Byzantine behaviours (sim/adversaries/behaviours.ts), applied in the order the faults added
 * them to everything the node sends: each takes a message and passes on zero, one or several. The
 * honest actor runs unchanged and does not know; its state, random stream and storage are its own.
 */
export class NodeAdversary {
  readonly counts = emptyCounts()
  private readonly active: Behaviour[] = []
  private readonly history = new Ring<Outgoing>(DEFAULT_REPLAY_MEMORY)
  private readonly sides: Sides
  private readonly ownShared: number
  /** What the message being passed through the stages has become so far (see MAX_COPIES_PER_MESSAGE). */
  private copies = 0

  constructor(
    private readonly port: AdversaryPort,
    private readonly random: Random,
    private readonly collusion: Collusion,
  ) {
    this.ownShared = random.int(2 ** 31)
    this.sides = new Sides(random, (address) => port.knows(address))
  }

  get idle(): boolean {
    return this.active.length === 0
  }

  /** Adds a behaviour (after those already active); the returned handle removes it. */
  add(behaviour: Behaviour): () => void {
    this.active.push(behaviour)
    if (behaviour.kind === 'collude') this.collusion.join(this.port.address)
    return () => {
      const at = this.active.indexOf(behaviour)
      if (at >= 0) this.active.splice(at, 1)
      if (behaviour.kind === 'collude' && !this.active.some((b) => b.kind === 'collude')) this.collusion.leave(this.port.address)
    }
  }

  send(to: Address, message: unknown): void {
    const captured = this.port.capture(message)
    this.overhear(this.port.address, to, captured)
    this.copies = 0
    this.pass({ to, message: captured, frame: undefined, delayMs: 0 }, 0)
  }

  broadcast(message: unknown): void {
    for (const to of this.port.broadcastTargets()) this.send(to, message)
  }

  /** A message the node received: a colluder's controller sees it too. */
  heard(from: Address, message: unknown): void {
    this.overhear(from, this.port.address, message)
  }

  private overhear(from: Address, to: Address, message: unknown): void {
    if (this.collusion.has(this.port.address)) this.collusion.overhear({ from, to, message: this.port.capture(message) })
  }

  // Hands `out` to the behaviour at `stage`, which passes what it makes of it to the next.
  private pass(out: Outgoing, stage: number): void {
    const behaviour = this.active[stage]
    if (behaviour === undefined) return this.emit(out)
    const next = (o: Outgoing) => this.pass(o, stage + 1)
    const random = this.random
    switch (behaviour.kind) {
      case 'silent':
        return this.acted('silent', out.to)
      case 'delay':
        if (behaviour.ms > 0) this.acted('delay', out.to)
        return next({ ...out, delayMs: out.delayMs + behaviour.ms })
      case 'drop-some':
        if (random.next() < behaviour.rate) return this.acted('drop-some', out.to)
        return next(out)
      case 'duplicate': {
        const copies = behaviour.copies ?? 1
        this.acted('duplicate', out.to, copies)
        for (let i = 0; i <= copies; i++) next(out)
        return
      }
      case 'replay': {
        // Chosen before the message goes out, so that it is one sent before it.
        const old = this.history.size > 0 && random.next() < (behaviour.rate ?? 1) ? this.history.at(random.int(this.history.size)) : undefined
        next(out)
        if (old === undefined) return
        this.acted('replay', out.to)
        return next({ ...old, to: out.to, delayMs: out.delayMs })
      }
      case 'garbage':
        if (random.next() >= (behaviour.rate ?? 1)) return next(out)
        this.acted('garbage', out.to)
        return next({ ...out, frame: mutateFrame(out.frame ?? encode(out.message), random) })
      case 'equivocate':
        return next(this.lieTo(out, this.sides.deceived(out.to), 'equivocate'))
      case 'lie':
        return next(this.lieTo(out, random.next() < (behaviour.rate ?? 1), 'lie'))
      case 'collude':
        return next(this.lieTo(out, this.collusion.deceives(out.to, behaviour.deceive ?? 'half'), 'collude'))
    }
  }

  private lieTo(out: Outgoing, deceive: boolean, kind: 'equivocate' | 'lie' | 'collude'): Outgoing {
    if (!deceive || out.frame !== undefined) return out
    const liar = this.port.liar()
    if (liar === undefined) {
      this.acted('noLieHook', out.to)
      return out
    }
    const lied = liar.lie(out.message, out.to, this.lieContext(kind === 'collude'))
    if (lied === undefined) return out
    this.acted(kind, out.to)
    return { ...out, message: lied }
  }

  /** What a lie draws on: a lone liar's own number, or a colluder's accomplices, shared number and what the controller overheard. */
  private lieContext(colluding: boolean): LieContext {
    if (!colluding) return { random: this.random, accomplices: [], shared: this.ownShared, overheard: () => [] }
    const collusion = this.collusion
    return { random: this.random, accomplices: collusion.accomplicesOf(this.port.address), shared: collusion.shared, overheard: () => collusion.recent() }
  }

  /** Counts what a behaviour did to a message to `to`, and traces it, so a replay shows which message it changed. */
  private acted(kind: keyof AdversaryCounts, to: Address, times = 1): void {
    this.counts[kind] += times
    this.port.trace({ adversary: kind, to, ...(times === 1 ? {} : { times }) })
  }

  private emit(out: Outgoing): void {
    if (++this.copies > MAX_COPIES_PER_MESSAGE) return
    if (out.frame === undefined) this.history.push(out)
    const port = this.port
    const go = out.frame === undefined ? () => port.send(out.to, out.message) : () => port.sendFrame(out.to, out.frame as Uint8Array)
    if (out.delayMs > 0) port.later(out.delayMs, go)
    else go()
  }
}
