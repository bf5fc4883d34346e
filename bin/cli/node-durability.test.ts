import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const VAIN = fileURLToPath(new URL('../vain.js', import.meta.url))

/** One `vain node` process and the JSON log records it has written so far. */
class NodeProcess {
  readonly records: Record<string, unknown>[] = []
  readonly child: ChildProcess
  readonly exited: Promise<unknown>

  constructor(name: string, dir: string, extra: readonly string[]) {
    const args = [VAIN, 'node', '--listen', '127.0.0.1:0', '--data-dir', join(dir, name), '--json-logs', '--kdf', 'interactive', '--status-every', '200ms', ...extra]
    this.child = spawn(process.execPath, args, { env: { ...process.env, VAIN_PASSPHRASE: `passphrase of ${name}` }, stdio: ['ignore', 'pipe', 'inherit'] })
    this.exited = new Promise((resolve) => this.child.once('exit', resolve))
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.records.push(JSON.parse(line))
      } catch {
        // not a log record
      }
    })
  }

  /** The first record that `match` accepts, waiting for it up to `timeoutMs`. */
  async waitFor(match: (r: Record<string, unknown>) => boolean, what: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.records.find(match)
      if (found !== undefined) return found
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    this.child.kill(signal)
    await this.exited
  }
}

const trace = (type: string) => (r: Record<string, unknown>) => r.event === 'trace' && r.type === type

describe('vain node under kill -9', () => {
  const started: NodeProcess[] = []
  const dir = mkdtempSync(join(tmpdir(), 'vain-kill-'))
  const start = (name: string, extra: readonly string[] = []) => {
    const node = new NodeProcess(name, dir, extra)
    started.push(node)
    return node
  }
  afterEach(async () => {
    for (const node of started) if (node.child.exitCode === null && node.child.signalCode === null) await node.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves a record it confirmed after a kill -9 right after the confirmation, and redials its peers at restart', async () => {
    // A holds; B joins through A and publishes note=x; A is killed the moment B logs A's confirmation.
    const a = start('a')
    const aUp = await a.waitFor((r) => r.event === 'listening', 'a to listen')
    const b = start('b', ['--bootstrap', String(aUp.url), '--publish', 'note=x'])
    const bUp = await b.waitFor((r) => r.event === 'listening', 'b to listen')
    const published = await b.waitFor((r) => trace('record-published')(r) && Number(r.holders) >= 1, 'b to publish')
    await a.kill('SIGKILL')
    expect(published.holders).toBe(1)

    // Restarted without --bootstrap, A dials the peers it saved, and B is back in its table.
    const again = start('a')
    const againUp = await again.waitFor((r) => r.event === 'listening', 'a to listen again')
    await again.waitFor((r) => trace('peers')(r) && (r.peers as string[]).includes(String(bUp.nodeId)), 'a to know b again')

    // With B gone, C finds the record through A alone: A kept what it had confirmed.
    await b.kill('SIGKILL')
    const c = start('c', ['--bootstrap', String(againUp.url), '--find', `${String(bUp.identity)}/note`])
    const found = await c.waitFor(trace('record-found'), 'c to find the record', 20_000)
    expect(found.value).toBe('x')
  }, 90_000)
})
