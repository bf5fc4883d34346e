import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeUdpPort, LOOPBACK_BROADCAST, spawnNode, stopAll, Waiter, type VainProcess } from './processes.ts'

/** One `vain node` process and what its JSON logs have said so far. */
interface NodeProcess extends VainProcess {
  /** How it comes to the network: UDP broadcast on the LAN, or a bootstrap address. */
  readonly via: 'lan' | 'bootstrap'
  url?: string
  identity?: string
  nodeId?: string
  /** Identities in its routing table, as its last `peers` report gave them. */
  peers: readonly string[]
  published?: number
  found?: string
  stopped: boolean
}

export interface ClusterResult {
  /** For each node, the names of the nodes in its routing table at the end. */
  readonly knows: Readonly<Record<string, readonly string[]>>
  /** How each node came to the network: `lan` (UDP broadcast) or `bootstrap`. */
  readonly joinedBy: Readonly<Record<string, 'lan' | 'bootstrap'>>
  /** The record `node2` published: on how many holders, and what `node4` found under its key. */
  readonly record: { readonly holders: number; readonly found: string }
  /** Milliseconds from the start of the last two nodes until every table was complete, and until the record was found. */
  readonly timings: { readonly tablesCompleteMs: number; readonly recordFoundMs: number }
  /** Exit codes after SIGTERM (0: a graceful stop). */
  readonly exitCodes: Readonly<Record<string, number | null>>
  readonly stoppedCleanly: boolean
}

export const GREETING = 'hello from node2, through the DHT'

function startNode(name: string, via: NodeProcess['via'], dir: string, extra: readonly string[], onLine: () => void): NodeProcess {
  const node: NodeProcess = Object.assign(
    spawnNode(name, dir, ['--listen', '127.0.0.1:0', '--status-every', '250ms', ...extra], (record) => {
      if (record.event === 'listening') Object.assign(node, { url: record.url, identity: record.identity, nodeId: record.nodeId })
      if (record.event === 'trace' && record.type === 'peers') node.peers = record.peers as string[]
      if (record.event === 'trace' && record.type === 'record-published') node.published = Number(record.holders)
      if (record.event === 'trace' && record.type === 'record-found') node.found = String(record.value)
      if (record.event === 'stopped') node.stopped = true
      onLine()
    }),
    { via, peers: [], stopped: false },
  )
  return node
}

/**
 * Starts five nodes as separate processes on loopback. node0, node1 and node2 share a LAN: they have
 * no bootstrap address and find each other by UDP broadcast. node3 and node4 are elsewhere and join
 * through node0's address. All five then learn of each other through the DHT's lookups; node2
 * publishes a signed record, and node4 looks it up by node2's identity. Links are TLS 1.3 with
 * Ed25519 identity binding. When all that is done (or `timeoutMs` passes), every node is sent SIGTERM
 * and must stop gracefully.
 */
export async function runLocalCluster(timeoutMs = 45_000): Promise<ClusterResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vain-cluster-'))
  const nodes: NodeProcess[] = []
  const waiter = new Waiter(timeoutMs)
  const changed = waiter.changed
  const waitFor = (condition: () => boolean, what: string) => waiter.until(condition, what)
  const timings = { tablesCompleteMs: 0, recordFoundMs: 0 }
  const byName = (name: string) => nodes.find((n) => n.name === name)!
  const knowsEveryone = (n: NodeProcess) => nodes.every((other) => other === n || n.peers.includes(other.identity!))
  try {
    const lan = ['--lan-port', String(await freeUdpPort()), '--lan-address', LOOPBACK_BROADCAST]
    nodes.push(
      startNode('node0', 'lan', dir, lan, changed),
      startNode('node1', 'lan', dir, lan, changed),
      startNode('node2', 'lan', dir, [...lan, '--publish', `greeting=${GREETING}`], changed),
    )
    await waitFor(() => nodes.every((n) => n.nodeId !== undefined), 'the LAN nodes to listen')
    const bootstrap = ['--bootstrap', byName('node0').url!]
    nodes.push(
      startNode('node3', 'bootstrap', dir, bootstrap, changed),
      startNode('node4', 'bootstrap', dir, [...bootstrap, '--find', `${byName('node2').identity}/greeting`], changed),
    )
    const joined = Date.now()
    await waitFor(() => nodes.every((n) => n.nodeId !== undefined && knowsEveryone(n)), 'every node to have every other in its routing table')
    timings.tablesCompleteMs = Date.now() - joined
    await waitFor(() => byName('node4').found !== undefined && byName('node2').published !== undefined, 'node4 to find the record node2 published')
    timings.recordFoundMs = Date.now() - joined
  } finally {
    await stopAll(nodes)
    rmSync(dir, { recursive: true, force: true })
  }
  const nameOf = new Map(nodes.map((n) => [n.identity, n.name]))
  return {
    knows: Object.fromEntries(nodes.map((n) => [n.name, n.peers.map((id) => nameOf.get(id) ?? id.slice(0, 12)).sort()])),
    joinedBy: Object.fromEntries(nodes.map((n) => [n.name, n.via])),
    record: { holders: byName('node2').published!, found: byName('node4').found! },
    timings,
    exitCodes: Object.fromEntries(nodes.map((n) => [n.name, n.child.exitCode])),
    stoppedCleanly: nodes.every((n) => n.stopped && n.child.exitCode === 0),
  }
}
