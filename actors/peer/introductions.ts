import { Result } from 'effect'
import type { Address, Context, TimerTag } from '../../core/actor.ts'
import { isIdentityAddress, mayClaimKey } from '../../core/address.ts'
import { BoundedMap } from '../../core/bounded-map.ts'
import { bytesEqual } from '../../core/bytes.ts'
import type { SignedEnvelope } from '../identity/envelope.ts'
import type { IdentityStack } from '../identity/identity-stack.ts'
import { Announcement, KAD_PROTOCOL } from './announcement.ts'
import { Budget } from '../../core/budget.ts'
import { idHex, idsEqual, nodeIdOf, type NodeId } from './node-id.ts'
import type { Contact, RoutingTable } from './routing-table.ts'
import { NO_RPC } from './rpc.ts'

/** Announcements per PEX sample, and new peers probed per sample at most. */
export const PEX_SAMPLE = 8
const PEX_PROBES = 4
/**
 * Checked announcements kept (4,096), to map contacts to dialable addresses and to share in PEX. Past
 * it the least recently used is forgotten; its peer is re-learnt from its next announcement. Far more
 * than a routing table holds (k × ~log2 N ≈ 300 at a million nodes), so every contact keeps its own.
 */
/** A LAN announcement again every minute: a node that missed one (booted later, lost a datagram) hears the next soon. */
export const DEFAULT_ANNOUNCE_EVERY_MS = 60_000
/** A PEX sample to one random contact every 30 s: twice per announcement period, so news spreads within a minute or two. */
export const DEFAULT_PEX_EVERY_MS = 30_000
/**
 * Tier 3 and above relays and is believed when it relays: the first tier that reputation grants only
 * after audits (issue 14), so a fresh identity, or a thousand, cannot relay.
 */
export const DEFAULT_RELAY_MIN_TIER = 3
/** Until reputation grants tiers, every identity is tier 0: no relay is believed. */
export const DEFAULT_TIER = 0
export const DEFAULT_MAX_ANNOUNCED = 4_096
/** Announcements whose peer is being pinged, not yet checked (1,024: the probe budget's burst, 16 times over). */
export const DEFAULT_MAX_CANDIDATES = 1_024
/** Peers whose PEX rate is tracked (1,024); one evicted can send one extra sample, which is harmless. */
export const DEFAULT_MAX_PEX_SENDERS = 1_024
/** Addresses introduced to (4,096); one evicted is at worst introduced to twice. */
export const DEFAULT_MAX_INTRODUCED = 4_096
/**
 * Probes of peers a third party or a datagram announced: 4 a second, 64 saved up. With the link
 * budget below, this is how a stranger makes the node dial out, so it is one budget for the whole node, whatever the number
 * of identities or links the stranger uses: 12,000 datagrams with fresh identities now cost at most
 * 64 + 4 per second dials (the issue measured 12,004). 64 covers a LAN of 64 nodes booting at once; a
 * larger one is learnt within seconds as the budget refills (and by lookups, which cost no budget).
 */
export const DEFAULT_PROBES_PER_SECOND = 4
export const DEFAULT_PROBE_BURST = 64
/**
 * Probes of the addresses a peer announces over its own link: a budget of their own, the same size, so
 * a flood of datagrams or PEX samples, which spends the budget above, cannot starve the peers that
 * actually connect (a peer sends its announcement over a link once, and would otherwise be remembered
 * only after a restart). Each such probe costs the sender an authenticated link, within the
 * transports' per-IP caps.
 */
export const DEFAULT_LINK_PROBES_PER_SECOND = 4
export const DEFAULT_LINK_PROBE_BURST = 64
/**
 * Relayed copies sent by a high-tier node: 40 a second, 400 saved up, i.e. two newcomers a second to
 * k = 20 neighbours, twenty at once. A relay multiplies each first sighting by k; without a budget, a
 * flood of fresh identities would be multiplied by k on the way out.
 */
export const DEFAULT_RELAYS_PER_SECOND = 40
export const DEFAULT_RELAY_BURST = 400
const ANNOUNCE = 'introductions:announce'
const PEX = 'introductions:pex'

export interface IntroductionOptions {
  readonly bootstrap: readonly Address[]
  /** This node's announcement (without `type`): sent to its bootstrap nodes at boot, and broadcast on its LAN then and every `announceEveryMs`. */
  readonly announce?: Omit<Announcement, 'type'>
  /** How often the announcement is broadcast again on the LAN (default DEFAULT_ANNOUNCE_EVERY_MS), for whoever missed it. */
  readonly announceEveryMs?: number
  /** How often a sample of known announcements goes to one random contact (default DEFAULT_PEX_EVERY_MS; 0: never). */
  readonly pexEveryMs?: number
  /**
   * The tier this node grants an identity. It will come from reputation; until then it is
   * configuration. Default: tier 0 for everyone, so no relay is trusted.
   */
  readonly tierOf?: (id: NodeId) => number
  /** The lowest tier whose relayed announcements are believed, and at which this node relays (default DEFAULT_RELAY_MIN_TIER). */
  readonly relayMinTier?: number
  /** Blacklisted identities: their announcements are not passed on to the table (see KademliaOptions). */
  readonly isBlocked?: (id: NodeId) => boolean
  /**
   * Whether this node may dial `address`. An announcement with any address that fails it is ignored
   * (not remembered, not probed, not relayed, not shared), and so is a contact passed on in a `nodes`
   * reply. Default: accept all (the simulator's addresses are node names). A real node passes a policy
   * that accepts only `wss://host:port` and refuses unix, loopback and link-local targets.
   */
  readonly acceptAddress?: (address: Address) => boolean
  /** Probes of peers announced by third parties or datagrams, per second (default DEFAULT_PROBES_PER_SECOND). */
  readonly probesPerSecond?: number
  readonly probeBurst?: number
  /** Relayed copies sent per second by a high-tier node (default DEFAULT_RELAYS_PER_SECOND). */
  readonly relaysPerSecond?: number
  readonly relayBurst?: number
}

/** What Introductions needs of the Kademlia node it works for. */
export interface IntroductionHost {
  readonly id: NodeId
  readonly key: Uint8Array
  /** The node's one identity stack, started before the host: it seals and opens announcements. */
  readonly identity: IdentityStack
  readonly table: RoutingTable
  /** The node heard from `contact`: into its routing table. */
  observe(contact: Contact): void
  /**
   * Pings `address`, which must answer with the key `id` hashes to; a node that does enters the table.
   * `outcome` learns whether it answered.
   */
  probe(address: Address, id: NodeId, outcome?: (answered: boolean) => void): void
}

/** The part of the announcements map others read. */
export type AnnouncedView = Pick<BoundedMap<string, Announcement>, 'size' | 'has' | 'peek' | 'keys' | 'values'>

/**
 * How peers get to know of each other besides lookups: signed announcements (sent to the bootstrap
 * nodes, broadcast on the LAN, answered to newcomers), PEX samples of known announcements, and
 * relays of newcomers by high-tier nodes. Whatever a third party passes on is checked before use:
 * signature, blacklist, the address policy, and a ping at the announced address, within the node's
 * probe budget. Only then is the announcement remembered, its identity confirmed (its certificate
 * and replay windows made durable) and the announcement shared; until then it is a bounded candidate.
 * The node's own announcement over its own link is no exception in a real node: the link proved its
 * key (it is observed under the link), not the addresses it claims.
 * Of one identity, the newest checked announcement is kept: a newer one replaces it once checked.
 */
export class Introductions {
  /** What checked announcements said, by node id (hex). */
  private readonly known: BoundedMap<string, Announcement>
  /** The signed announcements themselves, to pass on in PEX samples and relays (evicted with `known`). */
  private readonly announcements = new Map<string, SignedEnvelope>()
  /** Announcements whose peer is being pinged, by node id (hex). */
  private readonly candidates: BoundedMap<string, SignedEnvelope>
  /** When each peer last sent us a PEX sample (a peer sends one per half period at most). */
  private readonly pexFrom: BoundedMap<Address, number>
  /** Our announcement as last sealed, and the addresses it was sent to on first contact. */
  private current: SignedEnvelope | undefined
  private readonly introduced: BoundedMap<Address, true>
  private duplicateCount = 0
  private readonly probes: Budget
  private readonly linkProbes: Budget
  private readonly relays: Budget

  constructor(
    private readonly host: IntroductionHost,
    private readonly options: IntroductionOptions,
    private readonly k: number,
  ) {
    // The peers this node talks to keep their rotation knowledge, however many others are confirmed.
    host.identity.protect((root) => host.table.has(nodeIdOf(root)))
    this.known = new BoundedMap(DEFAULT_MAX_ANNOUNCED, (id) => this.announcements.delete(id))
    this.candidates = new BoundedMap(DEFAULT_MAX_CANDIDATES)
    this.pexFrom = new BoundedMap(DEFAULT_MAX_PEX_SENDERS)
    this.introduced = new BoundedMap(DEFAULT_MAX_INTRODUCED)
    this.probes = new Budget(options.probesPerSecond ?? DEFAULT_PROBES_PER_SECOND, options.probeBurst ?? DEFAULT_PROBE_BURST)
    this.linkProbes = new Budget(DEFAULT_LINK_PROBES_PER_SECOND, DEFAULT_LINK_PROBE_BURST)
    this.relays = new Budget(options.relaysPerSecond ?? DEFAULT_RELAYS_PER_SECOND, options.relayBurst ?? DEFAULT_RELAY_BURST)
  }

  /** What checked announcements said, by node id (hex). */
  get announced(): AnnouncedView {
    return this.known
  }

  /** How many announcements wait for their peer to answer a ping (bounded). */
  get candidateCount(): number {
    return this.candidates.size
  }

  /** Copies of an announcement held or being checked that arrived again, dropped unopened (see `isCopy`). */
  get duplicates(): number {
    return this.duplicateCount
  }

  /** The identity stack's envelope state (its bounded provisional windows, its confirmations). */
  get envelopes(): Pick<IdentityStack, 'provisionalCount' | 'isConfirmed'> {
    return this.host.identity
  }

  start(ctx: Context): void {
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
    return this.options.tierOf?.(id) ?? DEFAULT_TIER
  }

  /** Whether this node may dial `address` (the acceptAddress policy). */
  mayDial(address: Address): boolean {
    return this.options.acceptAddress?.(address) ?? true
  }

  // An announcement is opened (certificate, signature, replay) before any field is read; then the
  // node it announces enters the routing table under the id its root key hashes to.
  receiveAnnouncement(envelope: SignedEnvelope, from: Address, ctx: Context): void {
    if (this.isCopy(envelope)) return void this.duplicateCount++
    const opened = this.host.identity.open(envelope, KAD_PROTOCOL, Announcement)
    if (Result.isFailure(opened)) return
    const { root, message } = opened.success
    const id = nodeIdOf(root)
    if (idsEqual(id, this.host.id)) return // our own, echoed back by the LAN
    if (!this.dialable(message, ctx)) return
    // From anyone but the node itself (a UDP datagram's source, a third party passing the envelope
    // on), the whole announcement is a claim: the node is pinged at its announced address, within the
    // probe budget, and counts once it answers.
    if (!mayClaimKey(from, root, ctx)) return void this.check(id, message, envelope, ctx)
    if (isIdentityAddress(from)) {
      // A real node's link proved the key, so the node is observed under its link; but not the
      // addresses it claims (`wss://victim.example:443`): those are checked like any claim before
      // they are remembered, shared, relayed or handed out, or its identity confirmed.
      this.host.observe({ id, address: from })
      return void this.check(id, message, envelope, ctx, from)
    }
    if (!message.addresses.includes(from)) return void this.check(id, message, envelope, ctx)
    // The simulator's network never forges a sender: a message from an address the node announced
    // proves that address as a ping answered there would.
    this.host.observe({ id, address: from })
    this.host.identity.confirm(root)
    this.welcome(id, message, envelope, from, ctx)
  }

  // The node itself sent its announcement over `link`, and its address is proven: the announcement is
  // kept (if newer than the one held); at first sighting the node is greeted over its link and, by a
  // high-tier node, relayed to its neighbourhood (its k closest), within the relay budget.
  private welcome(id: NodeId, message: Announcement, envelope: SignedEnvelope, link: Address, ctx: Context): void {
    const held = this.announcements.get(idHex(id))
    if (held !== undefined) {
      if (newer(envelope, held)) this.remember(id, message, envelope)
      return
    }
    this.remember(id, message, envelope)
    this.greet(link, ctx)
    if (this.tierOf(this.host.id) >= this.relayMinTier) {
      for (const c of this.host.table.closest(this.host.id, this.k)) {
        if (c.address === link) continue
        if (!this.relays.take(ctx.now())) return void ctx.trace({ type: 'relay-budget-spent' })
        ctx.send(c.address, { type: 'relay', rpc: NO_RPC, key: this.host.key, announcement: envelope })
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
    return this.options.pexEveryMs ?? DEFAULT_PEX_EVERY_MS
  }

  private get relayMinTier(): number {
    return this.options.relayMinTier ?? DEFAULT_RELAY_MIN_TIER
  }

  /**
   * Sends our current announcement to `address` the first time this node contacts it. Whoever
   * starts a conversation introduces itself, so a node that joined through a bootstrap node is known
   * by its announced address, not only by the link it spoke over, to every node its lookups reach:
   * those pass on an address others can dial.
   */
  introduceTo(address: Address, ctx: Context): void {
    if (this.current === undefined || this.introduced.has(address)) return
    this.introduced.set(address, true)
    ctx.send(address, this.current)
  }

  private sealAnnouncement(): SignedEnvelope {
    return this.host.identity.seal(KAD_PROTOCOL, { type: 'announce', ...this.options.announce! }, { withCertificate: true })
  }

  // A node heard of for the first time is told about us in return: that is how a newcomer on a LAN
  // learns the nodes that announced themselves before it booted.
  private greet(address: Address, ctx: Context): void {
    if (this.options.announce === undefined) return
    this.introduced.set(address, true)
    ctx.send(address, this.sealAnnouncement())
  }

  // Announces this node on its LAN and to its bootstrap nodes, if it has an announcement to make.
  private announce(ctx: Context, toBootstrap = true): void {
    if (this.options.announce === undefined) return
    const envelope = (this.current = this.sealAnnouncement())
    ctx.broadcast(envelope)
    if (toBootstrap) {
      for (const address of this.options.bootstrap) {
        if (address === ctx.self) continue
        this.introduced.set(address, true)
        ctx.send(address, envelope)
      }
    }
    ctx.setTimer(this.options.announceEveryMs ?? DEFAULT_ANNOUNCE_EVERY_MS, ANNOUNCE)
  }

  // Sends one random contact a sample of the checked announcements we hold.
  private sharePeers(ctx: Context): void {
    const contacts = this.host.table.contacts()
    if (contacts.length > 0 && this.announcements.size > 0) {
      const sample = ctx.random.sample([...this.announcements.values()], PEX_SAMPLE)
      ctx.send(ctx.random.pick(contacts).address, { type: 'pex', rpc: NO_RPC, key: this.host.key, sample })
    }
    ctx.setTimer(this.pexEveryMs, PEX)
  }

  // An announcement passed on by a third party (PEX, relay): unless the peer is ourselves, blacklisted
  // or already known by this announcement or a newer one, its signature is checked and it is checked
  // like any claim (`check`). Says whether a probe went out.
  private considerPeer(envelope: SignedEnvelope, ctx: Context): boolean {
    const id = nodeIdOf(envelope.root)
    if (idsEqual(id, this.host.id) || this.options.isBlocked?.(id) === true) return false
    const held = this.announcements.get(idHex(id))
    if (held !== undefined && !newer(envelope, held)) return false // before the signature: the cheap refusal first
    const checked = this.host.identity.authenticate(envelope, KAD_PROTOCOL, Announcement)
    if (Result.isFailure(checked) || !this.dialable(checked.success.message, ctx)) return false
    return this.check(id, checked.success.message, envelope, ctx)
  }

  // A claimed announcement: a newer one of a peer known at the same addresses replaces the old at
  // once (the addresses were checked); anything else is pinged at its first address, within the probe
  // budget, and remembered only when the peer answers there, which also confirms its identity (makes
  // its certificate and replay marks durable). When the node sent it itself over `link`, it is then
  // welcomed as an announcement from a proven address is. Says whether a probe went out.
  private check(id: NodeId, message: Announcement, envelope: SignedEnvelope, ctx: Context, link?: Address): boolean {
    const hex = idHex(id)
    const held = this.announcements.get(hex)
    if (held !== undefined) {
      if (!newer(envelope, held)) return false
      if (sameAddresses(this.known.peek(hex)!, message)) {
        this.remember(id, message, envelope)
        return false
      }
    }
    const pending = this.candidates.peek(hex)
    if (pending !== undefined && !newer(envelope, pending)) return false // already being checked
    if (!(link === undefined ? this.probes : this.linkProbes).take(ctx.now())) {
      ctx.trace({ type: 'probe-budget-spent', peer: hex.slice(0, 16) })
      return false
    }
    this.candidates.set(hex, envelope)
    this.host.probe(message.addresses[0]!, id, (answered) => {
      if (this.candidates.peek(hex) !== envelope) return // evicted, or replaced by a newer one being checked
      this.candidates.delete(hex)
      if (!answered) return
      this.host.identity.confirm(envelope.root)
      if (link !== undefined) this.welcome(id, message, envelope, link, ctx)
      else if (this.remember(id, message, envelope)) this.greet(message.addresses[0]!, ctx)
    })
    return true
  }

  // Whether `envelope` is the very announcement (same identity, epoch, sequence number and signature)
  // held or being checked for its identity. A node introduces itself once per address it contacts, and
  // a newcomer contacts its bootstrap node under two: the bootstrap URL, then the identity of the link
  // that URL led to (what its lookups address), with the actor unaware they are one peer. The copy
  // says nothing new, and opening it again would refuse it as a replay, which reads as an attack on an
  // ordinary join: it is dropped unopened and counted. A copy of anything else is still opened, and
  // refused as the replay it may be.
  private isCopy(envelope: SignedEnvelope): boolean {
    const hex = idHex(nodeIdOf(envelope.root))
    return [this.announcements.get(hex), this.candidates.peek(hex)].some(
      (seen) => seen !== undefined && seen.epoch === envelope.epoch && seen.seq === envelope.seq && bytesEqual(seen.sig, envelope.sig),
    )
  }

  // Whether every address the announcement gives may be dialled; if not, it is ignored.
  private dialable(message: Announcement, ctx: Context): boolean {
    const refused = message.addresses.find((address) => !this.mayDial(address))
    if (refused !== undefined) ctx.trace({ type: 'announcement-refused', reason: 'address not accepted', address: refused.slice(0, 64) })
    return refused === undefined
  }

  /** Keeps a checked announcement; says whether its identity was new here. */
  private remember(id: NodeId, announcement: Announcement, envelope: SignedEnvelope): boolean {
    const hex = idHex(id)
    const first = !this.known.has(hex)
    this.known.set(hex, announcement)
    this.announcements.set(hex, envelope)
    return first
  }
}

/** Whether `a` was signed after `b` (both of one identity): a later epoch, or a later sequence number in it. */
function newer(a: SignedEnvelope, b: SignedEnvelope): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.seq > b.seq)
}

function sameAddresses(a: Announcement, b: Announcement): boolean {
  return a.addresses.length === b.addresses.length && a.addresses.every((address, i) => address === b.addresses[i])
}
