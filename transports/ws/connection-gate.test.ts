import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionGate, type GateLimits } from './connection-gate.ts'

/** A stand-in for an accepted socket: what the gate reads of it, and a destroy that closes it. */
class FakeSocket extends EventEmitter {
  destroyed = false
  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super()
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true
      queueMicrotask(() => this.emit('close'))
    }
    return this
  }
}

describe('ConnectionGate', () => {
  const gates: ConnectionGate[] = []
  afterEach(() => gates.splice(0).forEach((gate) => gate.closeAll()))

  const gate = (limits: Partial<GateLimits>) => {
    const refusals: { ip: string; detail: string }[] = []
    const made = new ConnectionGate({ maxPendingPerAddress: 1_000, maxConnections: 1_000, handshakeTimeoutMs: 60_000, ...limits }, (ip, _reason, detail) => refusals.push({ ip, detail }))
    gates.push(made)
    let port = 1
    const connect = (ip: string) => {
      const socket = new FakeSocket(ip, port++)
      made.accepted(socket as unknown as Socket)
      return socket
    }
    return { gate: made, refusals, connect }
  }

  it('counts pending connections per IPv6 /64, and per IPv4 address (mapped or not)', () => {
    const { connect } = gate({ maxPendingPerAddress: 2 })
    // Three source addresses of one /64: one host's, so one cap. The third evicts the first.
    const v6 = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3'].map(connect)
    expect(v6.map((s) => s.destroyed)).toEqual([true, false, false])
    // Another /64 has a cap of its own.
    expect(connect('2001:db8:1:3::1').destroyed).toBe(false)
    // IPv4: each address its own; the mapped form is the same address.
    const v4 = ['203.0.113.7', '::ffff:203.0.113.7', '203.0.113.8', '::ffff:203.0.113.7'].map(connect)
    expect(v4.map((s) => s.destroyed)).toEqual([true, false, false, false])
  })

  it('at maxConnections, evicts the oldest pending connection of the address with the most, not the newcomer', async () => {
    const { gate: g, connect, refusals } = gate({ maxConnections: 5 })
    const a = ['198.51.100.1', '198.51.100.1', '198.51.100.1'].map(connect)
    const b = ['198.51.100.2', '198.51.100.2'].map(connect)
    expect(g.connections).toBe(5)
    const honest = connect('203.0.113.9')
    expect(honest.destroyed).toBe(false)
    expect(a.map((s) => s.destroyed)).toEqual([true, false, false])
    expect(b.some((s) => s.destroyed)).toBe(false)
    expect(g.connections).toBe(5)
    expect(refusals.map((r) => r.ip)).toEqual(['198.51.100.1'])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(g.connections).toBe(5) // the evicted socket's close does not free its slot twice
    // Now a and b each hold two: the next newcomer evicts from one of them.
    connect('203.0.113.10')
    expect([...a, ...b].filter((s) => s.destroyed)).toHaveLength(2)
    expect(g.pending).toBe(5)
  })

  it('at maxConnections with every connection authenticated, refuses the newcomer', async () => {
    const { gate: g, connect, refusals } = gate({ maxConnections: 3 })
    const peers = ['198.51.100.1', '198.51.100.2', '198.51.100.3'].map(connect)
    peers.forEach((s) => g.authenticated(`${s.remoteAddress}:${s.remotePort}`))
    expect(g.pending).toBe(0)
    const late = connect('203.0.113.9')
    expect(late.destroyed).toBe(true)
    expect(peers.some((s) => s.destroyed)).toBe(false)
    expect(refusals[0]!.detail).toMatch(/all with proved identities/)
    // A link that closes frees its slot.
    peers[0]!.destroy()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(connect('203.0.113.9').destroyed).toBe(false)
    expect(g.connections).toBe(3)
  })

  it('keeps the pending count and the connection count bounded under a flood from many addresses', () => {
    const { gate: g, connect } = gate({ maxConnections: 50, maxPendingPerAddress: 4 })
    for (let i = 0; i < 5_000; i++) connect(`2001:db8:${(i % 300).toString(16)}::${i.toString(16)}`)
    expect(g.connections).toBeLessThanOrEqual(50)
    expect(g.pending).toBeLessThanOrEqual(50)
  })
})
