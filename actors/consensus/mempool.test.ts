import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { signedVote, testCommittee } from './consensus.fixtures.ts'
import { evidenceEntry, evidenceOf, type SignedValue } from './evidence.ts'
import { DEFAULT_GOSSIP_DELAY_MS, MAX_GOSSIP_ENTRIES, Mempool, type MempoolMessage, type MempoolOptions } from './mempool.ts'
import { GENESIS_PARENT, MAX_ENTRY_BYTES, type Block, type Vote } from './messages.ts'

const committee = testCommittee([1, 1, 1, 1])
const entry = (n: number) => encode(['app', n])
const side = (vote: Vote): SignedValue => ({ x: vote.x, vr: -1, sig: vote.sig })
/** Evidence that member 3 voted twice at (0, 0), with `other` as its second value. */
const evidence = (other: number) => evidenceEntry(evidenceOf('prevote', 0, 0, 3, side(signedVote(3, 'prevote', 0, 0, null)), side(signedVote(3, 'prevote', 0, 0, new Uint8Array(32).fill(other)))))
const forged = () => evidenceEntry({ ...evidenceOf('prevote', 0, 0, 3, side(signedVote(3, 'prevote', 0, 0, null)), side(signedVote(2, 'prevote', 0, 0, new Uint8Array(32)))) })

function pool(self = 'n0', options: Partial<MempoolOptions> = {}) {
  const ctx = new ManualContext(self)
  const mempool = new Mempool({ committee, ...options })
  mempool.start(ctx)
  return { ctx, mempool }
}
const block = (h: number, entries: Uint8Array[]): Block => ({ h, parent: GENESIS_PARENT, by: 0, entries })
const gossip = (entries: Uint8Array[]): MempoolMessage => ({ t: 'entries', entries })

describe('the shared mempool', () => {
  it('sends what is submitted, batched after the gossip delay, to every other member, who then hold it for a block', () => {
    const { ctx, mempool } = pool('n0')
    mempool.submit(entry(1))
    mempool.submit(entry(2))
    // One timer for the batch, and nothing sent before it fires.
    expect([...ctx.timers.values()].map((t) => [t.at, t.tag])).toEqual([[DEFAULT_GOSSIP_DELAY_MS, 'gossip']])
    expect(ctx.sent).toEqual([])
    mempool.timer('gossip', ctx)
    expect(ctx.sent.map((s) => s.to)).toEqual(['n1', 'n2', 'n3'])
    expect((ctx.sent[0]?.message as MempoolMessage).entries).toEqual([entry(1), entry(2)])

    const other = pool('n2')
    other.mempool.receive(ctx.sent[1]?.message as MempoolMessage, 'n0', other.ctx)
    expect(other.mempool.take(10)).toEqual([entry(1), entry(2)])
    // Gossiped entries are not this node's: they do not count against its own submissions.
    expect(other.mempool.pending).toBe(0)
  })

  it('sends to the leaders of the height being decided and the next ones, not to the whole committee', () => {
    const ctx = new ManualContext('n0')
    const mempool = new Mempool({ committee: testCommittee([1, 1, 1, 1, 1, 1, 1]) })
    mempool.start(ctx)
    let submitted = 0
    const sentTo = () => {
      mempool.submit(entry(submitted++))
      mempool.timer('gossip', ctx)
      return ctx.sent.splice(0).map((s) => s.to)
    }
    // Height 0 is n0's own (it proposes its entries itself): the next three leaders.
    expect(sentTo()).toEqual(['n1', 'n2', 'n3'])
    mempool.committed(block(3, []))
    expect(sentTo()).toEqual(['n4', 'n5', 'n6'])
    // With weights, the next distinct members: n1 leads heights 1 to 4.
    const weighted = new Mempool({ committee: testCommittee([1, 4, 1, 1]) })
    expect(weighted.nextLeaders('n0')).toEqual(['n1', 'n2', 'n3'])
  })

  it('splits a large batch into messages of at most MAX_GOSSIP_ENTRIES', () => {
    const { ctx, mempool } = pool('n0')
    for (let i = 0; i < MAX_GOSSIP_ENTRIES + 1; i++) mempool.submit(entry(i))
    mempool.timer('gossip', ctx)
    expect(ctx.sent.filter((s) => s.to === 'n1').map((s) => (s.message as MempoolMessage).entries.length)).toEqual([MAX_GOSSIP_ENTRIES, 1])
  })

  it('keeps one copy of an entry, and one piece of evidence per offender, height and round', () => {
    const { ctx, mempool } = pool('n0')
    mempool.submit(entry(1))
    mempool.submit(entry(1))
    mempool.receive(gossip([entry(1), evidence(1)]), 'n1', ctx)
    // Another pair for the same offence, from another reporter: the same key.
    mempool.receive(gossip([evidence(2)]), 'n2', ctx)
    expect(mempool.take(10)).toEqual([entry(1), evidence(1)])
    expect(mempool.size).toBe(2)
  })

  it('drops committed entries, and gossip arriving after their commit does not bring them back', () => {
    const { ctx, mempool } = pool('n0')
    mempool.submit(entry(1))
    mempool.receive(gossip([entry(2), entry(3)]), 'n1', ctx)
    mempool.committed(block(0, [entry(1), entry(2)]))
    expect(mempool.take(10)).toEqual([entry(3)])
    expect(mempool.pending).toBe(0)
    mempool.receive(gossip([entry(2)]), 'n3', ctx)
    // Submitted again after its commit: refused, so that a caller waiting for its block hears at once.
    expect(() => mempool.submit(entry(1))).toThrow(expect.objectContaining({ _tag: 'ConsensusError', reason: 'already-committed' }))
    expect(mempool.take(10)).toEqual([entry(3)])
  })

  it('holds at most maxEntriesPerSender from one member and maxGossipedEntries in all; its own submissions are bounded apart', () => {
    const { ctx, mempool } = pool('n0', { maxEntriesPerSender: 2, maxGossipedEntries: 3, maxPendingEntries: 1 })
    mempool.receive(gossip([entry(1), entry(2), entry(3)]), 'n1', ctx)
    mempool.receive(gossip([entry(4), entry(5)]), 'n2', ctx)
    expect(mempool.take(10)).toEqual([entry(1), entry(2), entry(4)])
    expect(mempool.refused).toBe(2)
    expect(ctx.traces.filter((t) => t.event === 'gossip-refused').map((t) => t.reasons)).toEqual([{ 'sender-full': 1 }, { 'pool-full': 1 }])
    // A full share of others' entries does not stop this node's own; its own bound does, and changes nothing.
    mempool.submit(entry(6))
    expect(() => mempool.submit(entry(7))).toThrow(expect.objectContaining({ reason: 'queue-full' }))
    expect(() => mempool.submit(new Uint8Array(MAX_ENTRY_BYTES + 1))).toThrow(expect.objectContaining({ reason: 'entry-too-large' }))
    expect(mempool.take(10)).toEqual([entry(1), entry(2), entry(4), entry(6)])
    // A commit frees the sender's share.
    mempool.committed(block(0, [entry(1)]))
    mempool.receive(gossip([entry(3)]), 'n1', ctx)
    expect(mempool.take(10)).toContainEqual(entry(3))
  })

  it('refuses gossip from outside the committee, and evidence that does not verify', () => {
    const { ctx, mempool } = pool('n0')
    mempool.receive(gossip([entry(1)]), 'stranger', ctx)
    mempool.receive(gossip([entry(1)]), 'n0', ctx)
    mempool.receive(gossip([forged(), encode({ kind: 'evidence' })]), 'n1', ctx)
    expect(mempool.size).toBe(0)
    expect(ctx.traces.filter((t) => t.event === 'gossip-refused').map((t) => t.reason ?? t.reasons)).toEqual(['not-a-member', 'not-a-member', { 'bad-signature': 1, 'malformed-evidence': 1 }])
    expect(() => mempool.submit(forged())).toThrow(expect.objectContaining({ reason: 'invalid-entry' }))
  })

  it('a pool no composite started keeps entries for its own node and sends nothing', () => {
    const mempool = new Mempool({ committee })
    mempool.submit(entry(1))
    expect(mempool.take(1)).toEqual([entry(1)])
  })

  it('whatever members and strangers send, and whatever commits, every bound holds and a committed entry never returns', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('submit' as const), n: fc.nat(40) }),
      fc.record({ k: fc.constant('gossip' as const), from: fc.constantFrom('n0', 'n1', 'n2', 'n3', 'x'), ns: fc.array(fc.nat(40), { maxLength: 6 }) }),
      fc.record({ k: fc.constant('commit' as const), take: fc.nat(5) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const limits = { maxEntriesPerSender: 3, maxGossipedEntries: 5, maxPendingEntries: 4 }
        const { ctx, mempool } = pool('n0', limits)
        const committedKeys = new Set<string>()
        for (const o of ops) {
          if (o.k === 'submit') {
            try {
              mempool.submit(entry(o.n))
            } catch (error) {
              const committedBefore = committedKeys.has(Buffer.from(entry(o.n)).toString('hex'))
              expect(error).toMatchObject({ _tag: 'ConsensusError', reason: committedBefore ? 'already-committed' : 'queue-full' })
            }
          } else if (o.k === 'gossip') mempool.receive(gossip(o.ns.map(entry)), o.from, ctx)
          else {
            const entries = mempool.take(o.take)
            mempool.committed(block(0, entries))
            for (const e of entries) committedKeys.add(Buffer.from(e).toString('hex'))
          }
          const held = mempool.take(1000)
          expect(mempool.pending).toBeLessThanOrEqual(limits.maxPendingEntries)
          expect(held.length - mempool.pending).toBeLessThanOrEqual(limits.maxGossipedEntries)
          expect(new Set(held.map((e) => Buffer.from(e).toString('hex'))).size).toBe(held.length)
          for (const e of held) expect(committedKeys.has(Buffer.from(e).toString('hex'))).toBe(false)
        }
      }),
      { numRuns: 200 },
    )
  })
})
