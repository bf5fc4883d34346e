import { toHex } from '../core/bytes.ts'
import { capKey } from '../core/network-address.ts'
import type { BaseLink } from './base-link.ts'

/** Why an authenticated peer was not given an inbound link. */
export interface InboundRefusal {
  readonly detail: string
}

/**
 * The authenticated inbound links of one transport: at most `maxPerAddress` from one remote address
 * (an IPv4 address, or an IPv6 /64, which one host owns whole: core/network-address.ts capKey), and
 * one per identity. A newer link from an identity that already has one replaces it (the
 * older closes as 'replaced'): a restarted peer gets back in at once, even while its old connection
 * still looks alive, and an identity can never hold more than one slot of its address's cap.
 *
 * At the cap, a newcomer of a higher priority (`Limits.priorityOf`) replaces the address's
 * lowest-priority link, so strangers sharing an IP with known peers cannot push them out.
 *
 * Both maps hold only live links, so neither grows past the transport's connection cap however many
 * identities or addresses strangers use.
 */
export class InboundLinks<L extends BaseLink> {
  private readonly perAddress = new Map<string, number>()
  private readonly byIdentity = new Map<string, { readonly link: L; readonly address: string }>()

  constructor(
    private readonly maxPerAddress: number,
    private readonly priorityOf: (identity: Uint8Array) => number = () => 0,
  ) {}

  /**
   * Admits the link `make` builds for `identity` from `remote` (an IP or host), or says why not (its
   * address is at its cap). The identity's older link, if any, is closed as replaced first.
   */
  admit(remote: string, identity: Uint8Array, make: () => L): L | InboundRefusal {
    const address = capKey(remote)
    const key = toHex(identity)
    const older = this.byIdentity.get(key)
    const freed = older?.address === address ? 1 : 0
    if (this.held(address) - freed >= this.maxPerAddress) {
      const weakest = this.weakestAt(address)
      if (weakest === undefined || weakest.priority >= this.priorityOf(identity)) return { detail: `${address} already holds ${this.maxPerAddress} links` }
      weakest.link.supersede() // a peer the node values more takes the place of one it values less
    }
    older?.link.supersede()
    const link = make()
    const entry = { link, address }
    this.perAddress.set(address, this.held(address) + 1)
    this.byIdentity.set(key, entry)
    link.onClose(() => {
      const left = this.held(address) - 1
      if (left > 0) this.perAddress.set(address, left)
      else this.perAddress.delete(address)
      if (this.byIdentity.get(key) === entry) this.byIdentity.delete(key)
    })
    return link
  }

  private held(address: string): number {
    return this.perAddress.get(address) ?? 0
  }

  // The link from `address` the node values least (the first found among equals).
  private weakestAt(address: string): { link: L; priority: number } | undefined {
    let weakest: { link: L; priority: number } | undefined
    for (const entry of this.byIdentity.values()) {
      if (entry.address !== address) continue
      const priority = this.priorityOf(entry.link.remoteIdentity)
      if (weakest === undefined || priority < weakest.priority) weakest = { link: entry.link, priority }
    }
    return weakest
  }
}
