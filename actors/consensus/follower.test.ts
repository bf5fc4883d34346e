import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { ed25519FromSeed } from '../../core/keys.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier, sign } from '../../core/sign.ts'
import { ConsensusError } from './durable.ts'
import { lightClient } from './follower.ts'
import { blockHash, votePayload, type Commit } from './messages.ts'
import { RangeServer } from './range-server.ts'
import { MEMBERS, heldChain, precommitOf, testChain } from './sync.fixtures.ts'
import type { RangeRequest } from './sync-messages.ts'

const verifier = new SignatureVerifier()
const CHAIN = testChain(150)
const hashes = (commits: readonly Commit[]) => commits.map((c) => toHex(blockHash(c.b)))

/** A light client on a ManualContext: its chain, its sync, and the heights its onCommit heard. */
function client(ctx = new ManualContext('f0')) {
  const heard: number[] = []
  const [follower, sync] = lightClient({ committee: MEMBERS, onCommit: (c) => heard.push(c.b.h) }, { verifier })
  follower.start(ctx)
  sync.start(ctx)
  return { ctx, follower, sync, heard }
}

type Client = ReturnType<typeof client>

/** The request the client sent last, and to whom. */
function lastRequest({ ctx }: Client): { to: string; request: RangeRequest } {
  const last = ctx.sent.at(-1)!
  return { to: last.to, request: last.message as RangeRequest }
}

/** The member asked last answers from `served` (honest), after `waitMs` on the client's clock. */
function answerHonestly(c: Client, served: readonly Commit[], waitMs = 60): void {
  c.ctx.advance(waitMs)
  const { to, request } = lastRequest(c)
  const reply = new RangeServer(heldChain(served)).answer(request, c.ctx.self, c.ctx.now())!
  c.sync.receive(reply, to, c.ctx)
}

/** The client's chain, block hash by block hash. */
const chainOf = ({ follower }: Client) => hashes(Array.from({ length: follower.height }, (_, h) => follower.committedAt(h)!))

describe('a light client (BftFollower with BftSync)', () => {
  it('follows the committee chain by ranges, checking every certificate, and asks again while there is more', () => {
    const c = client()
    for (let asked = 0; c.follower.height < CHAIN.length; asked++) {
      expect(asked).toBeLessThan(3)
      answerHonestly(c, CHAIN)
    }
    expect(c.sync.fetched).toBe(150)
    expect(chainOf(c)).toEqual(hashes(CHAIN))
    expect(c.heard).toEqual(CHAIN.map((x) => x.b.h))
    // Three ranges (64 + 64 + 22), each from the next member in turn; at the tip it waits for the poll.
    const asked = c.ctx.sent.map((s) => [s.to, (s.message as RangeRequest).from])
    expect(asked.map(([, from]) => from)).toEqual([0, 64, 128])
    expect(new Set(asked.map(([to]) => to)).size).toBe(3)
    expect([...c.ctx.timers.values()].map((t) => t.tag)).toContain('poll')
  })

  it('keeps its chain through a crash and goes on from its last block', () => {
    const c = client()
    answerHonestly(c, CHAIN.slice(0, 10))
    c.ctx.storage.crash()
    const again = client(c.ctx)
    expect(again.follower.height).toBe(10)
    answerHonestly(again, CHAIN.slice(0, 20))
    expect(chainOf(again)).toEqual(hashes(CHAIN.slice(0, 20)))
  })

  it('refuses a forged range from the forged commit on, counts it, traces it and asks another member', () => {
    const outsider = ed25519FromSeed(new Uint8Array(32).fill(77))
    type Forgery = 'bad-signatures' | 'minority' | 'repeated-signer' | 'outsider-key' | 'outsider-index' | 'twin-block' | 'broken-parent' | 'gap'
    const forge = (commit: Commit, kind: Forgery): Commit => {
      const { b, votes } = commit
      switch (kind) {
        case 'bad-signatures':
          return { ...commit, votes: votes.map((v) => ({ ...v, sig: Uint8Array.from(v.sig, (x, i) => (i === 5 ? x ^ 0x10 : x)) })) }
        case 'minority':
          return { ...commit, votes: votes.slice(0, 2) }
        case 'repeated-signer':
          return { ...commit, votes: [votes[0]!, votes[0]!, votes[0]!, votes[1]!] }
        case 'outsider-key':
          return { ...commit, votes: [...votes.slice(0, 2), { s: 3, sig: sign(outsider.secretKey, votePayload('precommit', b.h, 0, blockHash(b))) }] }
        case 'outsider-index':
          return { ...commit, votes: [...votes.slice(0, 2), { s: 9, sig: sign(outsider.secretKey, votePayload('precommit', b.h, 0, blockHash(b))) }] }
        case 'twin-block':
          return { ...commit, b: { ...b, entries: [...b.entries, Uint8Array.of(1)] } }
        case 'broken-parent': {
          // Signed by a real quorum (the test holds every key): only the parent link gives it away.
          const other = { ...b, parent: new Uint8Array(32).fill(7) }
          return { ...commit, b: other, votes: [0, 1, 2].map((s) => precommitOf(s, other)) }
        }
        case 'gap':
          return CHAIN[b.h + 1]!
      }
    }
    const expected: Record<Forgery, string> = {
      'bad-signatures': 'no-quorum',
      minority: 'no-quorum',
      'repeated-signer': 'no-quorum',
      'outsider-key': 'no-quorum',
      'outsider-index': 'no-quorum',
      'twin-block': 'no-quorum',
      'broken-parent': 'broken-parent',
      gap: 'out-of-order',
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom(...(Object.keys(expected) as Forgery[])),
        (start, at, kind) => {
          const c = client()
          if (start > 0) {
            // At the member's tip the client waits for its poll; it comes.
            answerHonestly(c, CHAIN.slice(0, start))
            c.sync.timer('poll', c.ctx)
          }
          c.ctx.advance(60)
          const { to: liar, request } = lastRequest(c)
          const range = CHAIN.slice(request.from, request.from + 40)
          const forged = range.map((commit, i) => (i === at ? forge(commit, kind) : commit))
          c.sync.receive({ t: 'blocks', from: request.from, tip: CHAIN.length, commits: forged }, liar, c.ctx)
          // The certified blocks before the forgery are taken; the forgery and everything after it are not.
          expect(chainOf(c)).toEqual(hashes(CHAIN.slice(0, start + Math.min(at, range.length))))
          if (at < range.length) {
            expect(c.sync.lastRefusal?.reason).toBe(expected[kind])
            expect(c.ctx.traces.at(-1)).toMatchObject({ event: 'range-refused', member: liar, reason: expected[kind] })
            // The next member is asked at once, from where the chain stopped, and the liar is passed over.
            const { to, request: next } = lastRequest(c)
            expect(to).not.toBe(liar)
            expect(next.from).toBe(c.follower.height)
            // An honest answer then brings the rest.
            answerHonestly(c, CHAIN.slice(0, start + 40))
            expect(chainOf(c)).toEqual(hashes(CHAIN.slice(0, start + 40)))
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('drops answers it did not ask for, and passes over a member that does not answer or claims blocks it does not send', () => {
    const c = client()
    const { to: asked } = lastRequest(c)
    const other = MEMBERS.find((m) => m.address !== asked)!.address
    c.sync.receive({ t: 'blocks', from: 0, tip: 10, commits: CHAIN.slice(0, 10) }, other, c.ctx)
    c.sync.receive({ t: 'blocks', from: 5, tip: 10, commits: CHAIN.slice(5, 10) }, asked, c.ctx)
    expect(c.follower.height).toBe(0)
    // No answer within the timeout: counted, and the next member asked.
    c.ctx.advance(1000)
    c.sync.timer('wait:1', c.ctx)
    expect(c.sync.refused.get('timeout')).toBe(1)
    const { to: second } = lastRequest(c)
    expect(second).not.toBe(asked)
    c.sync.receive({ t: 'blocks', from: 0, tip: 10, commits: [] }, second, c.ctx)
    expect(c.sync.refused.get('empty')).toBe(1)
    expect(lastRequest(c).to).not.toBe(second)
  })

  it('refuses to be used before it starts', () => {
    const [follower] = lightClient({ committee: MEMBERS })
    expect(() => follower.height).toThrow(ConsensusError)
  })
})
