import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NodeProcess, trace } from './node-process.fixtures.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'

describe('vain node under kill -9', () => {
  const started: NodeProcess[] = []
  let dir: string
  beforeEach(() => {
    dir = tempDir('kill')
  })
  const start = (name: string, extra: readonly string[] = []) => {
    const node = new NodeProcess(join(dir, name), ['--status-every', '200ms', ...extra], `passphrase of ${name}`)
    started.push(node)
    return node
  }
  afterEach(async () => {
    for (const node of started.splice(0)) await node.kill('SIGKILL')
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
    await again.waitFor((r) => trace('peers')(r) && (r.peers as string[]).includes(String(bUp.identity)), 'a to know b again')

    // With B gone, C finds the record through A alone: A kept what it had confirmed.
    await b.kill('SIGKILL')
    const c = start('c', ['--bootstrap', String(againUp.url), '--find', `${String(bUp.identity)}/note`])
    const found = await c.waitFor(trace('record-found'), 'c to find the record', 20_000)
    expect(found.value).toBe('x')
  }, 90_000)
})
