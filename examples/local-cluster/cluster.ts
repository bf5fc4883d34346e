import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const VAIN = fileURLToPath(new URL('../../bin/vain.js', import.meta.url))

/** One `vain node` process and what its JSON logs have said so far. */
interface NodeProcess {
  readonly name: string
  readonly child: ChildProcess
  url?: string
  identity?: string
  readonly seen: Set<string>
  stopped: boolean
  readonly exited: Promise<number | null>
}

export interface ClusterResult {
  /** For each node, the names of the nodes it has seen answer its signed pings. */
  readonly sees: Readonly<Record<string, readonly string[]>>
  /** Exit codes after SIGTERM (0: a graceful stop). */
  readonly exitCodes: Readonly<Record<string, number | null>>
  readonly stoppedCleanly: boolean
}

function startNode(name: string, dir: string, bootstrap: string[], onLine: () => void): NodeProcess {
  const args = [VAIN, 'node', '--listen', '127.0.0.1:0', '--data-dir', join(dir, name), '--json-logs', '--kdf', 'interactive', '--ping-ms', '500']
  for (const url of bootstrap) args.push('--bootstrap', url)
  const child = spawn(process.execPath, args, { env: { ...process.env, VAIN_PASSPHRASE: `demo passphrase of ${name}` }, stdio: ['ignore', 'pipe', 'inherit'] })
  const node: NodeProcess = { name, child, seen: new Set(), stopped: false, exited: new Promise((resolve) => child.once('exit', resolve)) }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let record: Record<string, unknown>
    try {
      record = JSON.parse(line)
    } catch {
      return
    }
    if (record.event === 'listening') Object.assign(node, { url: record.url, identity: record.identity })
    if (record.event === 'trace' && record.type === 'peer-seen') node.seen.add(String(record.peer))
    if (record.event === 'stopped') node.stopped = true
    onLine()
  })
  return node
}

/**
 * Starts `count` nodes as separate processes on loopback: the first alone, the others bootstrapped
 * from it. They authenticate over TLS 1.3 with their Ed25519 identities, learn of each other, and
 * exchange signed pings. Once every node has seen every other (or `timeoutMs` passes), all are sent
 * SIGTERM and must stop gracefully.
 */
export async function runLocalCluster(count = 5, timeoutMs = 45_000): Promise<ClusterResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vain-cluster-'))
  const nodes: NodeProcess[] = []
  let wake: () => void = () => {}
  const changed = () => wake()
  const waitFor = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, 250)
      })
    }
  }
  try {
    nodes.push(startNode('node0', dir, [], changed))
    await waitFor(() => nodes[0]!.url !== undefined, 'node0 to listen')
    for (let i = 1; i < count; i++) nodes.push(startNode(`node${i}`, dir, [nodes[0]!.url!], changed))
    await waitFor(() => nodes.every((n) => n.identity !== undefined && n.seen.size >= count - 1), 'every node to see every other')
  } finally {
    for (const node of nodes) node.child.kill('SIGTERM')
    await Promise.all(nodes.map((n) => Promise.race([n.exited, new Promise((r) => setTimeout(r, 10_000).unref())])))
    for (const node of nodes) if (node.child.exitCode === null) node.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const nameOf = new Map(nodes.map((n) => [n.identity, n.name]))
  return {
    sees: Object.fromEntries(nodes.map((n) => [n.name, [...n.seen].map((id) => nameOf.get(id) ?? id.slice(0, 12)).sort()])),
    exitCodes: Object.fromEntries(nodes.map((n) => [n.name, n.child.exitCode])),
    stoppedCleanly: nodes.every((n) => n.stopped && n.child.exitCode === 0),
  }
}
