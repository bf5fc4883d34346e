import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { capKey, hostOfSocketAddress, hostScope, networkGroup, parseHost } from './network-address.ts'

const group = (text: string) => networkGroup(parseHost(text))
const scope = (text: string) => hostScope(parseHost(text))

describe('network addresses', () => {
  it('groups IPv4 hosts by /24 and IPv6 hosts by /48, an IPv4-mapped address as its IPv4 host', () => {
    expect(group('203.0.113.7')).toBe('203.0.113.0/24')
    expect(group('203.0.113.250')).toBe(group('203.0.113.7'))
    expect(group('203.0.114.7')).not.toBe(group('203.0.113.7'))
    expect(group('::ffff:203.0.113.9')).toBe('203.0.113.0/24')
    expect(group('[::ffff:cb00:7109]')).toBe('203.0.113.0/24')
    expect(group('2001:db8:1:2::5')).toBe('2001:db8:1::/48')
    expect(group('[2001:0db8:0001:ffff::1]')).toBe('2001:db8:1::/48')
    expect(group('2001:db8:2::5')).not.toBe(group('2001:db8:1::5'))
    expect(group('Node.Example.org')).toBe('name:node.example.org')
  })

  it('tells the scope of a host', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'a.localhost'].map(scope)).toEqual(Array(7).fill('loopback'))
    expect(['0.0.0.0', '0.1.2.3', '::'].map(scope)).toEqual(Array(3).fill('unspecified'))
    expect(['169.254.169.254', 'fe80::1', 'febf::1', 'fe80::1%eth0'].map(scope)).toEqual(Array(4).fill('link-local'))
    expect(['224.0.0.1', '239.255.255.250', '255.255.255.255', 'ff02::1'].map(scope)).toEqual(Array(4).fill('multicast'))
    expect(['8.8.8.8', '10.0.0.1', '192.168.1.4', '2001:db8::1', 'example.org'].map(scope)).toEqual(Array(5).fill('global'))
  })

  it('takes the host out of a socket address, IPv6 bracketed or not', () => {
    expect(hostOfSocketAddress('198.51.100.4:7001')).toBe('198.51.100.4')
    expect(hostOfSocketAddress('::ffff:127.0.0.1:54321')).toBe('::ffff:127.0.0.1')
    expect(hostOfSocketAddress('[2001:db8::1]:443')).toBe('[2001:db8::1]')
  })

  it('parses every IPv4 literal to its own octets, and never throws on any text', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const host = parseHost(ip)
        expect(host.kind).toBe('ipv4')
        expect(networkGroup(host)).toBe(`${ip.split('.').slice(0, 3).map(Number).join('.')}.0/24`)
      }),
    )
    fc.assert(fc.property(fc.string(), (text) => void hostScope(parseHost(text))))
    fc.assert(fc.property(fc.ipV6(), (ip) => parseHost(ip).kind === 'ipv6' || parseHost(ip).kind === 'ipv4'))
  })

  it('counts an IPv6 peer per /64 for the caps, IPv4 (mapped or not) per address', () => {
    expect(capKey('203.0.113.7')).toBe('203.0.113.7')
    expect(capKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(capKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64')
    expect(capKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(capKey('2001:db8:1:2::1'))
    expect(capKey('2001:db8:1:3::1')).not.toBe(capKey('2001:db8:1:2::1'))
    expect(capKey('Mem-1')).toBe('mem-1')
    const hextet = fc.integer({ min: 0, max: 0xffff })
    const v6 = (h: number[]) => h.map((x) => x.toString(16)).join(':')
    fc.assert(
      fc.property(fc.array(hextet, { minLength: 8, maxLength: 8 }), fc.array(hextet, { minLength: 4, maxLength: 4 }), (a, tail) => {
        fc.pre(!(a.slice(0, 5).every((x) => x === 0) && a[5] === 0xffff)) // not an IPv4-mapped address
        const b = [...a.slice(0, 4), ...tail]
        expect(capKey(v6(b))).toBe(capKey(v6(a))) // one /64: one key, whatever the host picks below it
        const c = [...a.slice(0, 3), a[3]! ^ 1, ...a.slice(4)]
        expect(capKey(v6(c))).not.toBe(capKey(v6(a)))
      }),
    )
  })
})
