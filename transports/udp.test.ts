import { createSocket, type Socket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import type { Misbehaviour } from '../core/transport.ts'
import { ALL_SOURCES, UdpBroadcast } from './udp.ts'

const LOOPBACK_BROADCAST = '127.255.255.255'
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let port = 47_000 + Math.floor(Math.random() * 5_000) // a test's own port; the product never picks one at random

describe('UDP broadcast on loopback', () => {
  const sockets: UdpBroadcast[] = []
  const raw: Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) await s.close()
    for (const s of raw.splice(0)) s.close()
    port++
  })
  /** A plain UDP socket on a source address of the test's choosing (all of 127/8 is loopback). */
  const sender = (host: string) =>
    new Promise<Socket>((resolve) => {
      const s = createSocket('udp4')
      raw.push(s)
      s.bind(0, host, () => {
        s.setBroadcast(true)
        resolve(s)
      })
    })
  const sendFrom = (s: Socket, count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => new Promise<void>((resolve) => s.send(new Uint8Array([i]), port, LOOPBACK_BROADCAST, () => resolve()))))
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

  it('limits a source IP whatever ports it sends from, and reports it once per interval', async () => {
    const receiver = await open({ datagramsPerSecond: 1, burst: 20 })
    const reports: Misbehaviour[] = []
    let got = 0
    receiver.onMisbehaviour((m) => reports.push(m))
    receiver.onDatagram(() => got++)
    // 64 source ports of one IP, 10 datagrams each: a limit per host:port would let all 640 through.
    const ports = await Promise.all(Array.from({ length: 64 }, () => sender('127.0.0.1')))
    for (const s of ports) await sendFrom(s, 10)
    await wait(150)
    expect(got).toBeGreaterThanOrEqual(20)
    expect(got).toBeLessThanOrEqual(25) // the burst, and what the rate refills while the flood lasts
    expect(receiver.trackedSources).toBe(1)
    expect(reports).toHaveLength(1) // ~620 drops, one report
    expect(reports[0]).toMatchObject({ reason: 'rate-limited', remoteAddress: '127.0.0.1' })
  })

  it('bounds the sources it tracks, and caps what all sources together get through', async () => {
    const receiver = await open({ datagramsPerSecond: 1, burst: 5, maxSources: 8, totalDatagramsPerSecond: 1, totalBurst: 30 })
    const reports: Misbehaviour[] = []
    let got = 0
    receiver.onMisbehaviour((m) => reports.push(m))
    receiver.onDatagram(() => got++)
    // 60 source IPs, 3 datagrams each, all within their own rate: only the total budget stops them.
    const hosts = await Promise.all(Array.from({ length: 60 }, (_, i) => sender(`127.0.${1 + (i >> 6)}.${2 + (i & 63)}`)))
    for (const s of hosts) await sendFrom(s, 3)
    await wait(150)
    expect(receiver.trackedSources).toBeLessThanOrEqual(8)
    expect(got).toBeGreaterThanOrEqual(30)
    expect(got).toBeLessThanOrEqual(35)
    expect(reports.filter((r) => r.remoteAddress === ALL_SOURCES)).toHaveLength(1)
    expect(reports.every((r) => r.reason === 'rate-limited')).toBe(true)
  })
})
