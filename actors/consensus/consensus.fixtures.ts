import { ed25519FromSeed, type Ed25519KeyPair } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { sign } from '../../core/sign.ts'
import type { Member } from './committee.ts'
import { blockHash, proposalPayload, votePayload, type BftMessage, type Block, type Proposal, type Vote, type VoteKind } from './messages.ts'
import { BftVoter, type BftOptions } from './voter.ts'

/** The keys of member i of a test committee: a fixed seed each. */
export function testKeys(i: number): Ed25519KeyPair {
  return ed25519FromSeed(new Uint8Array(32).fill(i + 1))
}

/** A committee n0..n(k-1) with these weights (default: k members of weight 1). */
export function testCommittee(weights: readonly number[]): Member[] {
  return weights.map((weight, i) => ({ address: `n${i}`, weight, publicKey: testKeys(i).publicKey }))
}

export function signedProposal(member: number, h: number, r: number, b: Block, vr = -1): Proposal {
  return { t: 'proposal', h, r, vr, b, pol: [], s: member, sig: sign(testKeys(member).secretKey, proposalPayload(h, r, vr, blockHash(b))) }
}

export function signedVote(member: number, t: VoteKind, h: number, r: number, x: Uint8Array | null): Vote {
  return { t, h, r, x, s: member, sig: sign(testKeys(member).secretKey, votePayload(t, h, r, x)) }
}

/**
 * A committee of voters (testCommittee of `size` equal weights) on ManualContexts, wired by hand: every
 * send is delivered at once, in order, unless `drop` refuses it; time moves only on `advance`, which
 * fires every context's due timers in time order. Deterministic, with no loss: a height's messages can
 * be counted exactly.
 */
export class ManualCluster {
  readonly contexts: ManualContext[]
  readonly voters: BftVoter[]
  readonly committed: Block[][]
  /** Messages handed to a voter so far. */
  delivered = 0
  private readonly read: number[]

  constructor(
    size: number,
    options: Partial<BftOptions> = {},
    private readonly drop: (message: BftMessage, from: number, to: number) => boolean = () => false,
  ) {
    const committee = testCommittee(Array.from({ length: size }, () => 1))
    this.contexts = committee.map((m) => new ManualContext(m.address))
    this.committed = committee.map(() => [])
    this.voters = committee.map((_, i) => new BftVoter({ ...options, committee, key: testKeys(i), onCommit: (c) => this.committed[i]!.push(c.b) }))
    this.read = committee.map(() => 0)
  }

  start(): void {
    this.voters.forEach((v, i) => v.start(this.contexts[i]!))
    this.flush()
  }

  /** Delivers what was sent until nothing is left in flight. */
  flush(): void {
    for (let moved = true; moved; ) {
      moved = false
      this.contexts.forEach((ctx, i) => {
        for (; this.read[i]! < ctx.sent.length; this.read[i]!++) {
          moved = true
          const { to, message } = ctx.sent[this.read[i]!]!
          const j = Number(to.slice(1))
          if (j === i || this.drop(message as BftMessage, i, j)) continue
          this.delivered++
          this.voters[j]!.receive(message as BftMessage, ctx.self, this.contexts[j]!)
        }
      })
    }
  }

  /** Moves every clock `ms` on, firing the timers due on the way (earliest first) and delivering what they send. */
  advance(ms: number): void {
    const until = this.contexts[0]!.now() + ms
    for (;;) {
      let next: { i: number; id: number; at: number; tag: unknown } | undefined
      this.contexts.forEach((ctx, i) => {
        for (const [id, { at, tag }] of ctx.timers) if (at <= until && (next === undefined || at < next.at)) next = { i, id, at, tag }
      })
      if (next === undefined) break
      const { i, id, at, tag } = next
      for (const ctx of this.contexts) ctx.advance(at - ctx.now())
      this.contexts[i]!.timers.delete(id)
      this.voters[i]!.timer(tag as string, this.contexts[i]!)
      this.flush()
    }
    for (const ctx of this.contexts) ctx.advance(until - ctx.now())
  }
}
