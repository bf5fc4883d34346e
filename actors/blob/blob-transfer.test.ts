import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { blake2b } from '../../core/hash.ts'
import { blobOf, compute, elapse, node, pump, reasonOf, results } from './blob-transfer.fixtures.ts'
import { BlobMessage, MAX_CHUNK_BYTES } from './messages.ts'

describe('blob/1 between two components', () => {
  it('fetches a blob of any size intact, chunk by chunk, and leaves no session or fetch behind (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: 1, max: 6 }), (size, chunkBytes, window) => {
        const [holder, fetcher] = [node('h'), node('f', { chunkBytes, window })]
        const bytes = blobOf(size)
        const hash = holder.blob.blobs().put(bytes)
        const { got, done } = results()
        fetcher.blob.fetch(hash, 'h', done)
        pump([holder, fetcher])
        expect(got.length).toBe(1)
        expect(Result.isSuccess(got[0]!) && bytesEqual(got[0].success, hash)).toBe(true)
        expect(bytesEqual(fetcher.blob.blobs().get(hash)!, bytes)).toBe(true)
        expect(fetcher.blob.stats()).toEqual({ fetches: 0, inFlight: 0, sessions: 0 })
        expect(holder.blob.stats().sessions).toBe(0)
      }),
      { numRuns: 40 },
    )
  })

  it('a slow reader: the holder sends a chunk only when asked, so no more than the window is ever on its way', () => {
    const window = 3
    const [holder, fetcher] = [node('h'), node('f', { window, chunkBytes: 16 << 10 })]
    const bytes = blobOf(1 << 20)
    const hash = holder.blob.blobs().put(bytes)
    const { got, done } = results()
    fetcher.blob.fetch(hash, 'h', done)
    let peak = 0
    // The fetcher reads one message per step; the holder answers everything it gets at once.
    while (got.length === 0) {
      for (const { message } of fetcher.ctx.sent.splice(0)) holder.blob.receive(Result.getOrThrow(decodeFrame(encode(message), BlobMessage)), 'f', holder.ctx)
      compute(holder) // the verification before the first answer
      const inTransit = holder.ctx.sent.filter(({ message }) => (message as BlobMessage).t === 'chunk').length
      peak = Math.max(peak, inTransit)
      expect(inTransit).toBeLessThanOrEqual(window)
      const next = holder.ctx.sent.shift()
      if (next !== undefined) fetcher.blob.receive(next.message as BlobMessage, 'h', fetcher.ctx)
    }
    expect(peak).toBe(window)
    expect(Result.isSuccess(got[0]!)).toBe(true)
  })

  it('refuses to store what does not hash to its name, and stores nothing', () => {
    const [holder, fetcher] = [node('h'), node('f')]
    const hash = holder.blob.blobs().put(blobOf(600_000))
    const { got, done } = results()
    fetcher.blob.fetch(hash, 'h', done)
    pump([holder, fetcher], (m) => (m.t === 'chunk' && m.o === 0 ? { ...m, b: m.b.map((x, i) => (i === 5 ? x ^ 1 : x)) } : m))
    expect(reasonOf(got[0])).toBe('mismatch')
    expect(fetcher.blob.blobs().has(hash)).toBe(false)
    expect(holder.blob.stats().sessions).toBe(0) // the fetcher closed its session
  })

  it('a holder whose copy is damaged refuses it as corrupt instead of serving it', () => {
    const [holder, fetcher] = [node('h'), node('f')]
    const hash = holder.blob.blobs().put(blobOf(1000))
    holder.ctx.storage.damageBlob('blobs', hash, 10)
    const { got, done } = results()
    fetcher.blob.fetch(hash, 'h', done)
    pump([holder, fetcher])
    expect(reasonOf(got[0])).toBe('refused-corrupt')
    expect(holder.ctx.traces.some((t) => t.event === 'blob-corrupt')).toBe(true)
  })

  it('refuses a blob past its bound from the size alone, and an unknown blob', () => {
    const [holder, fetcher] = [node('h'), node('f', { maxBlobBytes: 1000 })]
    const big = holder.blob.blobs().put(blobOf(1001))
    const { got, done } = results()
    fetcher.blob.fetch(big, 'h', done)
    fetcher.blob.fetch(blake2b(new Uint8Array([9])), 'h', done)
    pump([holder, fetcher])
    expect(got.map(reasonOf).sort()).toEqual(['refused-unknown', 'too-large']) // an unknown blob is refused at once, a known one after its verification
  })

  it('a holder that restarts mid-transfer refuses the next chunk, and the fetch fails rather than hangs', () => {
    const [holder, fetcher] = [node('h'), node('f', { chunkBytes: 1000, window: 1 })]
    const hash = holder.blob.blobs().put(blobOf(5000))
    const { got, done } = results()
    fetcher.blob.fetch(hash, 'h', done)
    let restarted = false
    pump([holder, fetcher], (m) => {
      if (!restarted && m.t === 'chunk') {
        restarted = true
        holder.blob.start(holder.ctx) // a crash loses the sessions
      }
      return m
    })
    expect(reasonOf(got[0])).toBe('refused-no-session')
    expect(fetcher.blob.stats().fetches).toBe(0)
  })

  it('asks again when the holder is silent, then gives up on the context clock', () => {
    const fetcher = node('f', { requestTimeoutMs: 1000, maxRetries: 2 })
    const { got, done } = results()
    fetcher.blob.fetch(blake2b(new Uint8Array([1])), 'gone', done)
    expect(fetcher.ctx.sent.length).toBe(1)
    elapse(fetcher, 1000)
    elapse(fetcher, 1000)
    expect(fetcher.ctx.sent.length).toBe(3) // the open, sent again twice
    expect(got).toEqual([])
    elapse(fetcher, 1000)
    expect(reasonOf(got[0])).toBe('timeout')
    expect(fetcher.ctx.timers.size).toBe(0)
  })

  it('joins a second fetch of the same blob, answers at once for a blob it has, and bounds fetches under way', () => {
    const fetcher = node('f', { maxFetches: 2 })
    const { got, done } = results()
    const hashes = [1, 2, 3].map((i) => blake2b(new Uint8Array([i])))
    fetcher.blob.fetch(hashes[0]!, 'h', done)
    fetcher.blob.fetch(hashes[0]!, 'h', done)
    fetcher.blob.fetch(hashes[1]!, 'h', done)
    fetcher.blob.fetch(hashes[2]!, 'h', done)
    expect(got.map(reasonOf)).toEqual(['busy'])
    const own = fetcher.blob.blobs().put(new Uint8Array([7]))
    fetcher.blob.fetch(own, 'h', done)
    expect(Result.isSuccess(got[1]!)).toBe(true)
    fetcher.blob.fetch(new Uint8Array(31), 'h', done)
    expect(reasonOf(got[2])).toBe('bad-hash')
    expect(fetcher.blob.stats().fetches).toBe(2)
  })

  it('bounds the sessions a stranger can open, and forgets idle ones', () => {
    const holder = node('h', { maxSessionsPerPeer: 2, maxSessions: 3, idleMs: 5000 })
    const hashes = [1, 2, 3, 4].map((i) => holder.blob.blobs().put(blobOf(100, i)))
    const answers = (peer: string) => holder.ctx.sent.filter((s) => s.to === peer).map((s) => (s.message as BlobMessage).t)
    for (const h of hashes) holder.blob.receive({ t: 'open', h }, 'stranger', holder.ctx)
    expect(answers('stranger')).toEqual(['refuse', 'refuse']) // past its 2; the first two wait for their verification
    compute(holder)
    compute(holder)
    expect(answers('stranger')).toEqual(['refuse', 'refuse', 'size', 'size'])
    holder.blob.receive({ t: 'open', h: hashes[0]! }, 'other', holder.ctx)
    holder.blob.receive({ t: 'open', h: hashes[1]! }, 'third', holder.ctx)
    expect(answers('other')).toEqual(['size']) // verified already: answered at once
    expect(answers('third')).toEqual(['size']) // full: it takes the place of the stranger's oldest
    expect(holder.ctx.sent.filter((s) => s.to === 'stranger').at(-1)?.message).toMatchObject({ t: 'refuse', why: 'busy', h: hashes[0] })
    holder.blob.receive({ t: 'open', h: hashes[0]! }, 'fourth', holder.ctx)
    expect(answers('fourth')).toEqual(['refuse']) // full, and no peer holds more than one
    expect(holder.blob.stats().sessions).toBe(3)
    holder.blob.receive({ t: 'get', h: hashes[2]!, o: 0, n: 10 }, 'other', holder.ctx)
    expect(holder.ctx.sent.at(-1)?.message).toMatchObject({ t: 'refuse', why: 'no-session' })
    elapse(holder, 5000)
    expect(holder.blob.stats().sessions).toBe(0)
    expect(holder.ctx.timers.size).toBe(0)
  })

  it('every message schema bounds its fields', () => {
    const h = new Uint8Array(32)
    const decodes = (message: unknown) => Result.isSuccess(decodeFrame(encode(message), BlobMessage))
    expect(decodes({ t: 'chunk', h, o: 0, b: new Uint8Array(MAX_CHUNK_BYTES) })).toBe(true)
    expect(decodes({ t: 'chunk', h, o: 0, b: new Uint8Array(MAX_CHUNK_BYTES + 1) })).toBe(false)
    expect(decodes({ t: 'get', h, o: 0, n: MAX_CHUNK_BYTES + 1 })).toBe(false)
    expect(decodes({ t: 'get', h, o: -1, n: 1 })).toBe(false)
    expect(decodes({ t: 'open', h: new Uint8Array(33) })).toBe(false)
    expect(decodes({ t: 'size', h, n: 2 ** 41 })).toBe(false)
    expect(decodes({ t: 'refuse', h, why: 'because' })).toBe(false)
  })
})
