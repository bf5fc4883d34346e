import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sealSeedFile, TEST_COST } from '../../runtime/sealed-seed-file.ts'
import { NODE_EXIT } from './node-failure.ts'
import { runVain, type VainRun } from './node-process.fixtures.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'

// Each case starts a real `vain node` process (about a second of start-up under tsx, more under load).
const TIMEOUT_MS = 60_000
const PASSPHRASE = 'p'
const holders: { close(): void }[] = []
afterEach(() => {
  for (const holder of holders.splice(0)) holder.close()
})

const vainNode = (dataDir: string, ...flags: string[]) => runVain(['node', '--data-dir', dataDir, '--kdf', 'interactive', ...flags], PASSPHRASE)

/** Exactly one line on stderr, starting `vain: `, and no stack trace; its text. */
function oneLine(run: VainRun): string {
  const lines = run.stderr.split('\n').filter((line) => line !== '')
  expect(lines, run.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^vain: /)
  return lines[0]!
}

async function tcpPortHeld(): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  holders.push(server)
  return (server.address() as AddressInfo).port
}

// A UDP socket on the port without SO_REUSEADDR, so `vain node`'s socket (which sets it) cannot share it.
async function udpPortHeld(): Promise<number> {
  const socket: UdpSocket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '0.0.0.0', resolve))
  holders.push(socket)
  return socket.address().port
}

describe('vain node start-up failures: one `vain: ` line and a documented exit status', () => {
  it('a TCP port in use (EADDRINUSE) exits NODE_EXIT.inUse, naming --listen, and releases the data dir', async () => {
    const port = await tcpPortHeld()
    const dir = tempDir('node-port')
    const run = await vainNode(dir, '--listen', `127.0.0.1:${port}`)
    expect(run.code).toBe(NODE_EXIT.inUse)
    expect(oneLine(run)).toBe(`vain: cannot listen on 127.0.0.1:${port} (--listen): the port is in use by another program (give another port, or 0 for any free one)`)
    expect(existsSync(join(dir, 'vain.lock'))).toBe(false)
  }, TIMEOUT_MS)

  it('an address this machine lacks (192.0.2.1, TEST-NET-1) exits NODE_EXIT.usage', async () => {
    const run = await vainNode(tempDir('node-addr'), '--listen', '192.0.2.1:0')
    expect(run.code).toBe(NODE_EXIT.usage)
    expect(oneLine(run)).toBe('vain: cannot listen on 192.0.2.1 (--listen): no network interface of this machine has the address 192.0.2.1')
  }, TIMEOUT_MS)

  it('a data dir that is a regular file exits NODE_EXIT.usage, and leaves the file as it was', async () => {
    const file = join(tempDir('node-file'), 'not-a-dir')
    writeFileSync(file, 'mine')
    const run = await vainNode(file, '--listen', '127.0.0.1:0')
    expect(run.code).toBe(NODE_EXIT.usage)
    expect(oneLine(run)).toBe(`vain: cannot use --data-dir ${file}: it is a file, not a directory`)
    const repair = await runVain(['node', '--data-dir', file, '--repair'], PASSPHRASE)
    expect(repair.code).toBe(NODE_EXIT.usage)
    expect(oneLine(repair)).toBe(`vain: cannot use --data-dir ${file}: it is a file, not a directory`)
  }, TIMEOUT_MS)

  it('a data dir on a pseudo file system exits NODE_EXIT.usage at once, before touching the disk (mkdir under /proc would spin)', async () => {
    const run = await vainNode('/proc/vain', '--listen', '127.0.0.1:0')
    expect(run.code).toBe(NODE_EXIT.usage)
    expect(run.stderr).toMatch(/^vain: cannot use --data-dir \/proc\/vain: it is under \/proc, a pseudo file system/)
    expect(existsSync('/proc/vain')).toBe(false)
  }, TIMEOUT_MS)

  it('--repair of a data dir that does not exist, or holds no store, exits NODE_EXIT.dataDir and creates nothing', async () => {
    const parent = tempDir('node-norepair')
    const missing = join(parent, 'mistyped')
    const run = await runVain(['node', '--data-dir', missing, '--repair'], PASSPHRASE)
    expect(run.code).toBe(NODE_EXIT.dataDir)
    expect(oneLine(run)).toBe(`vain: --data-dir ${missing} does not exist: there is no store to repair (check the path)`)
    expect(run.stdout).toBe('')
    expect(existsSync(missing)).toBe(false)
    const empty = await runVain(['node', '--data-dir', parent, '--repair'], PASSPHRASE)
    expect(empty.code).toBe(NODE_EXIT.dataDir)
    expect(oneLine(empty)).toBe(`vain: --data-dir ${parent} holds no store to repair (${join(parent, 'store')} is missing or empty)`)
    expect(existsSync(join(parent, 'store'))).toBe(false)
  }, TIMEOUT_MS)

  it('a UDP port in use for --lan-port exits NODE_EXIT.inUse, naming LAN discovery', async () => {
    const port = await udpPortHeld()
    const run = await vainNode(tempDir('node-udp'), '--listen', '127.0.0.1:0', '--lan-port', String(port))
    expect(run.code).toBe(NODE_EXIT.inUse)
    expect(oneLine(run)).toContain(`cannot open UDP 255.255.255.255:${port} for LAN discovery (--lan-port, --lan-address): the port is in use`)
  }, TIMEOUT_MS)

  it('an identity key file that is not one exits NODE_EXIT.dataDir; one that cannot be read, NODE_EXIT.usage', async () => {
    const garbled = tempDir('node-key')
    writeFileSync(join(garbled, 'identity.key'), 'not a key')
    const corrupt = await vainNode(garbled, '--listen', '127.0.0.1:0')
    expect(corrupt.code).toBe(NODE_EXIT.dataDir)
    expect(oneLine(corrupt)).toContain(`${join(garbled, 'identity.key')} is not a vAIn key file`)

    const directory = tempDir('node-key')
    mkdirSync(join(directory, 'identity.key'))
    const unreadable = await vainNode(directory, '--listen', '127.0.0.1:0')
    expect(unreadable.code).toBe(NODE_EXIT.usage)
    expect(oneLine(unreadable)).toContain(`cannot read key file ${join(directory, 'identity.key')}`)
  }, TIMEOUT_MS)

  it('a wrong passphrase exits NODE_EXIT.usage, naming VAIN_PASSPHRASE', async () => {
    const dir = tempDir('node-pass')
    sealSeedFile(join(dir, 'identity.key'), 'another passphrase', new Uint8Array(32), TEST_COST)
    const run = await vainNode(dir, '--listen', '127.0.0.1:0')
    expect(run.code).toBe(NODE_EXIT.usage)
    expect(oneLine(run)).toMatch(/wrong passphrase.*VAIN_PASSPHRASE/)
  }, TIMEOUT_MS)
})
