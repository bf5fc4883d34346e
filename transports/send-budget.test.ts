import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CloseReason, Link, Misbehaviour } from '../core/transport.ts'
import type { Limits } from './limits.ts'
import { MemoryNetwork } from './memory.ts'
import { testSigner } from './test-signer.ts'

const KiB = 1 << 10

/**
 * A listener with `count` inbound links on a memory network whose deliveries wait until `drain`: what
 * the listener sends stays unsent (in `bufferedBytes`) until then, as on a socket whose peer is not
 * reading.
 */
async function setup(count: number, limits: Partial<Limits>) {
  const queue: (() => void)[] = []
  const drain = (tasks = queue.length) => queue.splice(0, tasks).forEach((task) => task())
  const network = new MemoryNetwork((task) => void queue.push(task))
  const listener = network.transport(testSigner(1), limits)
  const reports: Misbehaviour[] = []
  listener.onMisbehaviour((m) => reports.push(m))
  const links: Link[] = []
  listener.onLink((link) => links.push(link))
  const url = await listener.listen()
  for (let i = 0; i < count; i++) {
    const dialled = network.transport(testSigner(10 + i), {}, `10.0.0.${i}`).dial(url)
    drain()
    await dialled
    drain()
  }
  const closed = links.map(() => undefined as CloseReason | undefined)
  links.forEach((link, i) => link.onClose((reason) => (closed[i] = reason)))
  return { links, reports, drain, closed }
}

/** Sends `frames` frames of `bytes` on `link`: the reason it threw, if it did. */
function send(link: Link, frames: number, bytes = 64 * KiB): string | undefined {
  try {
    for (let i = 0; i < frames; i++) link.send(new Uint8Array(bytes))
  } catch (error) {
    return (error as { reason: string }).reason
  }
  return undefined
}

const unsent = (links: Link[]) => links.reduce((sum, link) => sum + (link.open ? link.bufferedBytes : 0), 0)

describe("the transport's budget for the unsent bytes of all its links", () => {
  it('cuts the link holding the most when a send would pass it, the sender itself if that is the one', async () => {
    // Each link alone may hold 4 MiB; all of them together 2 MiB.
    const { links, reports, closed } = await setup(3, { maxFrameBytes: 64 * KiB, maxBufferedBytes: 4 << 20, maxTransportBufferedBytes: 2 << 20 })
    const [a, b, c] = links as [Link, Link, Link]
    expect(send(a, 16)).toBeUndefined() // 1 MiB
    expect(send(b, 8)).toBeUndefined() // 512 KiB
    expect(send(c, 8)).toBeUndefined() // 512 KiB: 2 MiB in all, exactly the budget
    expect(closed).toEqual([undefined, undefined, undefined])
    // One more frame from c: a, holding the most, is cut, and c's frame goes out.
    expect(send(c, 1)).toBeUndefined()
    expect(closed).toEqual(['slow-reader', undefined, undefined])
    expect(reports.map((r) => r.reason)).toEqual(['slow-reader'])
    expect(reports[0]!.detail).toMatch(/budget/)
    expect(c.bufferedBytes).toBe(576 * KiB)
    expect(unsent(links)).toBe(1088 * KiB)
    // c fills the budget alone, and one more frame cuts c itself: the sender holds the most.
    expect(send(c, 15)).toBeUndefined()
    expect(unsent(links)).toBe(2 << 20)
    expect(send(c, 1)).toBe('slow-reader')
    expect(closed).toEqual(['slow-reader', undefined, 'slow-reader'])
    expect(b.open).toBe(true)
    expect(unsent(links)).toBe(512 * KiB)
  })

  it('keeps the unsent bytes of all links within the budget, and cuts nothing while a send fits (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), link: fc.nat(4), bytes: fc.integer({ min: 1, max: 64 * KiB }) }),
      fc.record({ kind: fc.constant('drain' as const), tasks: fc.nat(20) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 64 * KiB, max: 1 << 20 }), fc.array(op, { maxLength: 120 }), async (budget, ops) => {
        // The per-link bound as large as the budget: only the budget cuts.
        const { links, drain } = await setup(5, { maxFrameBytes: 64 * KiB, maxBufferedBytes: budget, maxTransportBufferedBytes: budget })
        for (const o of ops) {
          if (o.kind === 'drain') {
            drain(o.tasks)
            continue
          }
          const link = links[o.link]!
          if (!link.open) continue
          const before = links.filter((l) => l.open).length
          const fits = unsent(links) + o.bytes <= budget
          const reason = send(link, 1, o.bytes)
          if (fits) expect(links.filter((l) => l.open).length).toBe(before) // nobody is cut for a send that fits
          if (reason !== undefined) expect([reason, link.open]).toEqual(['slow-reader', false])
          expect(unsent(links)).toBeLessThanOrEqual(budget)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('keeps memory bounded under a flood of sends to links that never read', async () => {
    const budget = 1 << 20
    const { links, closed } = await setup(20, { maxFrameBytes: 16 * KiB, maxBufferedBytes: 512 * KiB, maxTransportBufferedBytes: budget })
    let peak = 0
    for (let round = 0; round < 100; round++) {
      for (const link of links) if (link.open) send(link, 1, 16 * KiB)
      peak = Math.max(peak, unsent(links))
    }
    expect(peak).toBeLessThanOrEqual(budget)
    expect(closed.every((reason) => reason === 'slow-reader')).toBe(true)
  })
})
