import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hostOfSocketAddress, hostScope, networkGroup, parseHost } from './network-address.ts'

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
})
