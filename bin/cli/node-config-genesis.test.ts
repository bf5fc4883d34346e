import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fromHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { nodeConfig } from './node-config.ts'

const env = { VAIN_PASSPHRASE: 'p' }
const identity = 'ab'.repeat(32)

describe('vain node --genesis and --block-interval', () => {
  let dir: string
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'vain-genesis-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const withGenesis = (genesis: unknown, listen = '127.0.0.1:0') => {
    const file = join(dir, 'genesis.json')
    writeFileSync(file, typeof genesis === 'string' ? genesis : JSON.stringify(genesis))
    return nodeConfig(['--listen', listen, '--data-dir', join(dir, 'data'), '--genesis', file], env)
  }

  it('reads the genesis file, and the block interval (1 s by default)', () => {
    const config = withGenesis({ validators: [{ name: 'a', identity, weight: 2, url: 'wss://127.0.0.1:7001' }] })
    expect(config.genesis?.validators).toEqual([{ name: 'a', identity: fromHex(identity), weight: 2, url: 'wss://127.0.0.1:7001' }])
    expect(config.blockIntervalMs).toBe(1_000)
    expect(nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', dir, '--block-interval', '250ms'], env)).toMatchObject({ genesis: undefined, blockIntervalMs: 250 })
  })

  it.each([
    ['{"validators": [', /--genesis .*genesis\.json is not JSON/],
    [{ validators: [{ identity, weight: 'one' }] }, /--genesis .*genesis\.json: validators\[0\]\.weight: /],
    [{ validators: [{ identity, weight: 1, url: 'http://127.0.0.1:1' }] }, /--genesis .*genesis\.json: validators\[0\]\.url takes wss:\/\/host:port/],
    [{ validators: [{ identity, weight: 1, url: 'wss://127.0.0.1:70000' }] }, /validators\[0\]\.url wss:\/\/127\.0\.0\.1:70000: port 70000 is out of range/],
  ])('refuses %j with a ConfigError naming the file and the field', (genesis, message) => {
    expect(() => withGenesis(genesis)).toThrow(ConfigError)
    expect(() => withGenesis(genesis)).toThrow(message)
  })

  it('judges the validators\' URLs by the dial policy: loopback only for a node on loopback', () => {
    const genesis = { validators: [{ identity, weight: 1, url: 'wss://127.0.0.1:7001' }] }
    expect(() => nodeConfig(['--listen', '0.0.0.0:7000', '--announce', 'wss://node.example:7000', '--data-dir', dir, '--genesis', join(dir, 'g.json')], env)).toThrow(/cannot read --genesis/)
    writeFileSync(join(dir, 'g.json'), JSON.stringify(genesis))
    expect(() => nodeConfig(['--listen', '0.0.0.0:7000', '--announce', 'wss://node.example:7000', '--data-dir', dir, '--genesis', join(dir, 'g.json')], env)).toThrow('127.0.0.1 is a loopback address')
  })

  it('refuses a data dir too deep for its control socket, before anything starts', () => {
    expect(() => nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'd'.repeat(120))], env)).toThrow(/control socket .* over the 107/)
  })

  it('refuses a bad --block-interval', () => {
    expect(() => nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', dir, '--block-interval', 'soon'], env)).toThrow('--block-interval')
  })
})
