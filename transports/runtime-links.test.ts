import { Schema } from 'effect'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Actor, Address, Context, PeerSignal, TimerTag } from '../core/actor.ts'
import { toHex } from '../core/bytes.ts'
import { encode } from '../core/codec.ts'
import { DEFAULT_DIAL_LIMITS } from '../core/dial-policy.ts'
import { DECODE_FAILURE_WINDOW_MS, DEFAULT_MAX_DECODE_FAILURES, DEFAULT_MAX_FRAMES_PER_DIAL, NodeRuntime, UNKNOWN_GROUP, type LogRecord, type RuntimeOptions } from '../runtime/node-runtime.ts'
import { MemoryStorage, type Storage } from '../core/storage.ts'
import type { CloseReason, Link, Transport } from '../core/transport.ts'
import { tapped, wrapLinks } from './link-taps.ts'
import { MemoryNetwork } from './memory.ts'
import { UdpBroadcast } from './udp.ts'
import { WsTransport } from './ws/ws-transport.ts'
import { testSigner } from './test-signer.ts'

const Note = Schema.Struct({ text: Schema.String.check(Schema.isMaxLength(50)) })
type Note = typeof Note.Type

/** Records what reaches it; answers "boom" by throwing, and echoes everything else. */
class Recorder implements Actor<Note> {
  readonly inbox = Note
  readonly got: { note: Note; from: Address }[] = []
  readonly fired: TimerTag[] = []
  readonly signals: PeerSignal[] = []
  signal(signal: PeerSignal): void {
    this.signals.push(signal)
  }
  receive(note: Note, from: Address, ctx: Context): void {
    if (note.text === 'boom') throw new Error('the actor failed')
    this.got.push({ note, from })
    if (!note.text.startsWith('echo:')) ctx.send(from, { text: `echo:${note.text}` })
  }
  timer(tag: TimerTag): void {
    this.fired.push(tag)
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))
/**
 * Waits until `check` passes (what a send makes happen has arrived), up to a generous bound: a fixed
 * pause (`settle`) is too short on a loaded machine, where CI runs beside other jobs.
 */
const arrived = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 })
/** In-memory links are dialled at memory:// URLs, which the default policy (wss:// only) refuses. */
const memoryUrls = (url: string) => (url.startsWith('memory://') ? undefined : 'not a memory:// URL')

async function setup(options: Partial<RuntimeOptions> = {}) {
  const network = new MemoryNetwork()
  const actor = new Recorder()
  const logs: LogRecord[] = []
  const transport = network.transport(testSigner(1))
  const runtime = new NodeRuntime({ actor, transport, storage: new MemoryStorage(), log: (r) => logs.push(r), ...options })
  runtime.start()
  const address = await transport.listen()
  const peer = network.transport(testSigner(2))
  const link = await peer.dial(address)
  const replies: Uint8Array[] = []
  link.onFrame((f) => replies.push(f))
  return { runtime, actor, logs, link: link as Link, replies, peerId: toHex(peer.identity) }
}

describe('NodeRuntime over links and a LAN', () => {
  afterEach(() => vi.useRealTimers())

  it('delivers decoded messages from the authenticated identity and routes replies back over the link', async () => {
    const { actor, link, replies, peerId, runtime } = await setup()
    link.send(encode({ text: 'hi' }))
    await arrived(() => expect(actor.got).toEqual([{ note: { text: 'hi' }, from: peerId }]))
    expect(replies.length).toBe(1)
    await runtime.stop()
  })

  it('drops any frame that does not decode, and survives an actor that throws', async () => {
    const { actor, link, logs, runtime } = await setup({ maxDecodeFailures: Number.POSITIVE_INFINITY })
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        link.send(bytes)
      }),
      { numRuns: 200 },
    )
    link.send(encode({ text: 'x'.repeat(51) }))
    link.send(encode({ text: 'boom' }))
    link.send(encode({ text: 'still here' }))
    await arrived(() => expect(actor.got.at(-1)?.note.text).toBe('still here'))
    expect(logs.some((l) => l.event === 'rejected')).toBe(true)
    expect(logs.some((l) => l.event === 'actor-error')).toBe(true)
    expect(actor.signals.length).toBeGreaterThan(150) // each one reaches reputation, logged or not
    expect(actor.signals[0]?.peer).toBe(actor.got[0]?.from)
    await runtime.stop()
  })

  it('cuts a link after DEFAULT_MAX_DECODE_FAILURES frames that do not decode, and logs a flood as a sample and a summary', async () => {
    const { actor, link, logs, runtime } = await setup()
    link.send(encode({ text: 'before' }))
    for (let i = 0; i < 19_000 && link.open; i++) {
      link.send(new Uint8Array([0xc1, 0xc1, 0xc1, 0xc1]))
      if (i % 8 === 7) await Promise.resolve() // let some frames through before the next burst
    }
    await arrived(() => expect(link.open).toBe(false))
    expect(actor.signals.length).toBe(DEFAULT_MAX_DECODE_FAILURES)
    expect(logs.filter((l) => l.event === 'link-cut').map((l) => l.reason)).toEqual(['decode-failures'])
    await runtime.stop()

    // With no cut, the log is what the sampler lets through: 50 records of a kind, then a summary.
    const flood = await setup({ maxDecodeFailures: Number.POSITIVE_INFINITY })
    for (let i = 0; i < 19_000; i++) flood.link.send(new Uint8Array([0xc1, 0xc1, 0xc1, 0xc1]))
    await settle()
    await flood.runtime.stop()
    const malformed = flood.actor.signals.filter((s) => s.reason === 'malformed').length // what the link's rate limit let through
    expect(malformed).toBeGreaterThan(1_000)
    expect(flood.logs.filter((l) => l.event === 'rejected').length).toBe(50)
    expect(flood.logs.find((l) => l.event === 'suppressed')?.counts).toMatchObject({ 'rejected:malformed': malformed - 50 })
    expect(JSON.stringify(flood.logs).length).toBeLessThan(50_000)
  })

  it('counts decode failures within a minute: a long-lived link is not cut for odd frames spread over its life', async () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const { link, runtime } = await setup()
    const bad = () => link.send(new Uint8Array([0xc1, 0xc1, 0xc1, 0xc1]))
    for (let minute = 0; minute < 5; minute++) {
      for (let i = 0; i < DEFAULT_MAX_DECODE_FAILURES - 1; i++) bad()
      await settle()
      now += DECODE_FAILURE_WINDOW_MS + 1
    }
    expect(link.open).toBe(true) // 75 failures, never 16 within a minute
    for (let i = 0; i < DEFAULT_MAX_DECODE_FAILURES; i++) bad()
    await settle()
    expect(link.open).toBe(false)
    vi.restoreAllMocks()
    await runtime.stop()
  })

  it('dials an identity again at the URL it reached it at, once its link has closed, and nowhere else', async () => {
    const network = new MemoryNetwork()
    const runtime = new NodeRuntime({ actor: new Recorder(), transport: network.transport(testSigner(1)), storage: new MemoryStorage(), log: () => {}, dialProblem: memoryUrls })
    runtime.start()
    const peer = network.transport(testSigner(2))
    const url = await peer.listen()
    const received: string[] = []
    const links: Link[] = []
    peer.onLink((link) => {
      links.push(link)
      link.onFrame((f) => received.push(new TextDecoder().decode(f)))
    })
    runtime.ctx.send(url, 'first')
    await settle()
    links[0]!.close()
    await settle()
    runtime.ctx.send(toHex(peer.identity), 'second')
    await arrived(() => expect(received.length).toBe(2))
    expect(links.length).toBe(2)
    await runtime.stop()
  })

  it('keeps at most maxOutboundLinks dialled links open, closing the least recently used', async () => {
    const network = new MemoryNetwork()
    const logs: LogRecord[] = []
    const runtime = new NodeRuntime({ actor: new Recorder(), transport: network.transport(testSigner(1)), storage: new MemoryStorage(), log: (r) => logs.push(r), dialProblem: memoryUrls, maxOutboundLinks: 2 })
    runtime.start()
    const peers = await Promise.all([2, 3, 4].map(async (seed) => {
      const peer = network.transport(testSigner(seed))
      const url = await peer.listen()
      const links: Link[] = []
      peer.onLink((link) => links.push(link))
      return { url, links }
    }))
    runtime.ctx.send(peers[0]!.url, 'a')
    await settle()
    runtime.ctx.send(peers[1]!.url, 'b')
    await settle()
    runtime.ctx.send(peers[0]!.url, 'a again') // the first link is now the more recently used
    await settle()
    runtime.ctx.send(peers[2]!.url, 'c')
    await settle()
    expect(peers.map((p) => p.links.map((l) => l.open))).toEqual([[true], [false], [true]])
    expect(logs.filter((r) => r.event === 'link-cut' && r.reason === 'outbound-cap')).toHaveLength(1)
    await runtime.stop()
  })

  it('broadcasts on its LAN and delivers datagrams from udp://source, decoded like any frame', async () => {
    const port = 42_000 + Math.floor(Math.random() * 5_000) // a test's own port
    const network = new MemoryNetwork()
    const nodes = await Promise.all(
      [1, 2].map(async (seed) => {
        const actor = new Recorder()
        const logs: LogRecord[] = []
        const lan = await UdpBroadcast.open({ port, broadcastAddress: '127.255.255.255' })
        const runtime = new NodeRuntime({ actor, transport: network.transport(testSigner(seed)), storage: new MemoryStorage(), log: (r) => logs.push(r), lan })
        runtime.start()
        return { actor, logs, lan, runtime }
      }),
    )
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]]
    a.runtime.ctx.broadcast({ text: 'anyone here?' })
    await a.lan.send(new Uint8Array([0xc1, 0xff])) // not a frame the inbox decodes
    await arrived(() => {
      expect(b.actor.got.map((g) => g.note.text)).toEqual(['anyone here?'])
      expect(b.logs.some((l) => l.event === 'rejected' && String(l.from).startsWith('udp://'))).toBe(true)
      // The echo to a datagram's source goes nowhere: it is not an address a node can dial.
      expect(b.logs.some((l) => l.event === 'send-dropped' && l.reason === 'no-link')).toBe(true)
    })
    expect(b.actor.got[0]!.from).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/)
    for (const node of nodes) await node.runtime.stop()
    a.runtime.ctx.broadcast({ text: 'after stop' }) // dropped quietly, not thrown
  })

  it('fires a timer longer than setTimeout allows (90 days) once, at its time', async () => {
    vi.useFakeTimers()
    const { actor, runtime } = await setup()
    runtime.ctx.setTimer(90 * 24 * 3600_000, 'rotate')
    vi.advanceTimersByTime(89 * 24 * 3600_000)
    expect(actor.fired).toEqual([])
    vi.advanceTimersByTime(2 * 24 * 3600_000)
    expect(actor.fired).toEqual(['rotate'])
    await runtime.stop()
  })

  it('sends an acknowledgement only after the write before it is synced, with one sync for a turn of acknowledgements', async () => {
    const events: string[] = []
    const inner = new MemoryStorage()
    const storage: Storage = {
      get: (k) => inner.get(k),
      keys: (p) => inner.keys(p),
      put: (k, v) => (events.push('put'), inner.put(k, v)),
      delete: (k) => inner.delete(k),
      log: (n) => inner.log(n),
      blobs: (n) => inner.blobs(n),
      sync: () => (events.push('sync'), inner.sync()),
    }
    const acker: Actor<Note> = {
      inbox: Note,
      receive(note, from, ctx) {
        ctx.storage.put(`note/${note.text}`, new TextEncoder().encode(note.text))
        ctx.send(from, { text: `stored:${note.text}` })
      },
    }
    const network = new MemoryNetwork()
    const transport = network.transport(testSigner(1))
    const runtime = new NodeRuntime({ actor: acker, transport: wrapLinks(transport, (link) => tapped(link, () => events.push('send'))), storage, log: () => {} })
    runtime.start()
    const peerLink = await network.transport(testSigner(2)).dial(await transport.listen())
    const acks: Uint8Array[] = []
    peerLink.onFrame((f) => acks.push(f))
    events.length = 0
    for (let i = 0; i < 20; i++) peerLink.send(encode({ text: `n${i}` }))
    await arrived(() => expect(acks.length).toBe(20))
    expect(events).toEqual([...Array(20).fill('put'), 'sync', ...Array(20).fill('send')])
    expect(runtime.commitSyncs).toBe(1)
    expect(inner.unsyncedWrites).toBe(0)
    await runtime.stop()
  })

  it('dials only wss://host:port of a global host, a bounded number at once, and backs off from a URL that failed', async () => {
    const network = new MemoryNetwork()
    const base = network.transport(testSigner(1))
    const dials: string[] = []
    let answer: (url: string) => Promise<Link> = () => new Promise<Link>(() => {}) // a dial that never completes
    const transport: Transport = {
      identity: base.identity,
      listen: () => base.listen(),
      dial: (url) => (dials.push(url), answer(url)),
      onLink: (h) => base.onLink(h),
      onMisbehaviour: (h) => base.onMisbehaviour(h),
      close: () => base.close(),
    }
    const logs: LogRecord[] = []
    const runtime = new NodeRuntime({ actor: new Recorder(), transport, storage: new MemoryStorage(), log: (r) => logs.push(r) })
    runtime.start()
    for (const url of ['ws+unix:///var/run/docker.sock:/containers/json', 'ws://127.0.0.1:7001/internal-admin', 'http://198.51.100.4/api/v1/delete', 'wss://127.0.0.1:7001', 'wss://169.254.169.254:443']) {
      runtime.ctx.send(url, { text: 'hi' })
    }
    // Frames behind one stalled dial are bounded too.
    for (let i = 0; i < 100; i++) runtime.ctx.send('wss://198.51.0.0:7000', { text: `${i}` })
    await settle()
    expect(logs.filter((l) => l.event === 'send-dropped' && l.reason === 'dial-queue-full').length).toBe(100 - DEFAULT_MAX_FRAMES_PER_DIAL)
    // 12,000 announcements of fresh URLs, as in issue 9: at most maxConcurrent dials are ever under way.
    for (let i = 0; i < 12_000; i++) runtime.ctx.send(`wss://198.51.${i >> 8}.${i & 255}:7000`, { text: 'hi' })
    await settle()
    expect(dials.length).toBe(DEFAULT_DIAL_LIMITS.maxConcurrent)
    expect(dials.every((u) => u.startsWith('wss://198.51.'))).toBe(true)
    expect(logs.filter((l) => l.event === 'dial-refused').length).toBe(5 + 50) // the 5 refused by policy, and 50 of the busy ones, are logged…
    await runtime.stop()
    expect(logs.at(-1)).toMatchObject({ event: 'suppressed', counts: { 'dial-refused:busy': 12_000 - DEFAULT_DIAL_LIMITS.maxConcurrent - 50 } }) // …and the rest counted

    // A URL whose dial failed is not dialled again before its backoff is over.
    dials.length = 0
    answer = () => Promise.reject(new Error('nothing there'))
    const again = new NodeRuntime({ actor: new Recorder(), transport, storage: new MemoryStorage(), log: () => {} })
    again.start()
    again.ctx.send('wss://198.51.100.7:7000', { text: 'one' })
    await settle()
    again.ctx.send('wss://198.51.100.7:7000', { text: 'two' })
    await settle()
    expect(dials).toEqual(['wss://198.51.100.7:7000'])
    await again.stop()
  })

  it('tells the network group of an identity by the link it came over, of a URL and of a datagram source', async () => {
    const links: ((link: Link) => void)[] = []
    const fake = (allowLoopback: boolean) => {
      const network = new MemoryNetwork()
      const base = network.transport(testSigner(1))
      const transport: Transport = { identity: base.identity, listen: () => base.listen(), dial: (u, e) => base.dial(u, e), onLink: (h) => void links.push(h), onMisbehaviour: (h) => base.onMisbehaviour(h), close: () => base.close() }
      const runtime = new NodeRuntime({ actor: new Recorder(), transport, storage: new MemoryStorage(), log: () => {}, allowLoopback })
      runtime.start()
      return runtime
    }
    const arrive = (seed: number, remoteAddress: string) => {
      const closers: ((reason: CloseReason) => void)[] = []
      const link: Link = { remoteIdentity: testSigner(seed).publicKey, remoteAddress, open: true, bufferedBytes: 0, send() {}, close() {}, onFrame() {}, onClose: (h) => void closers.push(h) }
      links.at(-1)!(link)
      return { id: toHex(link.remoteIdentity), close: () => closers.forEach((c) => c('remote')) }
    }
    const runtime = fake(false)
    const a = arrive(10, '203.0.113.5:40000')
    const b = arrive(11, '203.0.113.77:40001')
    const c = arrive(12, '198.51.100.1:40002')
    const d = arrive(13, '::ffff:203.0.113.9:40003')
    const e = arrive(14, '2001:db8:1:2::1:40004')
    const f = arrive(15, '127.0.0.1:40005')
    expect(runtime.groupOf(a.id)).toBe('203.0.113.0/24')
    expect(runtime.groupOf(b.id)).toBe('203.0.113.0/24')
    expect(runtime.groupOf(d.id)).toBe('203.0.113.0/24')
    expect(runtime.groupOf(c.id)).toBe('198.51.100.0/24')
    expect(runtime.groupOf(e.id)).toBe('2001:db8:1::/48')
    expect(runtime.groupOf(f.id)).toBe('127.0.0.0/24')
    a.close()
    expect(runtime.groupOf(a.id)).toBe('203.0.113.0/24') // remembered after the link is gone
    expect(runtime.groupOf('wss://203.0.113.8:7000')).toBe('203.0.113.0/24')
    expect(runtime.groupOf('udp://203.0.113.9:7400')).toBe('203.0.113.0/24')
    expect(runtime.groupOf(toHex(testSigner(99).publicKey))).toBe(UNKNOWN_GROUP) // never seen: the shared unknown group
    expect(runtime.groupOf(toHex(testSigner(98).publicKey))).toBe(UNKNOWN_GROUP) // one group for all of them
    await runtime.stop()
    // A node that listens on loopback (a local cluster) counts each loopback peer as a group of its own.
    const local = fake(true)
    const g = arrive(16, '127.0.0.1:40006')
    const h = arrive(17, '127.0.0.1:40007')
    expect(local.groupOf(g.id)).not.toBe(local.groupOf(h.id))
    await local.stop()
  })

  it('groups a dialled ws link by the IP it connected to, not by the host name dialled', async () => {
    const listener = await WsTransport.create(testSigner(2))
    const transport = await WsTransport.create(testSigner(1))
    const runtime = new NodeRuntime({ actor: new Recorder(), transport, storage: new MemoryStorage(), log: () => {}, dialProblem: () => undefined })
    runtime.start()
    const port = new URL(await listener.listen()).port
    const linked = new Promise<void>((resolve) => listener.onLink(() => resolve()))
    try {
      // Two DNS names for one IP must be one group; a name as the group would make each its own.
      runtime.ctx.send(`wss://localhost:${port}`, { text: 'hi' })
      await linked
      await settle()
      expect(runtime.groupOf(toHex(listener.identity))).toBe('127.0.0.0/24') // the listener is on 127.0.0.1
    } finally {
      await runtime.stop()
      await transport.close()
      await listener.close()
    }
  }, 30_000)
})
