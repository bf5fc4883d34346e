import type { Context } from '../../core/actor.ts'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { ReasonedError } from '../../core/errors.ts'
import { blake2b } from '../../core/hash.ts'
import type { Component } from '../../core/component.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import type { Signer } from '../../core/transport.ts'
import { lightClient } from '../consensus/follower.ts'
import { Mempool } from '../consensus/mempool.ts'
import { blockHash, type Commit } from '../consensus/messages.ts'
import { BftSync, type SyncedChain } from '../consensus/sync.ts'
import { BftVoter, type BftOptions } from '../consensus/voter.ts'
import { ReputationLedger } from '../reputation/ledger.ts'
import { committeeOf, genesisDigest, type Genesis } from './genesis.ts'

/** What a node needs to vote: the committee's genesis and its own root key. */
export interface NodeConsensusOptions extends Omit<BftOptions, 'committee' | 'key' | 'plantedBug'> {
  readonly genesis: Genesis
  /** This node's root key, as a signer (its key store's, an HSM's): the genesis lists validators by it, and it signs the votes. */
  readonly key: Signer
}

/** Why the node refused a consensus request (the voter's own refusals are ConsensusError). */
export class NodeConsensusError extends ReasonedError<'not-a-validator'> {
  readonly _tag = 'NodeConsensusError' as const
  override readonly name = 'NodeConsensusError'
}

/**
 * Entry digests a `block-committed` line lists: an operator finds the entry `vain node submit` gave
 * them among them; past 16 a line would be mostly digests, so the rest are counted (`vain node chain`
 * lists them all).
 */
export const MAX_LOGGED_DIGESTS = 16
/** An entry is named by the BLAKE2b-128 of its bytes: short for a log, and no two entries share one by chance. */
export const ENTRY_DIGEST_BYTES = 16

export function entryDigest(entry: Uint8Array): string {
  return toHex(blake2b(entry, ENTRY_DIGEST_BYTES))
}

/** A committed block as the node reports it. */
export interface CommittedBlock {
  readonly height: number
  readonly hash: string
  readonly round: number
  /** The committee index of the member that proposed it. */
  readonly by: number
  /** Its entries' digests (entryDigest), in order. */
  readonly entries: readonly string[]
}

/** Where the node stands in its committee. */
export interface ConsensusStatus {
  /** Whether this node votes (its key is in the genesis); a node that does not follows the chain as a light client. */
  readonly validator: boolean
  /** Its index in the committee, when it votes. */
  readonly member?: number
  readonly committee: number
  /** genesisDigest: validators that agree on it agree on the committee. */
  readonly genesis: string
  /** The reputation ledger applied to this node's chain: the blocks it has applied and its state digest (equal on nodes at one height). */
  readonly ledger: { readonly height: number; readonly digest: string }
  /** Blocks committed here (the next height to decide), the hash of the last, the round under way, entries waiting. */
  readonly height: number
  readonly head?: string
  readonly round?: number
  /** Where the voter is in its height (its phase chart, actors/consensus/phases.ts), e.g. `height.round.{step.prevote.waiting, commitWait.idle}`. */
  readonly phase?: string
  readonly pending?: number
}

/**
 * A node's part in a committee (docs/consensus.md, *Real nodes*): the voter, when the genesis lists
 * this node's key, with the shared mempool (`mempool/1`: an entry submitted here reaches the block of
 * whichever member leads next), or else a light client (actors/consensus/follower.ts) that follows the
 * chain by checking certificates; beside either, the range sync (`bft-sync/1`) that serves the chain and
 * catches it up. A `block-committed` trace for each block (height, hash, round, proposer, entry
 * digests). It also answers the operator: `submit` (validators only), `status` and `committed`.
 */
export class NodeConsensus {
  /** The voter, for a validator; undefined for a node outside the committee. */
  readonly voter: BftVoter | undefined
  /** The components the node runs, in start order: the mempool and voter, or the follower; then the sync. */
  readonly components: readonly Component[]
  readonly digest: string
  /** The chain this node keeps: the voter's, or the light client's. */
  private readonly chain: SyncedChain
  /**
   * The reputation ledger (actors/reputation/ledger.ts) over this node's chain, validator or follower:
   * memory only, rebuilt from the durable chain at start and kept at its height as blocks commit, so a
   * crash loses nothing of it (a snapshot would only shorten the replay).
   */
  readonly ledger: ReputationLedger

  constructor(
    private readonly options: NodeConsensusOptions,
    verifier: SignatureVerifier,
  ) {
    const { genesis, key, onCommit, ...timing } = options
    this.digest = genesisDigest(genesis)
    const member = genesis.validators.some((v) => bytesEqual(v.identity, key.publicKey))
    const committee = committeeOf(genesis)
    const committed = (commit: Commit, ctx: Context) => {
      this.applyUpTo(commit.b.h)
      this.ledger.apply(commit)
      ctx.trace({ type: 'block-committed', ...logged(describeCommit(commit)) })
      onCommit?.(commit, ctx)
    }
    if (member) {
      const mempool = new Mempool({ committee }, { verifier })
      this.voter = new BftVoter({ ...timing, committee, key, onCommit: committed }, { verifier, mempool })
      this.chain = this.voter
      this.components = [mempool, this.voter, new BftSync({}, { chain: this.voter })]
    } else {
      const [follower, sync] = lightClient({ committee, onCommit: committed }, { verifier })
      this.voter = undefined
      this.chain = follower
      this.components = [follower, sync]
    }
    // The genesis validators are the ledger's first accounts (no balance until stake is configured), so
    // they can witness and be punished from the first block.
    this.ledger = new ReputationLedger({ genesis: genesis.validators.map((v) => ({ publicKey: v.identity })) }, { committee: this.chain.committee, verifier })
  }

  /** The URLs of the other validators: the node dials them at start, as bootstrap peers. */
  get peerUrls(): string[] {
    const { genesis, key } = this.options
    return genesis.validators.flatMap((v) => (v.url === undefined || bytesEqual(v.identity, key.publicKey) ? [] : [v.url]))
  }

  /** Called by the node after its components started: rebuilds the ledger from the chain, and says in the log what this node is. */
  started(ctx: Context): void {
    this.applyUpTo(this.chain.height)
    const committee = this.options.genesis.validators.length
    if (this.voter === undefined) {
      ctx.trace({ type: 'bft-follower', genesis: this.digest, committee, height: this.chain.height, detail: "this node's identity is not among the genesis validators: it follows the chain, checking every block's certificate, and votes on nothing" })
      return
    }
    ctx.trace({ type: 'bft-validator', genesis: this.digest, member: this.voter.me, committee, height: this.voter.height })
  }

  /**
   * Queues `entry` for a block this node proposes. Throws NodeConsensusError 'not-a-validator' outside
   * the committee, and the voter's ConsensusError when the entry is too large or its queue is full;
   * either way nothing is queued. Returns the entry's digest (entryDigest).
   */
  submit(entry: Uint8Array): string {
    const voter = this.validator()
    voter.submit(entry)
    return entryDigest(entry)
  }

  /** Blocks committed (or, outside the committee, checked and appended) here: the next height. */
  get height(): number {
    return this.chain.height
  }

  status(): ConsensusStatus {
    const { genesis } = this.options
    const height = this.chain.height
    const last = height === 0 ? undefined : this.committed(height - 1)
    const ledger = { height: this.ledger.nextHeight, digest: this.ledger.digest() }
    const base = { committee: genesis.validators.length, genesis: this.digest, ledger, height, ...(last && { head: last.hash }) }
    const voter = this.voter
    if (voter === undefined) return { validator: false, ...base }
    return { validator: true, member: voter.me, ...base, round: voter.round, phase: voter.phase, pending: voter.pendingEntries }
  }

  /** The block committed at `height`, or undefined past the chain's end. */
  committed(height: number): CommittedBlock | undefined {
    if (!Number.isSafeInteger(height) || height < 0) return undefined
    const commit = this.chain.committedAt(height)
    return commit === undefined ? undefined : describeCommit(commit)
  }

  /** Applies the durable chain's blocks below `height` that the ledger has not seen (at start; or when a block commits during the components' start, before `started`). */
  private applyUpTo(height: number): void {
    for (let h = this.ledger.nextHeight; h < height; h++) this.ledger.apply(this.chain.committedAt(h) as Commit)
  }

  private validator(): BftVoter {
    if (this.voter === undefined) throw new NodeConsensusError('not-a-validator', "this node's identity is not in the genesis: it takes no entries (submit them to a validator)")
    return this.voter
  }
}

/** A commit as the node reports it: height, block hash, round, proposer, entry digests. */
export function describeCommit(commit: Commit): CommittedBlock {
  return { height: commit.b.h, hash: toHex(blockHash(commit.b)), round: commit.r, by: commit.b.by, entries: commit.b.entries.map(entryDigest) }
}

// A block as its log line: the first MAX_LOGGED_DIGESTS entry digests, and how many entries in all.
function logged(block: CommittedBlock) {
  const { entries, ...rest } = block
  return { ...rest, entries: entries.length, digests: entries.slice(0, MAX_LOGGED_DIGESTS) }
}
