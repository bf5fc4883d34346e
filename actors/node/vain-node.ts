import type { Address, Context } from '../../core/actor.ts'
import type { Component } from '../../core/component.ts'
import { BlobTransfer, type BlobTransferOptions } from '../blob/blob-transfer.ts'
import { bytesEqual } from '../../core/bytes.ts'
import { Composite } from '../../core/composite.ts'
import type { Signer } from '../../core/transport.ts'
import { ConfigError } from '../../core/errors.ts'
import { identityStack, type IdentityStack, type IdentityStackInit } from '../identity/identity-stack.ts'
import { ROOT_KEY } from '../identity/key-store.ts'
import type { Resources } from '../peer/announcement.ts'
import { DEFAULT_TIER } from '../peer/introductions.ts'
import { KademliaNode, type KademliaOptions } from '../peer/kademlia.ts'
import { idHex, idsEqual, nodeIdOf, type NodeId } from '../peer/node-id.ts'
import type { DhtRecord } from '../peer/record.ts'
import { NodeConsensus, type NodeConsensusOptions } from './node-consensus.ts'
import { OperatorRecords, type OperatorRecordsInit, type Search } from './operator-records.ts'
import { PeerStatus, type PeerStatusInit } from './peer-status.ts'
import { migrateStoreLayout } from './store-layout.ts'

export type { Publication, Search } from './operator-records.ts'
export { DEFAULT_SAVED_PEERS } from './peer-status.ts'

export interface VainNodeOptions extends OperatorRecordsInit, PeerStatusInit {
  /** The node's identity stack: its keys (the sealed seed in a real node), rotation, bounds (defaults: IdentityStackInit). */
  readonly identity: IdentityStackInit
  readonly bootstrap: readonly Address[]
  /** The tier this node claims in its announcement (until reputation grants tiers). */
  readonly tier?: number
  readonly capabilities?: readonly string[]
  readonly resources?: Resources
  /** Identities (root keys) convicted of misbehaviour: nothing of theirs is accepted. */
  readonly blocked?: readonly Uint8Array[]
  /**
   * The tiers this node grants other identities (root keys), until reputation grants them: a node of
   * tier 3 or more is believed when it relays announcements. This node's own tier is `tier`.
   */
  readonly trusted?: readonly { readonly identity: Uint8Array; readonly tier: number }[]
  /**
   * The network group of a peer's address, for the routing table's diversity limits: in a real node,
   * the runtime's `groupOf` (the IPv4 /24 or IPv6 /48 a peer's link came from). Default: every address
   * its own group (in simulation, a node's name).
   */
  readonly groupOf?: (address: Address) => string
  /**
   * Which announced addresses this node will believe and dial: in a real node, the runtime's dial
   * policy (`NodeRuntime.mayDial`: `wss://host:port` only, no loopback unless the node listens there),
   * so that an announcement naming a unix socket or an internal URL is dropped before it is remembered,
   * probed or relayed. Default: every address (in simulation, node names).
   */
  readonly acceptAddress?: (address: Address) => boolean
  /**
   * More subsystems of this node, run after the built-in ones (`identity`, `kad`, `records`, `status`, `blob`) with
   * contexts of their own (core/component.ts): a library user's component joins a node here.
   */
  readonly components?: readonly Component[]
  /** Limits of the blob transfer component (`blob/1`: chunked, content-addressed payloads such as model weights). */
  readonly blob?: BlobTransferOptions
  /**
   * A committee this node may vote in (docs/consensus.md, *Real nodes*): its genesis, and the key the
   * votes are signed with: by default the root key of `identity.keys`, signed through the key store
   * (so a node whose keys are in an HSM votes too). When the genesis lists the key, the voter joins
   * the node (component `bft`, `bft/1`, with the mempool `mempool/1`); when not, a light client
   * follows the chain (`bft-follower`). Either way the range sync (`bft-sync/1`) serves the chain and
   * catches it up. The validators' URLs are dialled at start, as bootstrap peers. A key given must be
   * the identity's root key (checked when `identity.keys` is given): a peer's address is the key its
   * link proved.
   */
  readonly consensus?: Omit<NodeConsensusOptions, 'key'> & { readonly key?: Signer }
  /** Passed on to the peer actor (timeouts, PEX and announcement periods, blacklist, tiers, diversity limits). */
  readonly peer?: Partial<Omit<KademliaOptions, 'bootstrap' | 'identity' | 'keys' | 'announce' | 'isBlocked' | 'tierOf' | 'groupOf' | 'acceptAddress'>>
}

/** What a node announces it offers when its operator says nothing: nothing, so no task is sent its way on a guess. */
export const NO_RESOURCES: Resources = { cpuCores: 0, memoryMiB: 0, gpus: 0 }

/**
 * Diversity limits of the routing table (docs/dht.md): at most 2 contacts of one network group in a
 * bucket (the `eclipse` scenario's defence: Sybils from one network then hold 2 of 11 buckets, not
 * all) and 10 in the whole table, so 30 identities from one address take 2 to 10 slots, not 30, while
 * a LAN of honest nodes on one /24 still fills part of each other's tables.
 */
export const DEFAULT_MAX_PER_GROUP = 2
export const DEFAULT_MAX_PER_GROUP_IN_TABLE = 10

/**
 * What `vain node` runs: a composite (core/composite.ts) of the node's one identity stack (`identity`), the peer component (announcements on the
 * LAN and to the bootstrap nodes, the Kademlia DHT, PEX, heartbeats, under `kad/1`), the operator's
 * records to publish and find (`records`), the peer status reports and saved contacts (`status`),
 * the chunked transfer of content-addressed blobs (`blob`, `blob/1`), and, in a committee's
 * validator, the BFT voter (`bft`, `bft/1`). Later subsystems (reputation, learning) join the node as
 * components here.
 */
export class VainNode extends Composite {
  /** The node's one identity stack, which every subsystem is given. */
  readonly identity: IdentityStack
  /** Serves this node's blobs and fetches others' (`blob/1`). */
  readonly blobs: BlobTransfer
  readonly peer: KademliaNode
  /** The node's part in its committee, when it was given a genesis. */
  readonly consensus: NodeConsensus | undefined
  private readonly records: OperatorRecords

  constructor(options: VainNodeOptions) {
    const consensusOptions = options.consensus && { ...options.consensus, key: validatorKey(options) }
    const blocked = new Set((options.blocked ?? []).map((key) => idHex(nodeIdOf(key))))
    const tiers = new Map((options.trusted ?? []).map((t) => [idHex(nodeIdOf(t.identity)), t.tier]))
    const identity = identityStack(options.identity)
    const consensus = consensusOptions && new NodeConsensus(consensusOptions, identity.verifier)
    const kad = new KademliaNode({
      maxPerGroup: DEFAULT_MAX_PER_GROUP,
      maxPerGroupInTable: DEFAULT_MAX_PER_GROUP_IN_TABLE,
      ...options.peer,
      ...(options.groupOf && { groupOf: options.groupOf }),
      ...(options.acceptAddress && { acceptAddress: options.acceptAddress }),
      bootstrap: [...new Set([...options.bootstrap, ...(consensus?.peerUrls ?? [])])],
      identity,
      ...(blocked.size > 0 && { isBlocked: (id: NodeId) => blocked.has(idHex(id)) }),
      tierOf: (id) => (idsEqual(id, kad.id) ? (options.tier ?? DEFAULT_TIER) : (tiers.get(idHex(id)) ?? DEFAULT_TIER)),
      announce: {
        addresses: [options.listen],
        tier: options.tier ?? DEFAULT_TIER,
        capabilities: [...(options.capabilities ?? [])],
        resources: options.resources ?? NO_RESOURCES,
      },
    })
    const records = new OperatorRecords(options, { kad, identity })
    // Sessions are shared out by network group, as the routing table's slots are.
    const blobs = new BlobTransfer({ ...options.blob, ...(options.groupOf && { groupOf: options.groupOf }) })
    super([identity, kad, records, new PeerStatus(options, { kad }), blobs, ...(consensus?.components ?? []), ...(options.components ?? [])])
    this.consensus = consensus
    this.blobs = blobs
    this.identity = identity
    this.peer = kad
    this.records = records
  }

  override start(ctx: Context): void {
    const moved = migrateStoreLayout(ctx.storage)
    if (moved > 0) ctx.trace({ type: 'store-migrated', keys: moved })
    super.start(ctx)
    this.consensus?.started(ctx)
  }

  /** What the operator's searches found (since the last start). */
  get found(): ReadonlyMap<Search, DhtRecord> {
    return this.records.found
  }
}

// The voter signs with the key the genesis lists; peers know this node by its identity's root key.
function validatorKey(options: VainNodeOptions): Signer {
  const keys = options.identity.keys
  const given = options.consensus?.key
  if (given === undefined) {
    if (keys === undefined) throw new ConfigError("a node with a genesis needs its key store (identity.keys) or a consensus key: it signs votes with its identity's root key")
    return { publicKey: keys.publicKey(ROOT_KEY), sign: (message) => keys.sign(ROOT_KEY, message) }
  }
  if (keys !== undefined && !bytesEqual(keys.publicKey(ROOT_KEY), given.publicKey)) throw new ConfigError("the consensus key is not this node's root key: a validator signs with its identity's root key")
  return given
}
