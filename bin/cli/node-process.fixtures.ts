import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** The `vain` command, run as a user runs it (`node bin/vain.js …`). */
export const VAIN = fileURLToPath(new URL('../vain.js', import.meta.url))

/** The flags every test node shares: loopback, any free port, JSON logs, a cheap passphrase stretch. */
export const TEST_NODE_FLAGS = ['--listen', '127.0.0.1:0', '--json-logs', '--kdf', 'interactive'] as const

export type LogRecord = Record<string, unknown>

/** A matcher for the `trace` log records of one type. */
export const trace = (type: string) => (r: LogRecord) => r.event === 'trace' && r.type === type

/** One `vain node` process, and the JSON log records and stdout lines it has written so far. */
export class NodeProcess {
  readonly records: LogRecord[] = []
  /** Every stdout line, log record or not. */
  readonly lines: string[] = []
  readonly child: ChildProcess
  readonly exited: Promise<unknown>

  /** Starts `vain node --data-dir dataDir`, with TEST_NODE_FLAGS and then `extra`. */
  constructor(dataDir: string, extra: readonly string[], passphrase: string) {
    const args = [VAIN, 'node', ...TEST_NODE_FLAGS, '--data-dir', dataDir, ...extra]
    this.child = spawn(process.execPath, args, { env: { ...process.env, VAIN_PASSPHRASE: passphrase }, stdio: ['ignore', 'pipe', 'inherit'] })
    this.exited = new Promise((resolve) => this.child.once('exit', resolve))
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line)
      try {
        this.records.push(JSON.parse(line))
      } catch {
        // not a log record
      }
    })
  }

  /** The first record that `match` accepts, waiting for it up to `timeoutMs`. */
  async waitFor(match: (r: LogRecord) => boolean, what: string, timeoutMs = 30_000): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.records.find(match)
      if (found !== undefined) return found
      if (this.child.exitCode !== null) throw new Error(`the node exited (status ${this.child.exitCode}) before ${what}; its last lines:\n${this.lines.slice(-20).join('\n')}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the node's last lines:\n${this.lines.slice(-20).join('\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    await this.exited
  }
}

/** What a `vain` run that ends by itself left: its exit status and its output. */
export interface VainRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `vain ...args` to its end, with VAIN_PASSPHRASE `passphrase`; gives up after `timeoutMs`. */
export function runVain(args: readonly string[], passphrase: string, timeoutMs = 60_000): Promise<VainRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VAIN, ...args], { env: { ...process.env, VAIN_PASSPHRASE: passphrase }, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}
