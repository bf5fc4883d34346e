import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { idHex, nodeIdOf } from '../../actors/peer/node-id.ts'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { nodeConfig } from './node-config.ts'
import { logWriter, NODE_ID_PREFIX, withPeerIdentities } from './node-log.ts'

const key = fc.uint8Array({ minLength: 32, maxLength: 32 })
const findOf = (peer: string) => nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', '/tmp/x', '--find', `${peer}/greeting`], { VAIN_PASSPHRASE: 'p' }).find[0]!

describe('the peers log line', () => {
  it('names each contact by its identity, which --find takes back as the publisher it is', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 8, selector: toHex }), (keys) => {
        const contacts = keys.map((k) => ({ id: nodeIdOf(k), address: toHex(k) }))
        const record = { event: 'trace', component: 'status', type: 'peers', count: keys.length, peers: contacts.map((c) => idHex(c.id)).sort() }
        const logged = withPeerIdentities(record, () => contacts)
        expect(logged).toMatchObject({ event: 'trace', type: 'peers', count: keys.length })
        const publishers = (logged.peers as string[]).map((peer) => toHex(findOf(peer).publisher))
        expect(publishers.sort()).toEqual(keys.map(toHex).sort())
      }),
    )
  })

  it('names a contact known by no identity by its node id, in a form --find refuses rather than searching for ever', () => {
    const k = new Uint8Array(32).fill(7)
    const id = idHex(nodeIdOf(k))
    const logged = withPeerIdentities({ event: 'trace', type: 'peers', count: 1, peers: [id] }, () => [{ id: nodeIdOf(k), address: 'wss://10.0.0.1:7000' }])
    expect(logged.peers).toEqual([`${NODE_ID_PREFIX}${id}`])
    expect(() => findOf(`${NODE_ID_PREFIX}${id}`)).toThrow(ConfigError)
  })

  it('leaves every other record as it is', () => {
    const record = { event: 'trace', type: 'record-found', peers: ['x'] }
    expect(withPeerIdentities(record, () => [])).toBe(record)
    expect(withPeerIdentities({ event: 'listening', url: 'wss://127.0.0.1:1' }, () => [])).toEqual({ event: 'listening', url: 'wss://127.0.0.1:1' })
  })

  it('is written as `time event key=value …`, or as one JSON object per line', () => {
    const lines: string[] = []
    logWriter(false, (line) => void lines.push(line))({ event: 'listening', lan: 'off', port: 7 })
    logWriter(true, (line) => void lines.push(line))({ event: 'listening', lan: 'off' })
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z listening lan=off port=7\n$/)
    expect(JSON.parse(lines[1]!)).toMatchObject({ event: 'listening', lan: 'off', time: expect.any(String) })
  })

  it('writes an event without fields with no trailing space, and leaves out a field left undefined', () => {
    const lines: string[] = []
    const write = logWriter(false, (line) => void lines.push(line))
    write({ event: 'stopped' })
    write({ event: 'misbehaviour', reason: 'flood', peer: undefined, address: '10.0.0.1:5' })
    expect(lines[0]).toMatch(/^\S+ stopped\n$/)
    expect(lines[1]).toMatch(/^\S+ misbehaviour reason=flood address=10\.0\.0\.1:5\n$/)
  })
})
