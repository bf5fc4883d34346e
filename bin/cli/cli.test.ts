import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const VAIN = join(import.meta.dirname, '..', 'vain.js')

async function vain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return vainWith({}, ...args)
}

async function vainWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [VAIN, ...args], { env: { ...process.env, VAIN_PASSPHRASE: '', ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string)

describe('vain CLI', () => {
  it('prints the same trace hash for the same seed and a different one for another seed', async () => {
    const [a, b, c] = await Promise.all([
      vain('sim', 'gossip', '--seed', '7', '--nodes', '500', '--json'),
      vain('sim', 'gossip', '--seed', '7', '--nodes', '500', '--json'),
      vain('sim', 'gossip', '--seed', '8', '--nodes', '500', '--json'),
    ])
    const [sa, sb, sc] = [a, b, c].map((r) => lastJson(r.stdout))
    expect(sa).toMatchObject({ scenario: 'gossip', seed: 7, nodes: 500, violations: [] })
    for (const key of ['events', 'virtualTimeMs', 'traceHash']) expect(sa).toHaveProperty(key)
    expect(sa.traceHash).toMatch(/^[0-9a-f]{64}$/)
    expect(sb.traceHash).toBe(sa.traceHash)
    expect(sc.traceHash).not.toBe(sa.traceHash)
  })

  it('replays a run with its trace written to a file, ending on the same hash as sim', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vain-'))
    const faults = join(dir, 'faults.json')
    writeFileSync(faults, JSON.stringify([{ at: 100, kind: 'crash', node: 'n3' }]))
    const trace = join(dir, 'trace.jsonl')
    const sim = await vain('sim', 'gossip', '--seed', '3', '--nodes', '30', '--faults', `@${faults}`, '--json')
    const replay = await vain('replay', 'gossip', '--seed', '3', '--nodes', '30', '--faults', `@${faults}`, '--trace', trace, '--json')
    expect(lastJson(replay.stdout).traceHash).toBe(lastJson(sim.stdout).traceHash)
    const events = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    expect(events.filter((e) => e.kind === 'crash')).toEqual([{ t: 100, kind: 'crash', node: 'n3', keptWrites: 0 }])
    expect(events.filter((e) => e.kind === 'deliver').length).toBe(lastJson(sim.stdout).network.delivered)
  })

  it('exits 1 with a replay command when a check finds a failing run', async () => {
    const result = await vain('check', 'replication-unsafe', '--runs', '40', '--seed', '7')
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/shrunk in \d+ steps/)
    expect(result.stdout).toContain('npx vain replay replication-unsafe --seed')
  })

  it('exits 2 with a clear message on bad usage', async () => {
    for (const args of [['sim', 'nope'], ['sim', 'gossip', '--until', 'soon'], ['sim', 'gossip', '--nodes', '-3'], ['sim', 'gossip', '--faults', '[{"at":1,"kind":"crash","node":"ghost"}]'], ['replay', 'gossip'], ['frobnicate']]) {
      const result = await vain(...args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(/^vain: /)
    }
  })

  it('vain node refuses bad usage before it listens: missing passphrase, bad address, wrong passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vain-node-cli-'))
    const noPassphrase = await vain('node', '--listen', '127.0.0.1:0', '--data-dir', dir)
    expect(noPassphrase.code).toBe(2)
    expect(noPassphrase.stderr).toMatch(/^vain: set VAIN_PASSPHRASE/)
    const badListen = await vainWith({ VAIN_PASSPHRASE: 'a' }, 'node', '--listen', 'nowhere', '--data-dir', dir)
    expect(badListen.code).toBe(2)
    expect(badListen.stderr).toMatch(/--listen takes host:port/)
    const { sealSeedFile, TEST_COST } = await import('../../runtime/sealed-seed-file.ts')
    sealSeedFile(join(dir, 'identity.key'), 'right', new Uint8Array(32), TEST_COST)
    const wrong = await vainWith({ VAIN_PASSPHRASE: 'wrong' }, 'node', '--listen', '127.0.0.1:0', '--data-dir', dir)
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/wrong passphrase/)
  })
})
