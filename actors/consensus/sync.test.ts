import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { DEFAULT_MAX_FRAME_BYTES, decodeFrame, encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { Random } from '../../core/random.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { Committee } from './committee.ts'
import { testKeys } from './consensus.fixtures.ts'
import { lightClient } from './follower.ts'
import { MAX_ENTRY_BYTES, blockHash, type Commit } from './messages.ts'
import { DEFAULT_MAX_RANGE_BYTES, DEFAULT_MEMBER_SERVE_PER_SECOND, DEFAULT_SERVE_PER_SECOND, RangeServer } from './range-server.ts'
import { MEMBERS, heldChain, testChain } from './sync.fixtures.ts'
import { MAX_RANGE_COMMITS, RangeReply, SyncMessage, type RangeRequest } from './sync-messages.ts'
import { BftSync } from './sync.ts'
import { BftVoter } from './voter.ts'

const CHAIN = testChain(100)
const range = (from: number, count: number): RangeRequest => ({ t: 'range', from, count })

describe('serving ranges (RangeServer)', () => {
  it('answers consecutive commits from the height asked, cut to the count and to the chain it holds', () => {
    const server = new RangeServer(heldChain(CHAIN))
    const reply = server.answer(range(10, 5), 'a', 0)!
    expect(reply).toMatchObject({ t: 'blocks', from: 10, tip: 100 })
    expect(reply.commits.map((c) => c.b.h)).toEqual([10, 11, 12, 13, 14])
    expect(server.answer(range(98, 64), 'b', 0)!.commits.map((c) => c.b.h)).toEqual([98, 99])
    // Past its tip: an empty answer, which tells the asker to wait.
    expect(server.answer(range(100, 64), 'c', 0)!.commits).toEqual([])
  })

  it('keeps an answer under the frame limit, and sends one oversized commit alone', () => {
    // Commits of ~64 KiB (16 full entries each): a range of 64 would be 4 MiB.
    const big = testChain(40, 0).map((c): Commit => ({ ...c, b: { ...c.b, entries: Array.from({ length: 16 }, () => new Uint8Array(MAX_ENTRY_BYTES)) } }))
    const reply = new RangeServer(heldChain(big)).answer(range(0, MAX_RANGE_COMMITS), 'a', 0)!
    const frame = encode({ p: 'bft-sync/1', m: reply })
    expect(reply.commits.length).toBeGreaterThan(1)
    expect(frame.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES)
    expect(encode(reply).byteLength).toBeLessThanOrEqual(DEFAULT_MAX_RANGE_BYTES)
    expect(Result.isSuccess(decodeFrame(encode(reply), SyncMessage))).toBe(true)
    const alone = new RangeServer(heldChain(big), { maxRangeBytes: 1000 }).answer(range(3, 10), 'a', 0)!
    expect(alone.commits.map((c) => c.b.h)).toEqual([3])
  })

  it("bounds a stranger's flood: one answer per requester per interval, a node-wide rate, a bounded memory of requesters", () => {
    const server = new RangeServer(heldChain(CHAIN), { maxRequesters: 64 })
    let answered = 0
    for (let i = 0; i < 10_000; i++) if (server.answer(range(0, MAX_RANGE_COMMITS), `stranger-${i}`, 1000) !== undefined) answered++
    // The burst, then nothing until tokens refill: however many addresses the flood uses.
    expect(answered).toBe(DEFAULT_SERVE_PER_SECOND)
    expect(server.throttled).toBe(10_000 - DEFAULT_SERVE_PER_SECOND)
    expect(server.requesters).toBe(64)
    // One requester, twice within the interval: the second is dropped; after it, answered again.
    const one = new RangeServer(heldChain(CHAIN))
    expect(one.answer(range(0, 1), 'a', 0)).toBeDefined()
    expect(one.answer(range(0, 1), 'a', 49)).toBeUndefined()
    expect(one.answer(range(0, 1), 'a', 50)).toBeDefined()
  })

  it("a strangers' flood does not starve the committee: members draw on a budget of their own", () => {
    const server = new RangeServer(heldChain(CHAIN), {}, (address) => address.startsWith('member-'))
    for (let i = 0; i < 10_000; i++) server.answer(range(0, 1), `stranger-${i}`, 1000)
    expect(server.answer(range(0, 1), 'stranger-again', 1000)).toBeUndefined()
    for (let m = 0; m < DEFAULT_MEMBER_SERVE_PER_SECOND; m++) expect(server.answer(range(0, 1), `member-${m}`, 1000)).toBeDefined()
  })
})

describe('bft-sync/1 messages', () => {
  it('any bytes decode to a message or a typed refusal, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const decoded = decodeFrame(bytes, SyncMessage)
        if (Result.isFailure(decoded)) expect(decoded.failure._tag).toBe('DecodeError')
      }),
    )
  })

  it('refuse counts and ranges past their bounds', () => {
    const decodes = (m: unknown) => Result.isSuccess(decodeFrame(encode(m), SyncMessage))
    expect(decodes(range(0, MAX_RANGE_COMMITS))).toBe(true)
    expect(decodes(range(0, MAX_RANGE_COMMITS + 1))).toBe(false)
    expect(decodes(range(0, 0))).toBe(false)
    expect(decodes(range(-1, 1))).toBe(false)
    const many = Array.from({ length: MAX_RANGE_COMMITS + 1 }, () => CHAIN[0])
    expect(decodes({ t: 'blocks', from: 0, tip: 1, commits: many })).toBe(false)
  })
})

describe('range catch-up of a validator (BftSync feeding BftVoter.acceptCommit)', () => {
  it('a validator far behind takes ranges through acceptCommit, as commit messages would, and refuses forged ones', () => {
    const ctx = new ManualContext('n3')
    const heard: number[] = []
    const voter = new BftVoter({ committee: MEMBERS, key: testKeys(3), onCommit: (c) => heard.push(c.b.h) }, { verifier: new SignatureVerifier() })
    voter.start(ctx)
    const sync = new BftSync({}, { chain: voter })
    sync.start(ctx)
    const requests = () => ctx.sent.filter((s) => (s.message as RangeRequest).t === 'range')
    // A forged answer first: a twin of block 0 under block 0's certificate. Nothing changes.
    const first = requests().at(-1)!
    const twin: Commit = { ...CHAIN[0]!, b: { ...CHAIN[0]!.b, entries: [] } }
    sync.receive({ t: 'blocks', from: 0, tip: 100, commits: [twin, ...CHAIN.slice(1, 10)] }, first.to, ctx)
    expect(voter.height).toBe(0)
    expect(sync.lastRefusal?.reason).toBe('no-quorum')
    // Then honest members: two ranges bring all 100 blocks, each durable before onCommit.
    for (let i = 0; i < 2; i++) {
      ctx.advance(60)
      const { to, message } = requests().at(-1)!
      expect(to).not.toBe(first.to)
      sync.receive(new RangeServer(heldChain(CHAIN)).answer(message as RangeRequest, 'n3', ctx.now())!, to, ctx)
    }
    expect(voter.height).toBe(100)
    expect(heard).toEqual(CHAIN.map((c) => c.b.h))
    expect(ctx.storage.log('chain').length).toBe(100)
    expect(toHex(blockHash(voter.committedAt(99)!.b))).toBe(toHex(blockHash(CHAIN[99]!.b)))
    // And it serves what it caught up to.
    sync.receive(range(90, 64), 'f7', ctx)
    expect((ctx.sent.at(-1)!.message as RangeReply).commits.map((c) => c.b.h)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99])
  })

  it("lies with twin blocks under the real certificates, which a light client refuses", () => {
    const sync = new BftSync({}, { chain: { ...heldChain(CHAIN), committee: new Committee(MEMBERS), acceptCommit: () => Result.succeed(undefined) } })
    const reply = new RangeServer(heldChain(CHAIN)).answer(range(0, 5), 'f0', 0)!
    const lie = sync.lie(reply, 'f0', { random: Random.fromSeed(1), accomplices: [], shared: 7, overheard: () => [] }) as RangeReply
    expect(lie.commits.map((c) => c.b.h)).toEqual([0, 1, 2, 3, 4])
    const ctx = new ManualContext('f0')
    const [follower, client] = lightClient({ committee: MEMBERS })
    follower.start(ctx)
    client.start(ctx)
    client.receive(lie, ctx.sent.at(-1)!.to, ctx)
    expect(follower.height).toBe(0)
    expect(client.lastRefusal?.reason).toBe('no-quorum')
    // Nothing to lie about in a request or an empty answer: they go as they are.
    expect(sync.lie(range(0, 5), 'n0', { random: Random.fromSeed(1), accomplices: [], shared: 7, overheard: () => [] })).toBeUndefined()
  })
})
