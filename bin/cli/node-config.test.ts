import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.ts'
import { nodeConfig, repairRequest } from './node-config.ts'

const env = { VAIN_PASSPHRASE: 'p' }
const base = ['--listen', '127.0.0.1:0', '--data-dir', '/tmp/x']
const publisher = 'ab'.repeat(32)

describe('vain node configuration', () => {
  it('reads every flag', () => {
    const config = nodeConfig(
      [...base, '--bootstrap', 'wss://10.0.0.1:7000', '--lan-port', '7400', '--lan-address', '127.255.255.255', '--tier', '3',
        '--publish', 'greeting=hello = world', '--find', `${publisher}/greeting`,
        '--block', 'cd'.repeat(32), '--trust', `${publisher}=4`, '--status-every', '2s', '--json-logs'],
      env,
    )
    expect(config).toMatchObject({ host: '127.0.0.1', port: 0, bootstrap: ['wss://10.0.0.1:7000'], lanPort: 7400, lanAddress: '127.255.255.255', tier: 3, statusEveryMs: 2_000, jsonLogs: true })
    expect(config.publish.map((p) => [p.name, new TextDecoder().decode(p.value)])).toEqual([['greeting', 'hello = world']])
    expect(config.find.map((f) => [Buffer.from(f.publisher).toString('hex'), f.name])).toEqual([[publisher, 'greeting']])
    expect(config.blocked.map((b) => Buffer.from(b).toString('hex'))).toEqual(['cd'.repeat(32)])
    expect(config.trusted.map((t) => [Buffer.from(t.identity).toString('hex'), t.tier])).toEqual([[publisher, 4]])
    expect(nodeConfig(base, env)).toMatchObject({ lanPort: undefined, lanAddress: '255.255.255.255', tier: 0, publish: [], find: [], announce: undefined })
  })

  it.each([
    [['--lan-port', '0'], '--lan-port'],
    [['--lan-port', '70000'], '--lan-port'],
    [['--lan-address', '10.0.0'], '--lan-address'],
    [['--tier', '11'], '--tier'],
    [['--tier', '-1'], '--tier'],
    [['--publish', 'novalue'], '--publish'],
    [['--publish', `${'n'.repeat(65)}=v`], '--publish'],
    [['--publish', `n=${'v'.repeat(1025)}`], '--publish'],
    [['--find', 'abc/greeting'], '--find'],
    [['--find', publisher], '--find'],
    [['--find', `${publisher}/`], '--find'],
    [['--block', 'xyz'], '--block'],
    [['--trust', publisher], '--trust'],
    [['--trust', `${publisher}=11`], '--trust'],
    [['--announce', 'http://x:1'], '--announce'],
    [['--bootstrap', 'wss://x'], '--bootstrap'],
    [['--status-every', 'often'], 'duration'],
    [['--kdf', 'weak'], '--kdf'],
    [['--data-dir', ''], '--data-dir'],
    // What the runtime's dial policy would refuse at every dial, for ever: refused at start instead.
    [['--bootstrap', 'wss://127.0.0.1:99999'], '--bootstrap wss://127.0.0.1:99999: port 99999 is out of range'],
    [['--bootstrap', 'wss://10.0.0.1:0'], '--bootstrap wss://10.0.0.1:0: port 0 is out of range'],
    [['--bootstrap', 'wss://224.0.0.1:7000'], '--bootstrap wss://224.0.0.1:7000: 224.0.0.1 is a multicast address'],
    [['--announce', 'wss://0.0.0.0:7000'], '--announce wss://0.0.0.0:7000: 0.0.0.0 is a unspecified address'],
    [['--announce', 'wss://10.0.0.1:65536'], '--announce wss://10.0.0.1:65536: port 65536 is out of range'],
    [['--publish', 'a=1', '--publish', 'b=2', '--publish', 'a=2'], '--publish a is given twice'],
  ])('refuses %j with a ConfigError naming %s', (extra, flag) => {
    expect(() => nodeConfig([...base, ...extra], env)).toThrow(ConfigError)
    expect(() => nodeConfig([...base, ...extra], env)).toThrow(flag)
  })

  it('dials loopback peers only from a node that listens on loopback, as the runtime does', () => {
    expect(nodeConfig([...base, '--bootstrap', 'wss://127.0.0.1:7000'], env).bootstrap).toEqual(['wss://127.0.0.1:7000'])
    const everywhere = ['--listen', '0.0.0.0:7000', '--data-dir', '/tmp/x', '--announce', 'wss://node.example:7000']
    expect(() => nodeConfig([...everywhere, '--bootstrap', 'wss://127.0.0.1:7001'], env)).toThrow('--bootstrap wss://127.0.0.1:7001: 127.0.0.1 is a loopback address')
  })

  it.each([
    ['/proc/vain', 'cannot use --data-dir /proc/vain: it is under /proc, a pseudo file system of the kernel'],
    ['/sys/kernel', 'cannot use --data-dir /sys/kernel: it is under /sys'],
    ['/dev/shm/../vain', 'it is under /dev'],
    ['/proc', 'it is under /proc'],
  ])('refuses the data dir %s, on a pseudo file system, before touching the disk', (dir, message) => {
    expect(() => nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', dir], env)).toThrow(ConfigError)
    expect(() => nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', dir], env)).toThrow(message)
  })

  it('takes a data dir whose name merely starts like a pseudo file system', () => {
    expect(nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', '/tmp/proc/vain'], env).dir).toBe('/tmp/proc/vain')
    expect(nodeConfig(['--listen', '127.0.0.1:0', '--data-dir', '/devices/vain'], env).dir).toBe('/devices/vain')
  })

  it('needs an announced URL when it listens on every interface', () => {
    expect(() => nodeConfig(['--listen', '0.0.0.0:7000', '--data-dir', '/tmp/x'], env)).toThrow('--announce')
    expect(nodeConfig(['--listen', '0.0.0.0:7000', '--data-dir', '/tmp/x', '--announce', 'wss://node.example:7000'], env).announce).toBe('wss://node.example:7000')
  })
})

describe('vain node --repair', () => {
  it('takes the data dir alone, and needs no passphrase', () => {
    expect(repairRequest(['--data-dir', '/tmp/x', '--repair'])).toBe('/tmp/x')
    expect(repairRequest(['--repair', '--data-dir', '/tmp/x'])).toBe('/tmp/x')
    expect(repairRequest(base)).toBeUndefined()
  })

  it.each([
    [['--repair'], '--repair needs --data-dir'],
    [['--repair', '--data-dir', ''], '--repair needs --data-dir'],
    [['--repair', '--data-dir', '/tmp/x', '--listen', '127.0.0.1:0', '--json-logs'], '--repair takes only --data-dir DIR, got --listen --json-logs'],
    [['--repair', '--data-dir', '/tmp/x', 'extra'], "unexpected argument 'extra'"],
    [['--repair', '--data-dir', '/proc/vain'], 'cannot use --data-dir /proc/vain: it is under /proc'],
  ])('refuses %j with a ConfigError', (argv, message) => {
    expect(() => repairRequest(argv)).toThrow(ConfigError)
    expect(() => repairRequest(argv)).toThrow(message)
  })
})

