import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/**
 * What the cluster examples share (local-cluster, bft-cluster): `vain node` processes on loopback with
 * JSON logs, a wait that wakes on every log line, free ports, and a teardown that stops every process
 * whatever happened.
 */

export const VAIN = fileURLToPath(new URL('../../bin/vain.js', import.meta.url))
export const LOOPBACK = '127.0.0.1'
export const LOOPBACK_BROADCAST = '127.255.255.255'
/** How long a node may take to stop gracefully on SIGTERM before it is killed. */
export const STOP_GRACE_MS = 10_000

export type LogRecord = Record<string, unknown>

/** One `vain node` process. */
export interface VainProcess {
  readonly name: string
  readonly child: ChildProcess
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>
}

/** Each node's passphrase (VAIN_PASSPHRASE): a demo's, not a secret. */
export const passphraseOf = (name: string) => `demo passphrase of ${name}`

/** Where node `name` keeps its data under the cluster's dir. */
export const dataDirOf = (dir: string, name: string) => join(dir, name)

/**
 * Starts `vain node --data-dir DIR/name --json-logs --kdf interactive ...flags` and hands each JSON log
 * record it writes to `onRecord`. Its stderr goes to ours.
 */
export function spawnNode(name: string, dir: string, flags: readonly string[], onRecord: (record: LogRecord) => void): VainProcess {
  const args = [VAIN, 'node', '--data-dir', dataDirOf(dir, name), '--json-logs', '--kdf', 'interactive', ...flags]
  const child = spawn(process.execPath, args, { env: { ...process.env, VAIN_PASSPHRASE: passphraseOf(name) }, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let record: LogRecord
    try {
      record = JSON.parse(line)
    } catch {
      return
    }
    onRecord(record)
  })
  return { name, child, exited }
}

/** Runs `vain ...args` as node `name` (its passphrase) to its end; resolves with its stdout, rejects when it fails. */
export function runVain(name: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [VAIN, ...args], { env: { ...process.env, VAIN_PASSPHRASE: passphraseOf(name) } }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`vain ${args.join(' ')} failed: ${stderr.trim() || error.message}`)),
    )
  })
}

/**
 * Waits for conditions on what the nodes said: `changed` (called on each log line) wakes it, and it
 * looks again at least every 250 ms (for conditions on time or on other sources).
 */
export class Waiter {
  private wake: () => void = () => {}

  constructor(private readonly timeoutMs: number) {}

  readonly changed = (): void => this.wake()

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        this.wake = resolve
        setTimeout(resolve, 250)
      })
    }
  }
}

/** A UDP port free on loopback now, for a cluster's LAN discovery. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true })
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK_BROADCAST, resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(resolve))
  return port
}

/** A TCP port free on loopback now: for a node that must come back at the same URL after a restart. */
export async function freeTcpPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Sends SIGTERM to every process still running, waits up to STOP_GRACE_MS, then SIGKILLs what is left. */
export async function stopAll(processes: readonly VainProcess[]): Promise<void> {
  const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null)
  for (const p of running) p.child.kill('SIGTERM')
  await Promise.all(running.map((p) => Promise.race([p.exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())])))
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
}
