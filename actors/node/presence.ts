import { Result, Schema } from 'effect'
import type { Actor, Address, Context, TimerTag } from '../../core/actor.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { EnvelopeOpener, SignedEnvelope } from '../identity/envelope.ts'
import { NodeIdentity } from '../identity/identity.ts'
import { KeyBook } from '../identity/key-book.ts'

const Listen = Schema.String.check(Schema.isMaxLength(256))
/** What presence peers say to each other, always inside a signed envelope. */
export const PresenceMessage = Schema.Union([
  Schema.Struct({ type: Schema.Literal('hello'), listen: Listen }),
  Schema.Struct({ type: Schema.Literal('peers'), listen: Schema.Array(Listen).check(Schema.isMaxLength(64)) }),
  Schema.Struct({ type: Schema.Literal('ping'), n: Schema.Int, listen: Listen }),
  Schema.Struct({ type: Schema.Literal('pong'), n: Schema.Int }),
])
export type PresenceMessage = typeof PresenceMessage.Type

export interface PresenceOptions {
  /** The address peers reach this node at (a `wss://` URL in a real node, a node name in simulation). */
  readonly listen: Address
  /** Addresses to introduce ourselves to at boot. */
  readonly bootstrap: readonly Address[]
  readonly identity: NodeIdentity
  readonly pingEveryMs?: number
  /** A peer is seen while its last pong is younger than this. */
  readonly seenForMs?: number
}

const SHARE_EVERY_ROUNDS = 5
const REINTRODUCE_AFTER_MS = 5_000

interface Peer {
  readonly listen: string
  readonly root: Uint8Array
  lastPong: number | undefined
}

/**
 * Presence: a node introduces itself (signed hello with its listen address) to its bootstrap nodes;
 * a node that hears a new hello answers with its own and with the addresses of the peers it knows, to
 * whom the newcomer then introduces itself; and every node pings each peer it knows with signed,
 * recipient-bound envelopes and counts a peer as seen while its pongs keep coming. (Issue 4's peer
 * actor replaces the introductions with real discovery: UDP, Kademlia, PEX.)
 */
export class Presence implements Actor<SignedEnvelope> {
  readonly inbox = SignedEnvelope
  private readonly peers = new Map<Address, Peer>()
  /** When we last introduced ourselves to an address that has not answered yet. */
  private readonly introduced = new Map<string, number>()
  private readonly opener: EnvelopeOpener
  private pings = 0
  private rounds = 0

  constructor(private readonly options: PresenceOptions) {
    const verifier = new SignatureVerifier()
    this.opener = new EnvelopeOpener(new KeyBook(verifier), verifier)
  }

  start(ctx: Context): void {
    this.options.identity.start(ctx)
    this.opener.start(this.options.identity.root, ctx)
    for (const address of this.options.bootstrap) this.introduce(address, ctx)
    ctx.setTimer(this.pingEvery, 'ping')
  }

  receive(envelope: SignedEnvelope, from: Address, ctx: Context): void {
    const opened = this.opener.open(envelope, PresenceMessage, ctx)
    if (Result.isFailure(opened)) return
    const { message, root } = opened.success
    switch (message.type) {
      case 'hello': {
        if (this.peers.has(from)) return
        this.learn(from, message.listen, root, ctx)
        this.send(from, { type: 'hello', listen: this.options.listen }, ctx, true)
        const others = this.listenAddresses(from)
        if (others.length > 0) this.send(from, { type: 'peers', listen: others }, ctx)
        return
      }
      case 'peers':
        for (const listen of message.listen) this.introduce(listen, ctx)
        return
      case 'ping':
        // A ping from a stranger means its hello to us was lost: the ping says where it listens.
        if (!this.peers.has(from)) this.learn(from, message.listen, root, ctx)
        return this.send(from, { type: 'pong', n: message.n }, ctx)
      case 'pong': {
        const peer = this.peers.get(from)
        if (peer === undefined) return
        if (peer.lastPong === undefined) ctx.trace({ type: 'peer-seen', peer: from })
        peer.lastPong = ctx.now()
      }
    }
  }

  timer(tag: TimerTag, ctx: Context): void {
    if (this.options.identity.timerFired(tag, ctx) !== undefined) {
      for (const address of this.peers.keys()) this.send(address, { type: 'hello', listen: this.options.listen }, ctx, true)
      return
    }
    for (const address of this.peers.keys()) this.send(address, { type: 'ping', n: this.pings++, listen: this.options.listen }, ctx)
    // Now and then, tell one peer whom we know, so an introduction lost on the way is made up for.
    if (++this.rounds % SHARE_EVERY_ROUNDS === 0 && this.peers.size > 1) {
      const to = ctx.random.pick([...this.peers.keys()])
      this.send(to, { type: 'peers', listen: this.listenAddresses(to) }, ctx)
    }
    ctx.setTimer(this.pingEvery, 'ping')
  }

  /** The peers seen recently (by address), sorted. */
  seen(now: number): Address[] {
    const horizon = this.options.seenForMs ?? 5 * this.pingEvery
    return [...this.peers.entries()].filter(([, p]) => p.lastPong !== undefined && now - p.lastPong <= horizon).map(([a]) => a).sort()
  }

  private get pingEvery(): number {
    return this.options.pingEveryMs ?? 1_000
  }

  private learn(from: Address, listen: string, root: Uint8Array, ctx: Context): void {
    this.peers.set(from, { listen, root, lastPong: undefined })
    this.introduced.delete(listen)
    ctx.trace({ type: 'peer-known', peer: from, listen })
  }

  // Introduces this node to `listen`, unless it is a peer already or was introduced to lately (the
  // hello or its answer may have been lost: a later mention of the address tries again).
  private introduce(listen: Address, ctx: Context): void {
    if (listen === this.options.listen || this.peers.has(listen) || [...this.peers.values()].some((p) => p.listen === listen)) return
    const last = this.introduced.get(listen)
    if (last !== undefined && ctx.now() - last < REINTRODUCE_AFTER_MS) return
    this.introduced.set(listen, ctx.now())
    ctx.send(listen, this.options.identity.seal({ type: 'hello', listen: this.options.listen }, ctx, { withCertificate: true }))
  }

  // Until a peer has answered a ping (so it has our key), every envelope to it carries our certificate:
  // messages may arrive in any order, and one that overtakes the hello must still open.
  private send(to: Address, message: PresenceMessage, ctx: Context, withCertificate = false): void {
    const peer = this.peers.get(to)
    const certify = withCertificate || peer === undefined || peer.lastPong === undefined
    ctx.send(to, this.options.identity.seal(message, ctx, { ...(peer && { to: peer.root }), withCertificate: certify }))
  }

  private listenAddresses(except: Address): string[] {
    return [...this.peers.entries()].filter(([address]) => address !== except).map(([, p]) => p.listen).slice(0, 64)
  }
}
