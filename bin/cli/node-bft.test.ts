import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NodeProcess, runVain, trace } from './node-process.fixtures.ts'

const PASSPHRASE = 'bft test passphrase'
const lines = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)

describe('vain node --genesis: a validator in a real process', () => {
  let dir: string
  const nodes: NodeProcess[] = []
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'vain-bft-node-'))))
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('commits what `vain node submit --wait` sends, shows it in status and chain, and keeps it across a SIGKILL', async () => {
    const data = join(dir, 'v')
    const made = await runVain(['node', 'identity', '--data-dir', data, '--kdf', 'interactive'], PASSPHRASE)
    expect(made.code).toBe(0)
    const { identity } = lines(made.stdout)[0]!
    const genesis = join(dir, 'genesis.json')
    writeFileSync(genesis, JSON.stringify({ validators: [{ identity, weight: 1 }] }))
    // 500 ms: 2 blocks a second, well within the log's sampling (50 lines of a kind per 10 s), so every block is logged.
    const args = ['--genesis', genesis, '--block-interval', '500ms']
    const first = new NodeProcess(data, args, PASSPHRASE)
    nodes.push(first)
    expect((await first.waitFor((r) => r.event === 'listening', 'listening')).identity).toBe(identity)
    expect(await first.waitFor(trace('bft-validator'), 'the voter')).toMatchObject({ member: 0, committee: 1 })
    await first.waitFor((r) => r.event === 'control', 'the control socket')

    const submitted = await runVain(['node', 'submit', '--data-dir', data, '--wait', 'first entry', 'second entry'], PASSPHRASE)
    expect(submitted.code).toBe(0)
    const answers = lines(submitted.stdout)
    const committed = answers.filter((a) => a.committed !== undefined)
    expect(answers.filter((a) => a.queued === true)).toHaveLength(2)
    expect(committed).toHaveLength(2)
    const { height, hash } = committed[0]!.committed as { height: number; hash: string }
    // The log line of that block names its entries.
    const logged = await first.waitFor((r) => trace('block-committed')(r) && r.height === height, 'the block in the log')
    expect(logged).toMatchObject({ hash, entries: 2, digests: committed.map((c) => c.digest) })

    const status = lines((await runVain(['node', 'status', '--data-dir', data], PASSPHRASE)).stdout)[0]!
    expect(status).toMatchObject({ identity, consensus: { validator: true, member: 0, committee: 1 } })
    expect((status.consensus as { height: number }).height).toBeGreaterThan(height)
    const before = lines((await runVain(['node', 'chain', '--data-dir', data, '--from', String(height)], PASSPHRASE)).stdout)
    expect(before[0]).toMatchObject({ height, hash, entries: committed.map((c) => c.digest) })

    // kill -9: what was acknowledged as committed is still there, with the same hash.
    await first.kill('SIGKILL')
    const second = new NodeProcess(data, args, PASSPHRASE)
    nodes.push(second)
    await second.waitFor((r) => r.event === 'control', 'the control socket after the restart')
    const after = lines((await runVain(['node', 'chain', '--data-dir', data, '--from', String(height)], PASSPHRASE)).stdout)
    expect(after[0]).toEqual(before[0])
  }, 120_000)

  it('a node the genesis does not list runs no voter: it follows as a light client, says so, and refuses entries', async () => {
    const genesis = join(dir, 'genesis.json')
    writeFileSync(genesis, JSON.stringify({ validators: [{ identity: 'ab'.repeat(32), weight: 1 }] }))
    const data = join(dir, 'outsider')
    const node = new NodeProcess(data, ['--genesis', genesis], PASSPHRASE)
    nodes.push(node)
    expect(await node.waitFor(trace('bft-follower'), 'bft-follower')).toMatchObject({ committee: 1, height: 0 })
    await node.waitFor((r) => r.event === 'control', 'the control socket')
    const refused = await runVain(['node', 'submit', '--data-dir', data, 'an entry'], PASSPHRASE)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^vain: the node refused \(not-a-validator\): /)
    const status = lines((await runVain(['node', 'status', '--data-dir', data], PASSPHRASE)).stdout)[0]!
    expect(status.consensus).toMatchObject({ validator: false, height: 0 })
  }, 120_000)

  it('`vain node status` says when no node runs on the data dir', async () => {
    const result = await runVain(['node', 'status', '--data-dir', dir], PASSPHRASE)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^vain: no node is running on /)
  }, 60_000)
})
