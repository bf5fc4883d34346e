import { Result } from 'effect'
import type { Context } from '../../core/actor.ts'
import type { Component } from '../../core/component.ts'
import { encode } from '../../core/codec.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { checkCommit, type CertificateError } from './certificate.ts'
import { Committee, type Member } from './committee.ts'
import { ConsensusError, chainEnd, chainLog, committedAt } from './durable.ts'
import { GENESIS_PARENT, blockHash, type Commit } from './messages.ts'
import { BftSync, type SyncOptions } from './sync.ts'

/**
 * A light client's chain, component `bft-follower`: a node outside the committee follows the committed
 * log by checking quorum certificates, never by trusting a peer (issue 13). It holds the genesis
 * committee (members, weights, keys) and a durable chain in the voter's format (durable.ts: record i is
 * the commit of height i), and appends a commit only when certificate.ts accepts it: it attaches to the
 * chain's last block and a quorum of the committee signed its precommits. It sends nothing itself:
 * BftSync (sync.ts) fetches ranges from members and feeds them to `acceptCommit`; `lightClient` builds
 * the pair.
 */

export interface FollowerOptions {
  /** The genesis committee, in order, as the validators have it. */
  readonly committee: readonly Member[]
  /** Called once per appended block, after it is durable, in height order, as the voter's is. */
  readonly onCommit?: (commit: Commit, ctx: Context) => void
}

export interface FollowerDependencies {
  /** The node's signature verifier (shared by its components; its memo makes a repeated check cheap). */
  readonly verifier?: SignatureVerifier
}

export class BftFollower implements Component {
  readonly name = 'bft-follower'
  readonly committee: Committee
  private readonly verifier: SignatureVerifier
  private ctx: Context | undefined
  /** The hash of the chain's last block (zeros when it is empty): where the next commit must attach. */
  private parent: Uint8Array = GENESIS_PARENT

  constructor(
    private readonly options: FollowerOptions,
    dependencies: FollowerDependencies = {},
  ) {
    this.committee = new Committee(options.committee)
    this.verifier = dependencies.verifier ?? new SignatureVerifier()
  }

  start(ctx: Context): void {
    this.ctx = ctx
    this.parent = chainEnd(ctx.storage).parent
  }

  /** Blocks appended: the next height this node expects. */
  get height(): number {
    return chainLog(this.context().storage).length
  }

  committedAt(height: number): Commit | undefined {
    return committedAt(this.context().storage, height)
  }

  /** Appends `commit` when its certificate checks (durable before `onCommit`), or says why not and changes nothing. */
  acceptCommit(commit: Commit): Result.Result<void, CertificateError> {
    const ctx = this.context()
    const log = chainLog(ctx.storage)
    const checked = checkCommit(commit, { height: log.length, parent: this.parent }, this.committee, this.verifier)
    if (Result.isFailure(checked)) return Result.fail(checked.failure)
    log.append(encode(checked.success))
    ctx.storage.sync()
    this.parent = blockHash(commit.b)
    ctx.trace({ event: 'commit', height: commit.b.h, round: commit.r, entries: commit.b.entries.length })
    this.options.onCommit?.(checked.success, ctx)
    return Result.succeed(undefined)
  }

  private context(): Context {
    if (this.ctx === undefined) throw new ConsensusError('not-started', 'the follower was used before start(ctx)')
    return this.ctx
  }
}

/**
 * The components of a light client, in start order: its chain, then the sync that fills it from the
 * committee's members. Give both to a Composite (with the node's verifier, shared).
 */
export function lightClient(options: FollowerOptions & SyncOptions, dependencies: FollowerDependencies = {}): [BftFollower, BftSync] {
  const follower = new BftFollower(options, dependencies)
  return [follower, new BftSync(options, { chain: follower })]
}
