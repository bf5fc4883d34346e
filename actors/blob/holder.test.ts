import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { blake2b } from '../../core/hash.ts'
import { blobOf, compute, node, pump, results, type Node } from './blob-transfer.fixtures.ts'
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_PEER, DEFAULT_OPEN_BURST, DEFAULT_OPENS_PER_SECOND } from './holder.ts'
import type { BlobMessage } from './messages.ts'

// Every BLAKE2b the blob component and its stores take is counted, by the length of what it hashed.
vi.mock('../../core/hash.ts', async (original) => {
  const real = await original<typeof import('../../core/hash.ts')>()
  return { ...real, blake2b: vi.fn(real.blake2b) }
})
const hashesOf = (length: number) => vi.mocked(blake2b).mock.calls.filter(([data]) => data.length === length).length

/** What the holder last answered `peer` about blob `h`: 'size', 'refuse:<why>', or undefined. */
function answer(holder: Node, peer: string, h: Uint8Array): string | undefined {
  const sent = holder.ctx.sent.filter((s) => s.to === peer && blake2bEqual((s.message as BlobMessage).h, h)).at(-1)?.message as BlobMessage | undefined
  return sent === undefined ? undefined : sent.t === 'refuse' ? `refuse:${sent.why}` : sent.t
}
const blake2bEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** Opens blob `h` at the holder from `peer` and completes any verification it starts. */
function open(holder: Node, peer: string, h: Uint8Array): string | undefined {
  holder.blob.receive({ t: 'open', h }, peer, holder.ctx)
  compute(holder)
  return answer(holder, peer, h)
}

describe('the blob holder under strangers', () => {
  afterEach(() => vi.mocked(blake2b).mockClear())

  it('16 identities holding every session cannot shut out a newcomer: it takes the place of the oldest session of a peer holding the most', () => {
    const holder = node('h')
    const blobs = [1, 2, 3, 4].map((i) => holder.blob.blobs().put(blobOf(100, i)))
    const sybils = DEFAULT_MAX_SESSIONS / DEFAULT_MAX_SESSIONS_PER_PEER
    for (let s = 0; s < sybils; s++) for (const h of blobs) expect(open(holder, `sybil${s}`, h)).toBe('size')
    expect(holder.blob.stats().sessions).toBe(DEFAULT_MAX_SESSIONS)
    expect(open(holder, 'newcomer', blobs[0]!)).toBe('size')
    expect(answer(holder, 'sybil0', blobs[0]!)).toBe('refuse:busy') // the oldest session of all, told so
    // A sybil cannot take it back: no peer holds two more than it would.
    expect(open(holder, 'sybil0', blobs[0]!)).toBe('refuse:busy')
    expect(holder.blob.stats().sessions).toBe(DEFAULT_MAX_SESSIONS)
  })

  it('a flood of identities from one network group never shuts out, nor pushes out, a peer of another group (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 }), (before, after) => {
        const holder = node('h', { groupOf: (peer) => (peer.startsWith('sybil') ? 'attacker-net' : peer) })
        const blobs = [1, 2, 3, 4].map((i) => holder.blob.blobs().put(blobOf(50, i)))
        for (let s = 0; s < before; s++) for (const h of blobs) open(holder, `sybil${s}`, h)
        expect(open(holder, 'newcomer', blobs[0]!)).toBe('size')
        after.forEach((b, i) => open(holder, `sybil-late${i}`, blobs[b]!))
        expect(answer(holder, 'newcomer', blobs[0]!)).toBe('size') // never refused since
        expect(holder.blob.stats().sessions).toBeLessThanOrEqual(DEFAULT_MAX_SESSIONS)
      }),
      { numRuns: 30 },
    )
  })

  it('a peer opening faster than its budget is refused, whatever it closes in between; the budget refills on the context clock', () => {
    const holder = node('h')
    const h = holder.blob.blobs().put(blobOf(100))
    const churn = () => {
      const answered = open(holder, 'churner', h)
      holder.blob.receive({ t: 'close', h }, 'churner', holder.ctx)
      return answered
    }
    const burst = Array.from({ length: DEFAULT_OPEN_BURST + 1 }, churn)
    expect(burst).toEqual([...Array(DEFAULT_OPEN_BURST).fill('size'), 'refuse:busy'])
    expect(open(holder, 'someone-else', h)).toBe('size') // the budget is the churner's, not the holder's
    holder.ctx.advance(1000 / DEFAULT_OPENS_PER_SECOND)
    expect(churn()).toBe('size')
    expect(churn()).toBe('refuse:busy')
  })

  it('hashes a blob once to serve it, however often and by however many it is opened, and once to fetch it', () => {
    const size = 777 // a length nothing else here hashes
    const [holder, first, second] = [node('h'), node('f1'), node('f2')]
    const blobs = Array.from({ length: 100 }, (_, i) => holder.blob.blobs().put(blobOf(size, i))) // more than the old cache of 64
    vi.mocked(blake2b).mockClear()
    for (const fetcher of [first, second]) {
      for (const h of blobs) {
        const { got, done } = results()
        holder.ctx.advance(1000 / DEFAULT_OPENS_PER_SECOND) // within the fetcher's open budget
        fetcher.blob.fetch(h, 'h', done)
        pump([holder, fetcher])
        expect(got.length).toBe(1)
      }
      expect(fetcher.blob.blobs().has(blobs[99]!)).toBe(true)
    }
    // The holder verified each blob once (on a compute job); each fetcher stored each with one hash.
    expect(hashesOf(size)).toBe(100 + 2 * 100)
    // Opened again and again: no more hashing.
    for (let round = 0; round < 3; round++) for (const h of blobs.slice(0, 5)) open(holder, `again${round}`, h)
    expect(hashesOf(size)).toBe(300)
  })

  it('verifies on a compute job and answers the open when its outcome arrives; a failed verification is `busy`, a mismatch `corrupt`', () => {
    const holder = node('h')
    const [good, bad, unlucky] = [1, 2, 3].map((i) => holder.blob.blobs().put(blobOf(1000, i)))
    holder.blob.receive({ t: 'open', h: good! }, 'p', holder.ctx)
    expect(answer(holder, 'p', good!)).toBeUndefined() // not before the outcome
    expect([...holder.ctx.computations.values()].map((c) => c.kind.name)).toEqual(['blob-hash/1'])
    compute(holder)
    expect(answer(holder, 'p', good!)).toBe('size')
    holder.ctx.storage.damageBlob('blobs', bad!, 10)
    expect(open(holder, 'p', bad!)).toBe('refuse:corrupt')
    expect(holder.ctx.traces).toContainEqual(expect.objectContaining({ event: 'blob-corrupt' }))
    // A worker that died: the open is refused as busy (ask again later), and nothing is remembered as verified.
    holder.blob.receive({ t: 'open', h: unlucky! }, 'p', holder.ctx)
    const [id, { tag }] = [...holder.ctx.computations][0]!
    holder.ctx.computations.delete(id)
    holder.blob.computed(tag, { ok: false, reason: 'worker-died', error: 'blob-hash/1: the worker running it died' }, holder.ctx)
    expect(answer(holder, 'p', unlucky!)).toBe('refuse:busy')
    holder.ctx.advance(1000)
    holder.blob.receive({ t: 'open', h: unlucky! }, 'p', holder.ctx)
    expect(holder.ctx.computations.size).toBe(1) // verified afresh
    expect(holder.blob.stats().sessions).toBe(2)
  })

  it('a damaged blob whose opener left before its verification ended is not remembered as verified', () => {
    const holder = node('h')
    const h = holder.blob.blobs().put(blobOf(1000))
    holder.ctx.storage.damageBlob('blobs', h, 3)
    holder.blob.receive({ t: 'open', h }, 'p', holder.ctx)
    holder.blob.receive({ t: 'close', h }, 'p', holder.ctx)
    compute(holder) // the outcome finds no one waiting
    expect(holder.ctx.traces).toContainEqual(expect.objectContaining({ event: 'blob-corrupt' }))
    expect(open(holder, 'q', h)).toBe('refuse:corrupt')
  })
})
