import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MemoryKeyStore, ROOT_KEY } from '../../actors/identity/key-store.ts'
import { VainNode } from '../../actors/node/vain-node.ts'
import { NodeConsensusError, describeCommit } from '../../actors/node/node-consensus.ts'
import type { Commit } from '../../actors/consensus/messages.ts'
import { idHex, nodeIdOf } from '../../actors/peer/node-id.ts'
import type { RoutingTable } from '../../actors/peer/routing-table.ts'
import { toHex } from '../../core/bytes.ts'
import { DataDirLock } from '../../runtime/data-dir-lock.ts'
import { FileStorage, type StoreRepair } from '../../runtime/file-storage.ts'
import { hostProblem } from '../../core/dial-policy.ts'
import { hostScope, parseHost } from '../../core/network-address.ts'
import { NodeRuntime, type LogRecord } from '../../runtime/node-runtime.ts'
import type { FileRepair } from '../../runtime/store-repair.ts'
import { UdpBroadcast } from '../../transports/udp.ts'
import { WsTransport } from '../../transports/ws/ws-transport.ts'
import { nodeConfig, repairRequest, type NodeConfig } from './node-config.ts'
import { ControlServer, controlSocketPath, type ControlTarget } from './node-control.ts'
import { openSeed } from './node-identity.ts'
import { NODE_EXIT, startupFailure } from './node-failure.ts'
import { logWriter, withPeerIdentities } from './node-log.ts'
import { counted } from '../../sim/format.ts'

/**
 * `vain node`: one real node. The data dir is locked first (DIR/vain.lock, so no second process runs
 * beside it); identity sealed in DIR/identity.key (passphrase from VAIN_PASSPHRASE), state in DIR/store
 * (FileStorage, see docs/storage.md), a TLS 1.3 WebSocket listener, optionally UDP broadcast discovery
 * on the LAN, and the node actor: announcements, the Kademlia DHT, PEX, the records it was asked to
 * publish and find. Structured logs; SIGINT or SIGTERM stop it gracefully (links closed, storage
 * synced, the lock released). With --repair it salvages a damaged store instead, and exits.
 *
 * A start-up that fails (the data dir locked, damaged or not a directory, a port in use, an address
 * this machine lacks, a wrong passphrase) closes what it opened and is one `vain: …` line on stderr,
 * with the exit status `startupFailure` gives it (NODE_EXIT). Resolves with the exit status.
 */
export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const repairDir = repairRequest(argv)
  if (repairDir !== undefined) return repairCommand(repairDir)
  const config = nodeConfig(argv)
  const opened = new Opened()
  let running: Running
  try {
    running = await startNode(config, opened)
  } catch (error) {
    await opened.closeAll()
    return refused(error, config.dir)
  }
  return running.stopped
}

/** A node that has started; `stopped` resolves with the exit status once a signal has stopped it. */
interface Running {
  readonly stopped: Promise<number>
}

/** What start-up has opened so far, to close (last first) when a later step fails. */
class Opened {
  private readonly closers: (() => unknown)[] = []

  add(close: () => unknown): void {
    this.closers.push(close)
  }

  async closeAll(): Promise<void> {
    // The start-up failure is what the operator needs to hear; a close failing after it changes
    // nothing they could act on, so each closer is tried and the next one runs regardless.
    for (const close of this.closers.reverse()) await Promise.resolve().then(close).catch(() => undefined)
    this.closers.length = 0
  }
}

// Starts the node, adding to `opened` each thing it opens.
async function startNode(config: NodeConfig, opened: Opened): Promise<Running> {
  const dataDir = openDataDir(config.dir)
  opened.add(() => dataDir.close())
  // The peers log names contacts by identity, through the routing table of the node built below.
  let node: VainNode | undefined
  const write = logWriter(config.jsonLogs)
  const log = (record: LogRecord) => write(withPeerIdentities(record, () => tableOf(node)?.contacts() ?? []))
  const storage = dataDir.storage
  if (storage.tornBytesCut > 0) log({ event: 'store-torn-tail-cut', bytes: storage.tornBytesCut })
  // A KeyFileError (wrong passphrase, not a key file) goes to `refused` as it is.
  const seed = openSeed(config.dir, config.passphrase, config.cost)
  const keys = new MemoryKeyStore(seed)
  // A node listening on loopback is a local cluster (examples/local-cluster): its peers are on this
  // machine, so it may dial loopback URLs, and each loopback peer counts as a network of its own.
  const allowLoopback = hostScope(parseHost(config.host)) === 'loopback'
  // A peer URL's host is judged before the dial (the runtime's dial policy); a DNS name is judged again
  // by what it resolves to, at connect time.
  const resolvedAddressProblem = (ip: string) => hostProblem(ip, { allowLoopback })
  // Where one IP holds its cap of links, a routing-table contact takes the place of a stranger's link
  // (strangers sharing an IP with known peers cannot push them out). The actor is built below, and its
  // table exists once it has started. A --block identity is refused at the handshake already.
  const blocked = new Set(config.blocked.map(toHex))
  const limits = {
    priorityOf: (identity: Uint8Array) => (tableOf(node)?.has(nodeIdOf(identity)) === true ? 1 : 0),
    isBlocked: (identity: Uint8Array) => blocked.has(toHex(identity)),
  }
  const transport = await WsTransport.create({ publicKey: keys.publicKey(ROOT_KEY), sign: (m) => keys.sign(ROOT_KEY, m) }, { host: config.host, port: config.port, resolvedAddressProblem, limits })
  opened.add(() => transport.close())
  const listen = await transport.listen()
  const lan = config.lanPort === undefined ? undefined : await UdpBroadcast.open({ port: config.lanPort, broadcastAddress: config.lanAddress })
  if (lan !== undefined) opened.add(() => lan.close())
  const announced = config.announce ?? listen
  // The runtime tells the actor a peer's network group and which announced URLs it would dial; it is
  // built after the actor it drives.
  let runtimeOf: NodeRuntime | undefined
  // Each commit is answered on the control socket (opened once the node runs) to those waiting for it.
  let control: ControlServer | undefined
  const consensus = config.genesis && {
    genesis: config.genesis,
    blockIntervalMs: config.blockIntervalMs,
    onCommit: (commit: Commit) => control?.committed(describeCommit(commit)),
  }
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
    ...(consensus && { consensus }),
  }))
  const runtime = new NodeRuntime({ actor, transport, storage, log, allowLoopback, ...(lan && { lan }) })
  runtimeOf = runtime
  // LAN discovery off is said here, once: the runtime drops broadcasts without a broadcast domain silently.
  const lanState = lan === undefined ? 'off' : `${config.lanAddress}:${config.lanPort}`
  log({ event: 'listening', url: listen, announced, identity: toHex(transport.identity), nodeId: idHex(nodeIdOf(transport.identity)), lan: lanState })
  // A component that throws in start is fatal: the runtime closes what it opened and rejects (NodeStartError).
  await runtime.start()
  opened.add(() => runtime.stop())
  const opening = await ControlServer.open(config.dir, controlTarget(actor, { identity: toHex(transport.identity), url: announced }))
  control = opening
  opened.add(() => opening.close())
  log({ event: 'control', socket: controlSocketPath(config.dir) })

  const stopped = new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      log({ event: 'stopping', signal })
      await opening.close()
      await runtime.stop()
      dataDir.close()
      log({ event: 'stopped' })
      resolve(NODE_EXIT.stopped)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
  return { stopped }
}

// What the control socket asks of the running node: who it is, its consensus status and chain, and
// the entries its operator submits.
function controlTarget(node: VainNode, self: { readonly identity: string; readonly url: string }): ControlTarget {
  return {
    status: () => ({ ...self, consensus: node.consensus?.status() ?? null }),
    submit: (entry) => {
      if (node.consensus === undefined) throw new NodeConsensusError('not-a-validator', 'this node was started without --genesis: it runs no voter and takes no entries')
      return node.consensus.submit(entry)
    },
    height: () => node.consensus?.height ?? 0,
    committed: (height) => node.consensus?.committed(height),
  }
}

// The node's routing table, once its peer component has started (before, there is none to consult).
function tableOf(node: VainNode | undefined): RoutingTable | undefined {
  return node?.peer.table as RoutingTable | undefined
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
  const missing = missingStore(dir)
  if (missing !== undefined) {
    console.error(`vain: ${missing}`)
    return NODE_EXIT.dataDir
  }
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
  return NODE_EXIT.stopped
}

// Why `dir` has no store for --repair to salvage (a mistyped path, most likely), or undefined when it
// may have one. Checked before the lock, which would create the dir: a repair creates nothing. A dir
// that is a file is left to the lock, which refuses it as for a start.
function missingStore(dir: string): string | undefined {
  if (!existsSync(dir)) return `--data-dir ${dir} does not exist: there is no store to repair (check the path)`
  if (!statSync(dir).isDirectory()) return undefined
  const store = join(dir, STORE_DIR)
  const empty = !existsSync(store) || (statSync(store).isDirectory() && readdirSync(store).length === 0)
  return empty ? `--data-dir ${dir} holds no store to repair (${store} is missing or empty)` : undefined
}

function describeRepair(file: FileRepair): string {
  if (!file.damaged) return `${file.path}: verifies (${counted(file.keptRecords, 'records')}, ${counted(file.keys, 'keys')}); left as it is`
  return (
    `${file.path}: kept ${counted(file.keptRecords, 'records')} (${counted(file.keys, 'keys')}), skipped ${counted(file.skippedBytes, 'bytes')} ` +
    `in ${counted(file.damagedRegions, 'damaged regions')}; the original is at ${file.movedTo}`
  )
}

// A start-up that failed for a reason the operator can act on: one `vain: …` line, and its exit
// status. Anything else is a bug, and goes on with its stack.
function refused(error: unknown, dir: string): number {
  const failure = startupFailure(error, dir)
  if (failure === undefined) throw error
  console.error(`vain: ${failure.message}`)
  return failure.status
}
