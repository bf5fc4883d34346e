import { describe, expect, it } from 'vitest'
import { MemoryNetwork } from './memory.ts'
import { testSigner } from './test-signer.ts'

describe('the per-address link cap', () => {
  /** A listener allowing one link per address, and a dial from a transport on `host`. */
  const setup = async () => {
    const network = new MemoryNetwork()
    const listener = network.transport(testSigner(1), { maxLinksPerAddress: 1 })
    const url = await listener.listen()
    let seed = 10
    const dialFrom = (host: string) =>
      network
        .transport(testSigner(seed++), {}, host)
        .dial(url)
        .then(
          () => 'linked',
          (error: { reason: string }) => error.reason,
        )
    return dialFrom
  }

  it('counts IPv6 peers per /64: a host cannot take a cap per address of its block', async () => {
    const dialFrom = await setup()
    expect(await dialFrom('2001:db8:1:2::1')).toBe('linked')
    expect(await dialFrom('2001:db8:1:2::2')).toBe('refused')
    expect(await dialFrom('2001:db8:1:2:8000:1:2:3')).toBe('refused')
    expect(await dialFrom('2001:db8:1:3::1')).toBe('linked') // another /64
  })

  it('counts IPv4 peers per address, an IPv4-mapped IPv6 address as its IPv4 one', async () => {
    const dialFrom = await setup()
    expect(await dialFrom('203.0.113.7')).toBe('linked')
    expect(await dialFrom('::ffff:203.0.113.7')).toBe('refused')
    expect(await dialFrom('203.0.113.8')).toBe('linked')
  })
})
