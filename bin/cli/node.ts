import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { EncryptedFileKeyStore, KeyFileError, type PassphraseCost } from '../../actors/identity/encrypted-file-key-store.ts'
import { NodeIdentity } from '../../actors/identity/identity.ts'
import { ROOT_KEY, type KeyStore } from '../../actors/identity/key-store.ts'
import { VainNode } from '../../actors/node/vain-node.ts'
import { idHex, nodeIdOf } from '../../actors/peer/node-id.ts'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { FileStorage } from '../../core/file-storage.ts'
import { hostScope, parseHost } from '../../core/network-address.ts'
import { OsRandom } from '../../core/os-random.ts'
import { NodeRuntime, type LogRecord } from '../../core/runtime.ts'
import { UdpBroadcast } from '../../transports/udp.ts'
import { WsTransport } from '../../transports/ws/ws-transport.ts'
import { nodeConfig } from './node-config.ts'

/**
 * `vain node`: one real node. Identity sealed in DIR/identity.key (passphrase from VAIN_PASSPHRASE),
 * state in DIR/store (FileStorage), a TLS 1.3 WebSocket listener, optionally UDP broadcast discovery
 * on the LAN, and the node actor: announcements, the Kademlia DHT, PEX, the records it was asked to
 * publish and find. Structured logs; SIGINT or SIGTERM stop it gracefully (links closed, storage
 * synced). Resolves with the exit status.
 */
export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const config = nodeConfig(argv)
  const log = logger(config.jsonLogs)
  mkdirSync(config.dir, { recursive: true })
  const keys = openKeys(join(config.dir, 'identity.key'), config.passphrase, config.cost)
  const storage = FileStorage.open(join(config.dir, 'store'))
  const transport = await WsTransport.create({ publicKey: keys.publicKey(ROOT_KEY), sign: (m) => keys.sign(ROOT_KEY, m) }, { host: config.host, port: config.port })
  const listen = await transport.listen()
  const lan = config.lanPort === undefined ? undefined : await openLan(config.lanPort, config.lanAddress, transport)
  const announced = config.announce ?? listen
  // A node listening on loopback is a local cluster (examples/local-cluster): its peers are on this
  // machine, so it may dial loopback URLs, and each loopback peer counts as a network of its own.
  const allowLoopback = hostScope(parseHost(config.host)) === 'loopback'
  // The runtime tells the actor a peer's network group; it is built after the actor it drives.
  let groups: NodeRuntime | undefined
  const actor = new VainNode({
    identity: new NodeIdentity(keys),
    listen: announced,
    bootstrap: config.bootstrap,
    tier: config.tier,
    blocked: config.blocked,
    trusted: config.trusted,
    publish: config.publish,
    find: config.find,
    statusEveryMs: config.statusEveryMs,
    groupOf: (address) => groups?.groupOf(address) ?? address,
  })
  const runtime = new NodeRuntime({ actor, transport, storage, log, allowLoopback, ...(lan && { lan }) })
  groups = runtime
  log({ event: 'listening', url: listen, announced, identity: toHex(transport.identity), nodeId: idHex(nodeIdOf(transport.identity)), lan: config.lanPort ?? null })
  runtime.start()

  return new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      log({ event: 'stopping', signal })
      await runtime.stop()
      storage.close()
      log({ event: 'stopped' })
      resolve(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
}

async function openLan(port: number, broadcastAddress: string, transport: WsTransport): Promise<UdpBroadcast> {
  try {
    return await UdpBroadcast.open({ port, broadcastAddress })
  } catch (error) {
    await transport.close()
    throw new ConfigError(`cannot open UDP ${broadcastAddress}:${port} for LAN discovery: ${(error as Error).message}`)
  }
}

function openKeys(path: string, passphrase: string, cost: PassphraseCost): KeyStore {
  try {
    return existsSync(path) ? EncryptedFileKeyStore.open(path, passphrase) : EncryptedFileKeyStore.create(path, passphrase, new OsRandom().bytes(32), cost)
  } catch (error) {
    if (error instanceof KeyFileError) throw new ConfigError(error.message)
    throw error
  }
}

/** JSON lines, or `time event key=value …` for people. */
function logger(json: boolean): (record: LogRecord) => void {
  return (record) => {
    const time = new Date().toISOString() // real-runtime: log timestamps
    if (json) return void process.stdout.write(`${JSON.stringify({ time, ...record })}\n`)
    const { event, ...fields } = record
    const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    process.stdout.write(`${time} ${event} ${rest.join(' ')}\n`)
  }
}
