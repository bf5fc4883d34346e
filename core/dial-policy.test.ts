import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DialGate, dialProblem, type DialLimits } from './dial-policy.ts'

const strict = { allowLoopback: false }

describe('dialProblem', () => {
  it('refuses what the attacks of issue 9 made a node dial, and every other non-peer URL', () => {
    const refused = [
      'ws+unix:///var/run/docker.sock:/containers/json',
      'ws://127.0.0.1:7001/internal-admin',
      'http://198.51.100.4/api/v1/delete',
      'ws://198.51.100.4:7001',
      'wss://198.51.100.4:7001/path',
      'wss://198.51.100.4:7001/',
      'wss://198.51.100.4:7001?x=1',
      'wss://198.51.100.4:7001#f',
      'wss://user:pw@198.51.100.4:7001',
      'wss://198.51.100.4',
      'wss://198.51.100.4:0',
      'wss://198.51.100.4:70000',
      'wss://127.0.0.1:7001',
      'wss://2130706433:7001', // 127.0.0.1, as the URL parser reads it
      'wss://0x7f.1:7001',
      'wss://[::1]:7001',
      'wss://[::ffff:127.0.0.1]:7001',
      'wss://localhost:7001',
      'wss://localhost.:7001', // the DNS root's trailing dot
      'wss://a.localhost..:7001',
      'wss://0.0.0.0:7001',
      'wss://[::]:7001',
      'wss://169.254.169.254:443',
      'wss://[fe80::1]:7001',
      'wss://224.0.0.1:7001',
      'wss://255.255.255.255:7001',
      'wss://[ff02::1]:7001',
      ' wss://198.51.100.4:7001',
    ]
    for (const url of refused) expect(dialProblem(url, strict), url).toBeTypeOf('string')
  })

  it('accepts wss://host:port at a public or private address or a DNS name', () => {
    for (const url of ['wss://198.51.100.4:7001', 'wss://10.0.0.2:7001', 'wss://192.168.1.20:443', 'wss://[2001:db8::1]:7001', 'wss://node.example.org:443']) {
      expect(dialProblem(url, strict), url).toBeUndefined()
    }
  })

  it('accepts loopback only when allowed, and nothing else more', () => {
    expect(dialProblem('wss://127.0.0.1:7001', { allowLoopback: true })).toBeUndefined()
    expect(dialProblem('wss://[::1]:7001', { allowLoopback: true })).toBeUndefined()
    expect(dialProblem('ws://127.0.0.1:7001/internal-admin', { allowLoopback: true })).toBeTypeOf('string')
    expect(dialProblem('wss://169.254.169.254:443', { allowLoopback: true })).toBeTypeOf('string')
  })

  it('never accepts a URL with more than wss://, a host and a port', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string(), fc.webUrl().map((u) => u.replace(/^https?/, 'wss'))), (url) => {
        if (dialProblem(url, { allowLoopback: true }) === undefined) expect(url).toMatch(/^wss:\/\/[^/?#@\s]+:\d+$/)
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('DialGate', () => {
  const limits: DialLimits = { maxConcurrent: 3, backoffMinMs: 1_000, backoffMaxMs: 8_000, rememberedFailures: 100 }

  it('lets at most maxConcurrent dials run at once', () => {
    const gate = new DialGate(limits, () => 0)
    const urls = Array.from({ length: 10 }, (_, i) => `wss://198.51.100.${i}:1`)
    expect(urls.map((u) => gate.begin(u))).toEqual([undefined, undefined, undefined, ...Array(7).fill('busy')])
    gate.end(urls[0]!, true)
    expect(gate.begin(urls[3]!)).toBeUndefined()
    expect(gate.dialling).toBe(3)
  })

  it('backs off from a failing URL, doubling up to the maximum, and forgets it once it answers', () => {
    let now = 0
    const gate = new DialGate(limits, () => now)
    const url = 'wss://198.51.100.1:1'
    expect(gate.begin(url)).toBeUndefined()
    const waits: number[] = []
    for (let i = 0; i < 6; i++) {
      gate.end(url, false)
      const from = now
      while (gate.begin(url) === 'backing-off') now += 100
      waits.push(now - from)
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
    gate.end(url, true)
    expect(gate.begin(url)).toBeUndefined()
  })

  it('remembers a bounded number of failed URLs', () => {
    const gate = new DialGate(limits, () => 0)
    for (let i = 0; i < 10_000; i++) {
      const url = `wss://198.51.${i >> 8}.${i & 255}:1`
      if (gate.begin(url) === undefined) gate.end(url, false)
    }
    // The oldest failures were forgotten: the first URL may be dialled again at once.
    expect(gate.begin('wss://198.51.0.0:1')).toBeUndefined()
    expect(gate.begin('wss://198.51.39.15:1')).toBe('backing-off')
  })
})
