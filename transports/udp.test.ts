import { afterEach, describe, expect, it } from 'vitest'
import type { Misbehaviour } from '../core/transport.ts'
import { UdpBroadcast } from './udp.ts'

const LOOPBACK_BROADCAST = '127.255.255.255'
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let port = 47_000 + Math.floor(Math.random() * 5_000) // a test's own port; the product never picks one at random

describe('UDP broadcast on loopback', () => {
  const sockets: UdpBroadcast[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) await s.close()
    port++
  })
  const open = async (options: Partial<Parameters<typeof UdpBroadcast.open>[0]> = {}) => {
    const s = await UdpBroadcast.open({ port, broadcastAddress: LOOPBACK_BROADCAST, ...options })
    sockets.push(s)
    return s
  }

  it('every socket on the port receives each datagram, whole', async () => {
    const nodes = await Promise.all([open(), open(), open()])
    const received = nodes.map(() => [] as string[])
    nodes.forEach((n, i) => n.onDatagram((d) => received[i]!.push(Buffer.from(d).toString())))
    await nodes[0]!.send(Buffer.from('announce-a'))
    await nodes[2]!.send(Buffer.from('announce-c'))
    await wait(100)
    for (const got of received) expect(got.sort()).toEqual(['announce-a', 'announce-c'])
  })

  it('refuses to send an oversized datagram, and drops and reports one that arrives', async () => {
    const small = await open({ maxDatagramBytes: 100 })
    const big = await open({ maxDatagramBytes: 1000 })
    const reports: Misbehaviour[] = []
    const got: number[] = []
    small.onMisbehaviour((m) => reports.push(m))
    small.onDatagram((d) => got.push(d.length))
    await expect(small.send(new Uint8Array(101))).rejects.toMatchObject({ reason: 'frame-too-large' })
    await big.send(new Uint8Array(500))
    await wait(100)
    expect(got).toEqual([])
    expect(reports.map((r) => r.reason)).toEqual(['frame-too-large'])
  })

  it('rate-limits a flooding source', async () => {
    const receiver = await open({ datagramsPerSecond: 1, burst: 5 })
    const flooder = await open()
    const reports: Misbehaviour[] = []
    let got = 0
    receiver.onMisbehaviour((m) => reports.push(m))
    receiver.onDatagram(() => got++)
    for (let i = 0; i < 50; i++) await flooder.send(new Uint8Array([i]))
    await wait(150)
    expect(got).toBeLessThanOrEqual(7) // the burst of 5, plus what the rate refills while the flood lasts
    expect(reports.some((r) => r.reason === 'rate-limited')).toBe(true)
  })
})
