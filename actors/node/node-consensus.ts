import type { Context } from '../../core/actor.ts'
import { bytesEqual, toHex } from '../../core/bytes.ts'
import { ReasonedError } from '../../core/errors.ts'
import { blake2b } from '../../core/hash.ts'
import type { Ed25519KeyPair } from '../../core/keys.ts'
import { ScopedStorage } from '../../core/scoped-context.ts'
import type { SignatureVerifier } from '../../core/sign.ts'
import type { Storage } from '../../core/storage.ts'
import { committedAt } from '../consensus/durable.ts'
import { blockHash, type Commit } from '../consensus/messages.ts'
import { BftVoter, type BftOptions } from '../consensus/voter.ts'
import { committeeOf, genesisDigest, type Genesis } from './genesis.ts'

/** What a node needs to vote: the committee's genesis and its own root key pair (validator-key.ts). */
export interface NodeConsensusOptions extends Omit<BftOptions, 'committee' | 'key' | 'plantedBug'> {
  readonly genesis: Genesis
  /** This node's root key pair: the genesis lists validators by it, and it signs the votes. */
  readonly key: Ed25519KeyPair
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
  /** Whether this node votes (its key is in the genesis). */
  readonly validator: boolean
  /** Its index in the committee, when it votes. */
  readonly member?: number
  readonly committee: number
  /** genesisDigest: validators that agree on it agree on the committee. */
  readonly genesis: string
  /** Blocks committed here (the next height to decide), the hash of the last, the round under way, entries waiting. */
  readonly height: number
  readonly head?: string
  readonly round?: number
  readonly pending?: number
}

/**
 * A node's part in a committee (docs/consensus.md, *Real nodes*): the voter, when the genesis lists
 * this node's key, with a `block-committed` trace for each block (height, hash, round, proposer,
 * entry digests); nothing but a `bft-not-member` trace otherwise (following the chain without voting,
 * by checking certificates, is a light client's work, not built yet). It also answers the operator:
 * `submit`, `status` and `committed`.
 */
export class NodeConsensus {
  /** The voter, for a validator; undefined for a node outside the committee. */
  readonly voter: BftVoter | undefined
  readonly digest: string
  private chain: Storage | undefined

  constructor(
    private readonly options: NodeConsensusOptions,
    verifier: SignatureVerifier,
  ) {
    const { genesis, key, onCommit, ...timing } = options
    this.digest = genesisDigest(genesis)
    const member = genesis.validators.some((v) => bytesEqual(v.identity, key.publicKey))
    this.voter = member
      ? new BftVoter(
          {
            ...timing,
            committee: committeeOf(genesis),
            key,
            onCommit: (commit, ctx) => {
              ctx.trace({ type: 'block-committed', ...logged(describeCommit(commit)) })
              onCommit?.(commit, ctx)
            },
          },
          { verifier },
        )
      : undefined
  }

  /** The URLs of the other validators: the node dials them at start, as bootstrap peers. */
  get peerUrls(): string[] {
    const { genesis, key } = this.options
    return genesis.validators.flatMap((v) => (v.url === undefined || bytesEqual(v.identity, key.publicKey) ? [] : [v.url]))
  }

  /**
   * Called by the node after its components started, with its own (unscoped) context: reads the chain
   * where the voter keeps it (its component scope), and says in the log what this node is.
   */
  started(ctx: Context): void {
    const committee = this.options.genesis.validators.length
    if (this.voter === undefined) {
      this.chain = undefined
      ctx.trace({ type: 'bft-not-member', genesis: this.digest, committee, detail: "this node's identity is not among the genesis validators: it runs no voter (a follower checking certificates is not built yet)" })
      return
    }
    // The voter's storage is its component scope, `bft/` (core/scoped-context.ts); read-only here.
    this.chain = new ScopedStorage(ctx.storage, `${this.voter.name}/`)
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

  /** Blocks committed here: the next height to decide (0 outside the committee). */
  get height(): number {
    return this.voter?.height ?? 0
  }

  status(): ConsensusStatus {
    const { genesis } = this.options
    const base = { committee: genesis.validators.length, genesis: this.digest }
    const voter = this.voter
    if (voter === undefined) return { validator: false, ...base, height: 0 }
    const last = voter.height === 0 ? undefined : this.committed(voter.height - 1)
    return { validator: true, member: voter.me, ...base, height: voter.height, ...(last && { head: last.hash }), round: voter.round, pending: voter.pendingEntries }
  }

  /** The block committed at `height`, or undefined past the chain's end (or outside the committee). */
  committed(height: number): CommittedBlock | undefined {
    if (this.chain === undefined || !Number.isSafeInteger(height) || height < 0) return undefined
    const commit = committedAt(this.chain, height)
    return commit === undefined ? undefined : describeCommit(commit)
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
