import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { KeyFileError, openSeedFile, sealSeedFile, type PassphraseCost } from '../../runtime/sealed-seed-file.ts'
import { MemoryKeyStore, ROOT_KEY, type KeyStore } from '../../actors/identity/key-store.ts'
import { VainNode } from '../../actors/node/vain-node.ts'
import { idHex, nodeIdOf } from '../../actors/peer/node-id.ts'
import type { RoutingTable } from '../../actors/peer/routing-table.ts'
import { toHex } from '../../core/bytes.ts'
import { DataDirLock } from '../../runtime/data-dir-lock.ts'
import { ConfigError } from '../../core/errors.ts'
import { FileStorage, type StoreRepair } from '../../runtime/file-storage.ts'
import { hostProblem } from '../../core/dial-policy.ts'
import { hostScope, parseHost } from '../../core/network-address.ts'
import { OsRandom } from '../../runtime/os-random.ts'
import { NodeRuntime, type LogRecord } from '../../runtime/node-runtime.ts'
import { StorageError } from '../../runtime/storage-error.ts'
import type { FileRepair } from '../../runtime/store-repair.ts'
import { UdpBroadcast } from '../../transports/udp.ts'
import { WsTransport } from '../../transports/ws/ws-transport.ts'
import { nodeConfig, repairRequest, type NodeConfig } from './node-config.ts'

/**
 * `vain node`: one real node. The data dir is locked first (DIR/vain.lock, so no second process runs
 * beside it); identity sealed in DIR/identity.key (passphrase from VAIN_PASSPHRASE), state in DIR/store
 * (FileStorage, see docs/storage.md), a TLS 1.3 WebSocket listener, optionally UDP broadcast discovery
 * on the LAN, and the node actor: announcements, the Kademlia DHT, PEX, the records it was asked to
 * publish and find. Structured logs; SIGINT or SIGTERM stop it gracefully (links closed, storage
 * synced, the lock released). With --repair it salvages a damaged store instead, and exits. A data dir
 * that is locked or damaged is one `vain: …` line and exit status 1. Resolves with the exit status.
 */
export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const repairDir = repairRequest(argv)
  if (repairDir !== undefined) return repairCommand(repairDir)
  const config = nodeConfig(argv)
  let dataDir: DataDir
  try {
    dataDir = openDataDir(config.dir)
  } catch (error) {
    return refused(error, config.dir)
  }
  try {
    return await runNode(config, dataDir)
  } catch (error) {
    dataDir.close()
    throw error
  }
}

async function runNode(config: NodeConfig, dataDir: DataDir): Promise<number> {
  const log = logger(config.jsonLogs)
  const storage = dataDir.storage
  if (storage.tornBytesCut > 0) log({ event: 'store-torn-tail-cut', bytes: storage.tornBytesCut })
  const keys = openKeys(join(config.dir, 'identity.key'), config.passphrase, config.cost)
  // A node listening on loopback is a local cluster (examples/local-cluster): its peers are on this
  // machine, so it may dial loopback URLs, and each loopback peer counts as a network of its own.
  const allowLoopback = hostScope(parseHost(config.host)) === 'loopback'
  // A peer URL's host is judged before the dial (the runtime's dial policy); a DNS name is judged again
  // by what it resolves to, at connect time.
  const resolvedAddressProblem = (ip: string) => hostProblem(ip, { allowLoopback })
  // Where one IP holds its cap of links, a routing-table contact takes the place of a stranger's link
  // (strangers sharing an IP with known peers cannot push them out). The actor is built below, and its
  // table exists once it has started. A --block identity is refused at the handshake already.
  let node: VainNode | undefined
  const blocked = new Set(config.blocked.map(toHex))
  const limits = {
    priorityOf: (identity: Uint8Array) => ((node?.peer.table as RoutingTable | undefined)?.has(nodeIdOf(identity)) === true ? 1 : 0),
    isBlocked: (identity: Uint8Array) => blocked.has(toHex(identity)),
  }
  const transport = await WsTransport.create({ publicKey: keys.publicKey(ROOT_KEY), sign: (m) => keys.sign(ROOT_KEY, m) }, { host: config.host, port: config.port, resolvedAddressProblem, limits })
  const listen = await transport.listen()
  const lan = config.lanPort === undefined ? undefined : await openLan(config.lanPort, config.lanAddress, transport)
  const announced = config.announce ?? listen
  // The runtime tells the actor a peer's network group and which announced URLs it would dial; it is
  // built after the actor it drives.
  let runtimeOf: NodeRuntime | undefined
  const actor = (node = new VainNode({
    identity: { keys },
    listen: announced,
    bootstrap: config.bootstrap,
    tier: config.tier,
    blocked: config.blocked,
    trusted: config.trusted,
    publish: config.publish,
    find: config.find,
    statusEveryMs: config.statusEveryMs,
    groupOf: (address) => runtimeOf?.groupOf(address) ?? address,
    acceptAddress: (address) => runtimeOf?.mayDial(address) ?? false,
  }))
  const runtime = new NodeRuntime({ actor, transport, storage, log, allowLoopback, ...(lan && { lan }) })
  runtimeOf = runtime
  log({ event: 'listening', url: listen, announced, identity: toHex(transport.identity), nodeId: idHex(nodeIdOf(transport.identity)), lan: config.lanPort ?? null })
  // A component that throws in start is fatal (NodeStartError): the runtime has closed what it opened; one `vain: …` line, exit status 1.
  if (await runtime.start().then(() => false, (error: Error) => (console.error(`vain: ${error.message}`), true))) return (dataDir.close(), 1)

  return new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      log({ event: 'stopping', signal })
      await runtime.stop()
      dataDir.close()
      log({ event: 'stopped' })
      resolve(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
}

const STORE_DIR = 'store'

/** A locked data dir and its open store; `close` closes the store and releases the lock. */
interface DataDir {
  readonly storage: FileStorage
  close(): void
}

// The lock comes before anything in the dir is created or opened: the store, the identity key file.
function openDataDir(dir: string): DataDir {
  const lock = DataDirLock.acquire(dir)
  try {
    const storage = FileStorage.open(join(dir, STORE_DIR))
    return {
      storage,
      close: () => {
        storage.close()
        lock.release()
      },
    }
  } catch (error) {
    lock.release()
    throw error
  }
}

/** `vain node --data-dir DIR --repair`: salvages DIR's store under the lock, prints what it did. */
function repairCommand(dir: string): number {
  let repair: StoreRepair
  try {
    const lock = DataDirLock.acquire(dir)
    try {
      repair = FileStorage.repair(join(dir, STORE_DIR))
    } finally {
      lock.release()
    }
  } catch (error) {
    return refused(error, dir)
  }
  for (const file of [repair.log, repair.atomic]) console.log(describeRepair(file))
  return 0
}

function describeRepair(file: FileRepair): string {
  if (!file.damaged) return `${file.path}: verifies (${file.keptRecords} records, ${file.keys} keys); left as it is`
  return (
    `${file.path}: kept ${file.keptRecords} records (${file.keys} keys), skipped ${file.skippedBytes} bytes ` +
    `in ${file.damagedRegions} damaged region(s); the original is at ${file.movedTo}`
  )
}

// A data dir that is locked or damaged: one `vain: …` line, naming --repair for damage; exit status 1.
function refused(error: unknown, dir: string): number {
  if (!(error instanceof StorageError)) throw error
  const hint = error.reason === 'damaged' ? `; \`vain node --data-dir ${dir} --repair\` keeps every record that verifies and moves the original aside` : ''
  console.error(`vain: ${error.message}${hint}`)
  return 1
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
    if (existsSync(path)) return new MemoryKeyStore(openSeedFile(path, passphrase))
    const seed = new OsRandom().bytes(32)
    sealSeedFile(path, passphrase, seed, cost)
    return new MemoryKeyStore(seed)
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
