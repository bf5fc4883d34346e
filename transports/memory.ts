import { TransportError, type CloseReason, type Link, type Misbehaviour, type Signer, type Transport } from '../core/transport.ts'
import { bytesEqual } from '../core/bytes.ts'
import { BaseLink } from './base-link.ts'
import { InboundLinks } from './inbound-links.ts'
import { limitsWith, type Limits } from './limits.ts'
import { SendBudget } from './send-budget.ts'

/** How the memory network runs deferred work: a microtask by default; a simulator passes its own. */
export type Scheduler = (task: () => void) => void

/**
 * An in-process network of MemoryTransports: for several nodes in one process (tests, embedding, the
 * examples' quick mode). The hub is trusted: a transport's identity is the Signer it was created with,
 * not proven by a handshake. Delivery is asynchronous and in order per link, like a real socket.
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryTransport>()
  private next = 1

  constructor(
    readonly schedule: Scheduler = queueMicrotask, // real-runtime: in-process links deliver on the event loop
    readonly clock: () => number = () => performance.now(), // real-runtime: rate limits on the wall clock
  ) {}

  /**
   * A transport on the hub. Transports made with the same `host` share one address for the per-address
   * link caps, as nodes behind one NAT share an IP; by default each is its own host.
   */
  transport(signer: Signer, limits: Partial<Limits> = {}, host?: string): MemoryTransport {
    const name = `mem-${this.next++}`
    return new MemoryTransport(this, signer, limitsWith(limits), name, host ?? name)
  }

  /** @internal */
  register(transport: MemoryTransport): string {
    const address = `memory://${transport.name}`
    this.listeners.set(address, transport)
    return address
  }

  /** @internal */
  unregister(address: string): void {
    this.listeners.delete(address)
  }

  /** @internal */
  listener(address: string): MemoryTransport | undefined {
    return this.listeners.get(address)
  }
}

class MemoryLink extends BaseLink {
  partner: MemoryLink | undefined
  /** Bytes sent and not yet delivered: the hub's scheduler is this link's network. */
  bufferedBytes = 0
  /** Set by a hard teardown: frames still in flight are dropped, as a destroyed socket drops them. */
  private dropInFlight = false

  constructor(
    remoteIdentity: Uint8Array,
    remoteAddress: string,
    limits: Limits,
    private readonly network: MemoryNetwork,
    report: (event: Misbehaviour) => void,
    budget: SendBudget<BaseLink>,
  ) {
    super(remoteIdentity, remoteAddress, limits, network.clock, report, budget)
  }

  protected transmit(frame: Uint8Array): void {
    const copy = Uint8Array.from(frame) // the receiver must not see later changes to the sender's buffer
    const partner = this.partner
    this.bufferedBytes += copy.byteLength
    this.network.schedule(() => {
      if (this.dropInFlight) return
      this.bufferedBytes -= copy.byteLength
      partner?.deliver(copy)
    })
  }

  protected teardown(reason: CloseReason): void {
    if (reason === 'slow-reader') {
      this.dropInFlight = true
      this.bufferedBytes = 0
    }
    const partner = this.partner
    this.network.schedule(() => partner?.finish('remote'))
  }
}

export class MemoryTransport implements Transport {
  private address: string | undefined
  private readonly linkHandlers: ((link: Link) => void)[] = []
  private readonly misbehaviourHandlers: ((event: Misbehaviour) => void)[] = []
  private readonly links = new Set<Link>()
  private readonly inbound: InboundLinks<MemoryLink>
  /** The unsent bytes of all this transport's links, dialled and accepted. */
  private readonly budget: SendBudget<BaseLink>

  constructor(
    private readonly network: MemoryNetwork,
    private readonly signer: Signer,
    readonly limits: Limits,
    readonly name: string,
    /** The address the per-address caps of the transports it dials count it under. */
    readonly host: string,
  ) {
    this.inbound = new InboundLinks(limits.maxLinksPerAddress, limits.priorityOf)
    this.budget = new SendBudget(limits.maxTransportBufferedBytes)
  }

  get identity(): Uint8Array {
    return this.signer.publicKey
  }

  async listen(): Promise<string> {
    this.address ??= this.network.register(this)
    return this.address
  }

  async dial(address: string, expected?: Uint8Array): Promise<Link> {
    await new Promise<void>((resolve) => this.network.schedule(resolve))
    const remote = this.network.listener(address)
    if (remote === undefined) throw new TransportError('unreachable', `nothing listens at ${address}`)
    if (expected !== undefined && !bytesEqual(expected, remote.identity)) throw new TransportError('identity-mismatch', `${address} is not the identity dialled`)
    if (this.limits.isBlocked(remote.identity)) throw new TransportError('refused', `${address} has a blacklisted identity`)
    const [mine, theirs] = remote.accept(this)
    this.track(mine)
    return mine
  }

  /** @internal The listener's side of a dial: limits first, then a pair of linked links. */
  accept(dialer: MemoryTransport): [Link, Link] {
    const from = `memory://${dialer.name}`
    if (this.limits.isBlocked(dialer.identity)) {
      this.reportMisbehaviour({ identity: dialer.identity, remoteAddress: from, reason: 'refused', detail: 'blacklisted identity' })
      throw new TransportError('refused', 'the listener refuses this identity')
    }
    const theirs = this.inbound.admit(dialer.host, dialer.identity, () => new MemoryLink(dialer.identity, from, this.limits, this.network, (e) => this.reportMisbehaviour(e), this.budget))
    if (!(theirs instanceof MemoryLink)) {
      this.reportMisbehaviour({ identity: dialer.identity, remoteAddress: from, reason: 'refused', detail: theirs.detail })
      throw new TransportError('refused', `the listener refuses more links: ${theirs.detail}`)
    }
    const mine = new MemoryLink(this.identity, this.address!, dialer.limits, this.network, (e) => dialer.reportMisbehaviour(e), dialer.budget)
    mine.partner = theirs
    theirs.partner = mine
    this.track(theirs)
    this.network.schedule(() => {
      for (const handler of this.linkHandlers) handler(theirs)
    })
    return [mine, theirs]
  }

  onLink(handler: (link: Link) => void): void {
    this.linkHandlers.push(handler)
  }

  onMisbehaviour(handler: (event: Misbehaviour) => void): void {
    this.misbehaviourHandlers.push(handler)
  }

  async close(): Promise<void> {
    if (this.address !== undefined) this.network.unregister(this.address)
    for (const link of [...this.links]) link.close()
  }

  private track(link: Link): void {
    this.links.add(link)
    link.onClose((_reason: CloseReason) => this.links.delete(link))
  }

  private reportMisbehaviour(event: Misbehaviour): void {
    for (const handler of this.misbehaviourHandlers) handler(event)
  }
}
