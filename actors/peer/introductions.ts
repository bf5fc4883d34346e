import { Result } from 'effect'
import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { isIdentityAddress, mayClaimKey } from '../../core/address.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import { EnvelopeOpener, type SignedEnvelope } from '../identity/envelope.ts'
import type { NodeIdentity } from '../identity/identity.ts'
import { KeyBook } from '../identity/key-book.ts'
import { Announcement } from './announcement.ts'
import { idHex, idsEqual, nodeIdOf, type NodeId } from './node-id.ts'
import type { Contact, RoutingTable } from './routing-table.ts'

/** Announcements per PEX sample, and new peers probed per sample at most. */
export const PEX_SAMPLE = 8
const PEX_PROBES = 4
const MAX_INTRODUCED = 65_536
const ANNOUNCE = 'introductions:announce'
const PEX = 'introductions:pex'

export interface IntroductionOptions {
  readonly bootstrap: readonly Address[]
  /** This node's announcement (without `type`): sent to its bootstrap nodes at boot, and broadcast on its LAN then and every `announceEveryMs`. */
  readonly announce?: Omit<Announcement, 'type'>
  /** How often the announcement is broadcast again on the LAN (default 60 s), for whoever missed it. */
  readonly announceEveryMs?: number
  /** How often a sample of known announcements goes to one random contact (default 30 s; 0: never). */
  readonly pexEveryMs?: number
  /**
   * The tier this node grants an identity. It will come from reputation; until then it is
   * configuration. Default: tier 0 for everyone, so no relay is trusted.
   */
  readonly tierOf?: (id: NodeId) => number
  /** The lowest tier whose relayed announcements are believed, and at which this node relays (default 3). */
  readonly relayMinTier?: number
  /** Blacklisted identities: their announcements are not passed on to the table (see KademliaOptions). */
  readonly isBlocked?: (id: NodeId) => boolean
}

/** What Introductions needs of the Kademlia node it works for. */
export interface IntroductionHost {
  readonly id: NodeId
  readonly key: Uint8Array
  readonly identity: NodeIdentity
  readonly table: RoutingTable
  /** The node heard from `contact`: into its routing table. */
  observe(contact: Contact, ctx: Context): void
  /** Pings `address`, which must answer with the key `id` hashes to; a node that does enters the table. */
  probe(address: Address, id: NodeId, ctx: Context): void
}

/**
 * How peers get to know of each other besides lookups: signed announcements (sent to the bootstrap
 * nodes, broadcast on the LAN, answered to newcomers), PEX samples of known announcements, and
 * relays of newcomers by high-tier nodes. Whatever a third party passes on is checked before use:
 * signature, blacklist, and a ping at the announced address before the peer enters the table.
 */
export class Introductions {
  /** What verified announcements said, by node id (hex). */
  readonly announced = new Map<string, Announcement>()
  /** The signed announcements themselves, to pass on in PEX samples and relays. */
  private readonly announcements = new Map<string, SignedEnvelope>()
  /** When each peer last sent us a PEX sample (a peer sends one per half period at most). */
  private readonly pexFrom = new Map<Address, number>()
  private readonly opener: EnvelopeOpener
  /** Our announcement as last sealed, and the addresses it was sent to on first contact. */
  private current: SignedEnvelope | undefined
  private readonly introduced = new Set<Address>()

  constructor(
    private readonly host: IntroductionHost,
    private readonly options: IntroductionOptions,
    verifier: SignatureVerifier,
    private readonly k: number,
  ) {
    this.opener = new EnvelopeOpener(new KeyBook(verifier), verifier)
  }

  start(ctx: Context): void {
    this.opener.start(this.host.key, ctx)
    this.announce(ctx)
    if (this.pexEveryMs > 0 && this.options.announce !== undefined) ctx.setTimer(this.pexEveryMs, PEX)
  }

  /** Handles this component's timers; says whether `tag` was one of them. */
  timer(tag: TimerTag, ctx: Context): boolean {
    if (tag === ANNOUNCE) this.announce(ctx, false)
    else if (tag === PEX) this.sharePeers(ctx)
    else return false
    return true
  }

  /** The tier this node grants `id`. */
  tierOf(id: NodeId): number {
    return this.options.tierOf?.(id) ?? 0
  }

  // An announcement is opened (certificate, signature, replay) before any field is read; then the
  // node it announces enters the routing table under the id its root key hashes to.
  receiveAnnouncement(envelope: SignedEnvelope, from: Address, ctx: Context): void {
    const opened = this.opener.open(envelope, Announcement, ctx)
    if (Result.isFailure(opened)) return
    const { root, message } = opened.success
    const id = nodeIdOf(root)
    if (idsEqual(id, this.host.id)) return // our own, echoed back by the LAN
    const firstSighting = !this.announced.has(idHex(id))
    this.remember(id, message, envelope)
    // The sender is the node's address only when it is the node itself: a link proved by the node's
    // key (a real runtime's addresses are identities) or an address the node announced (simulation).
    // Anything else (a UDP datagram's source, a third party passing the envelope on) is a claim: the
    // node is pinged at its announced address, and enters the table by answering.
    const direct = mayClaimKey(from, root) && (isIdentityAddress(from) || message.addresses.includes(from))
    const reach = direct ? from : message.addresses[0]!
    if (direct) this.host.observe({ id, address: from }, ctx)
    else if (!this.host.table.has(id)) this.host.probe(reach, id, ctx)
    if (!firstSighting) return
    // A node heard of for the first time is told about us in return: that is how a newcomer on a LAN
    // learns the nodes that announced themselves before it booted.
    if (this.options.announce !== undefined) {
      this.introduced.add(reach)
      ctx.send(reach, this.sealAnnouncement(ctx))
    }
    // A high-tier node relays the newcomer's announcement to its neighbourhood (its k closest).
    if (this.tierOf(this.host.id) >= this.relayMinTier) {
      for (const c of this.host.table.closest(this.host.id, this.k)) {
        if (c.address !== from && c.address !== reach) ctx.send(c.address, { type: 'relay', rpc: 0, key: this.host.key, announcement: envelope })
      }
    }
  }

  /** A relayed announcement, believed only from a node of tier relayMinTier or above. */
  receiveRelay(relayer: NodeId, announcement: SignedEnvelope, from: Address, ctx: Context): void {
    if (this.tierOf(relayer) < this.relayMinTier) return void ctx.trace({ type: 'relay-untrusted', from })
    this.considerPeer(announcement, ctx)
  }

  // A PEX sample is used only after checks: the sender keeps to its rate; each announcement must be
  // signed by the identity it announces and not blacklisted; and a new peer enters the routing table
  // only by answering a ping at the address it announced (so a sample cannot fill a table with
  // peers that do not exist, nor with real ids at false addresses).
  receivePeers(sample: readonly SignedEnvelope[], from: Address, ctx: Context): void {
    const last = this.pexFrom.get(from)
    if (last !== undefined && ctx.now() - last < this.pexEveryMs / 2) return void ctx.trace({ type: 'pex-rate-limited', from })
    this.pexFrom.set(from, ctx.now())
    let probes = 0
    for (const envelope of sample) {
      if (probes >= PEX_PROBES) break
      if (this.considerPeer(envelope, ctx)) probes++
    }
  }

  private get pexEveryMs(): number {
    return this.options.pexEveryMs ?? 30_000
  }

  private get relayMinTier(): number {
    return this.options.relayMinTier ?? 3
  }

  /**
   * Sends our current announcement to `address` the first time this node contacts it. Whoever
   * starts a conversation introduces itself, so a node that joined through a bootstrap node is known
   * by its announced address, not only by the link it spoke over, to every node its lookups reach:
   * those pass on an address others can dial.
   */
  introduceTo(address: Address, ctx: Context): void {
    if (this.current === undefined || this.introduced.has(address)) return
    if (this.introduced.size >= MAX_INTRODUCED) this.introduced.clear() // bounded: the worst case is an introduction sent twice
    this.introduced.add(address)
    ctx.send(address, this.current)
  }

  private sealAnnouncement(ctx: Context): SignedEnvelope {
    return this.host.identity.seal({ type: 'announce', ...this.options.announce! }, ctx, { withCertificate: true })
  }

  // Announces this node on its LAN and to its bootstrap nodes, if it has an announcement to make.
  private announce(ctx: Context, toBootstrap = true): void {
    if (this.options.announce === undefined) return
    const envelope = (this.current = this.sealAnnouncement(ctx))
    ctx.broadcast(envelope)
    if (toBootstrap) {
      for (const address of this.options.bootstrap) {
        if (address === ctx.self) continue
        this.introduced.add(address)
        ctx.send(address, envelope)
      }
    }
    ctx.setTimer(this.options.announceEveryMs ?? 60_000, ANNOUNCE)
  }

  // Sends one random contact a sample of the signed announcements we hold.
  private sharePeers(ctx: Context): void {
    const contacts = this.host.table.contacts()
    if (contacts.length > 0 && this.announcements.size > 0) {
      const sample = ctx.random.sample([...this.announcements.values()], PEX_SAMPLE)
      ctx.send(ctx.random.pick(contacts).address, { type: 'pex', rpc: 0, key: this.host.key, sample })
    }
    ctx.setTimer(this.pexEveryMs, PEX)
  }

  // An announcement passed on by a third party (PEX, relay): unless the peer is known, ourselves or
  // blacklisted, its signature is checked and the peer is pinged at its announced address; it enters
  // the routing table only by answering. Says whether a probe went out.
  private considerPeer(envelope: SignedEnvelope, ctx: Context): boolean {
    const id = nodeIdOf(envelope.root)
    if (this.announced.has(idHex(id)) || idsEqual(id, this.host.id) || this.options.isBlocked?.(id) === true) return false
    const checked = this.opener.authenticate(envelope, Announcement, ctx)
    if (Result.isFailure(checked)) return false
    this.remember(id, checked.success.message, envelope)
    this.host.probe(checked.success.message.addresses[0]!, id, ctx)
    return true
  }

  private remember(id: NodeId, announcement: Announcement, envelope: SignedEnvelope): void {
    this.announced.set(idHex(id), announcement)
    this.announcements.set(idHex(id), envelope)
  }
}
