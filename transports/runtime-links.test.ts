import { Schema } from 'effect'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Actor, Address, Context, PeerSignal, TimerTag } from '../core/actor.ts'
import { toHex } from '../core/bytes.ts'
import { encode } from '../core/codec.ts'
import { NodeRuntime, type LogRecord } from '../core/runtime.ts'
import { MemoryStorage } from '../core/storage.ts'
import type { Link } from '../core/transport.ts'
import { MemoryNetwork } from './memory.ts'
import { UdpBroadcast } from './udp.ts'
import { testSigner } from './transport-compliance.ts'

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

async function setup() {
  const network = new MemoryNetwork()
  const actor = new Recorder()
  const logs: LogRecord[] = []
  const transport = network.transport(testSigner(1))
  const runtime = new NodeRuntime({ actor, transport, storage: new MemoryStorage(), log: (r) => logs.push(r) })
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
    await settle()
    expect(actor.got).toEqual([{ note: { text: 'hi' }, from: peerId }])
    expect(replies.length).toBe(1)
    await runtime.stop()
  })

  it('logs and drops any frame that does not decode, and survives an actor that throws', async () => {
    const { actor, link, logs, runtime } = await setup()
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        link.send(bytes)
      }),
      { numRuns: 200 },
    )
    link.send(encode({ text: 'x'.repeat(51) }))
    link.send(encode({ text: 'boom' }))
    link.send(encode({ text: 'still here' }))
    await settle()
    expect(actor.got.at(-1)?.note.text).toBe('still here')
    expect(logs.filter((l) => l.event === 'rejected').length).toBeGreaterThan(150)
    expect(logs.some((l) => l.event === 'actor-error')).toBe(true)
    expect(actor.signals.length).toBe(logs.filter((l) => l.event === 'rejected').length) // each one reaches reputation
    expect(actor.signals[0]?.peer).toBe(actor.got[0]?.from)
    await runtime.stop()
  })

  it('dials an identity again at the URL it reached it at, once its link has closed, and nowhere else', async () => {
    const network = new MemoryNetwork()
    const runtime = new NodeRuntime({ actor: new Recorder(), transport: network.transport(testSigner(1)), storage: new MemoryStorage(), log: () => {} })
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
    await settle()
    expect(received.length).toBe(2)
    expect(links.length).toBe(2)
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
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(b.actor.got.map((g) => g.note.text)).toEqual(['anyone here?'])
    expect(b.actor.got[0]!.from).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/)
    expect(b.logs.some((l) => l.event === 'rejected' && String(l.from).startsWith('udp://'))).toBe(true)
    // The echo to a datagram's source goes nowhere: it is not an address a node can dial.
    expect(b.logs.some((l) => l.event === 'drop' && l.reason === 'no-link')).toBe(true)
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
})
