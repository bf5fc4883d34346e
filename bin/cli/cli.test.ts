import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pathToFileURL } from 'node:url'
import { searchSeed } from './commands/check.ts'
import { packageVersion } from './main.ts'
import { vain, vainWith } from './vain.fixtures.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'
import { FAULT_KINDS } from '../../sim/faults.ts'

/** A usage error: exit status 2, and stderr is exactly `vain: <what>` and the hint naming the command's help. */
function expectUsageError(result: { code: number; stderr: string }, command: string, what: RegExp, label = ''): void {
  expect(result.code, `${label}: ${result.stderr}`).toBe(2)
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines, result.stderr).toHaveLength(2)
  expect(lines[0]).toMatch(/^vain: /)
  expect(lines[0]).toMatch(what)
  expect(lines[1]).toBe(`see 'vain ${command === '' ? '' : `${command} `}--help'`)
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
    const dir = tempDir('cli')
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
    expect(result.stdout).toMatch(/shrunk in \d+ steps? to 1 fault \(seed/) // one fault, not "1 faults"
    expect(result.stdout).toContain('(search seed 7)')
    expect(result.stdout).toContain('npx vain replay replication-unsafe --seed')
  })

  it('check without --seed prints the search seed it drew, and that seed repeats the search', async () => {
    const fresh = await vain('check', 'replication', '--runs', '2', '--nodes', '5', '--until', '5s')
    expect(fresh.code, fresh.stderr).toBe(0)
    const seed = /^replication: 2 runs under generated schedules of crashes, .*\(search seed (\d+)\), no violation$/m.exec(fresh.stdout)?.[1]
    expect(seed, fresh.stdout).toBeDefined()
    const [again, json] = await Promise.all([
      vain('check', 'replication', '--runs', '2', '--nodes', '5', '--until', '5s', '--seed', seed!),
      vain('check', 'replication', '--runs', '2', '--nodes', '5', '--until', '5s', '--seed', seed!, '--json'),
    ])
    expect(again.stdout).toBe(fresh.stdout)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, checkSeed: Number(seed) })
  })

  it('exits 2 with a clear message on bad usage', async () => {
    for (const args of [['sim', 'nope'], ['sim', 'gossip', '--until', 'soon'], ['sim', 'gossip', '--nodes', '-3'], ['sim', 'gossip', '--faults', '[{"at":1,"kind":"crash","node":"ghost"}]'], ['replay', 'gossip'], ['frobnicate']]) {
      const result = await vain(...args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(/^vain: /)
    }
  })

  it('vain node refuses bad usage before it listens: missing passphrase, bad address, wrong passphrase', async () => {
    const dir = tempDir('node-cli')
    const noPassphrase = await vain('node', '--listen', '127.0.0.1:0', '--data-dir', dir)
    expect(noPassphrase.code).toBe(2)
    expect(noPassphrase.stderr).toMatch(/^vain: set VAIN_PASSPHRASE/)
    const badListen = await vainWith({ VAIN_PASSPHRASE: 'a' }, [], 'node', '--listen', 'nowhere', '--data-dir', dir)
    expect(badListen.code).toBe(2)
    expect(badListen.stderr).toMatch(/--listen takes host:port/)
    const { sealSeedFile, TEST_COST } = await import('../../runtime/sealed-seed-file.ts')
    sealSeedFile(join(dir, 'identity.key'), 'right', new Uint8Array(32), TEST_COST)
    const wrong = await vainWith({ VAIN_PASSPHRASE: 'wrong' }, [], 'node', '--listen', '127.0.0.1:0', '--data-dir', dir)
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/wrong passphrase/)
  })
})

describe('vain CLI: help, version and usage errors', () => {
  it('--help and -h on every command list every flag of the table that parses it, with defaults and units', async () => {
    const { BENCH_FLAGS, CHECK_FLAGS, LIST_FLAGS, REPLAY_FLAGS, SIM_FLAGS } = await import('./commands/flags.ts')
    const { NODE_FLAGS, REPAIR_FLAG } = await import('./node-config.ts')
    const tables = { sim: SIM_FLAGS, replay: REPLAY_FLAGS, check: CHECK_FLAGS, bench: BENCH_FLAGS, list: LIST_FLAGS, node: { ...NODE_FLAGS, ...REPAIR_FLAG } }
    for (const [command, flags] of Object.entries(tables)) {
      for (const help of ['--help', '-h']) {
        const result = await vain(command, help)
        expect(result.code, `${command} ${help}`).toBe(0)
        expect(result.stdout).toContain(`usage: vain ${command}`)
        for (const [name, spec] of Object.entries(flags) as [string, { default?: string; value?: string }][]) {
          const line = result.stdout.split('\n').find((l) => l.startsWith(`  --${name} `) || l === `  --${name}` || l.startsWith(`  --${name}  `))
          expect(line, `${command} --${name}`).toBeDefined()
          if (spec.value !== undefined) expect(line).toContain(`--${name} ${spec.value}`)
          if (spec.default !== undefined) expect(line).toContain(`default: ${spec.default}`)
        }
      }
    }
    const node = await vain('node', '--help')
    // The nine flags the old usage left out, and the unit of each duration.
    for (const flag of ['--announce', '--lan-port', '--lan-address', '--tier', '--block', '--trust', '--publish', '--find', '--status-every']) expect(node.stdout).toContain(flag)
    expect(node.stdout).toMatch(/DURATION: 500ms, 60s/)
    // Help after other arguments, too, and `vain help <command>`.
    expect((await vain('sim', 'gossip', '--nodes', '3', '--help')).stdout).toContain('usage: vain sim')
    expect((await vain('help', 'check')).stdout).toContain('usage: vain check')
  })

  it('finds the version from the installed layout too (dist/bin/cli/ is a level deeper), skipping other packages', () => {
    const root = tempDir('version')
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'vain', version: '9.8.7' }))
    mkdirSync(join(root, 'dist', 'bin', 'cli'), { recursive: true })
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' })) // not vain's manifest
    expect(packageVersion(pathToFileURL(join(root, 'dist', 'bin', 'cli', 'main.js')).href)).toBe('9.8.7')
    expect(packageVersion(pathToFileURL(join(root, 'bin', 'cli', 'main.ts')).href)).toBe('9.8.7')
  })

  it('--version and -V print the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
    for (const flag of ['--version', '-V']) {
      const result = await vain(flag)
      expect(result).toMatchObject({ code: 0, stdout: `vain ${version}\n` })
    }
    // No command at all: the command list, on stderr, as bad usage.
    const bare = await vain()
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('usage: vain <command> [flags]')
    expect(bare.stderr).toMatch(/^ {2}node {4}runs a real node/m)
  })

  it('a usage error is one line and a hint to the command help, exit status 2', async () => {
    const dataDir = tempDir('node-usage')
    const cases: [readonly string[], string, RegExp][] = [
      [['frobnicate'], '', /'frobnicate' is not a vain command/],
      [['--bogus'], '', /^vain: unknown flag '--bogus': vain takes --help, --version or a command/],
      [['sim', 'gossip', 'extra'], 'sim', /^vain: unexpected argument 'extra' \(one scenario name, then flags\)$/],
      [['sim', 'gossip', '--', '--json'], 'sim', /^vain: unexpected argument '--json'/],
      [['bench', 'ed25519', 'extra'], 'bench', /^vain: unexpected argument 'extra'/],
      [['sim', 'gossip', '--until', '9999999999999y'], 'sim', /^vain: --until is too long: at most 1000y, got 9999999999999y$/],
      [['sim', 'gossip', '--nodes', '99999999999999999999'], 'sim', /^vain: --nodes is too large: at most [\d,]+ \(the most that fit this machine's/],
      [['node'], 'node', /^vain: --listen HOST:PORT is required/],
      [['sim', 'nope'], 'sim', /unknown scenario 'nope'/],
      [['sim', 'gossip', '--nodes', '-5'], 'sim', /^vain: --nodes must be a positive integer, got -5$/],
      [['sim', 'gossip', '--until', '-5s'], 'sim', /^vain: --until must be a positive duration .*, got -5s$/],
      [['sim', 'gossip', '--until', '0'], 'sim', /--until must be a positive duration/],
      [['sim', 'gossip', '--nodes'], 'sim', /--nodes needs a value \(N\)/],
      [['sim', 'gossip', '--nodes', '--json'], 'sim', /--nodes needs a value/],
      [['sim', 'gossip', '--bogus'], 'sim', /unknown flag '--bogus'/],
      [['sim', 'gossip', '--json=yes'], 'sim', /--json takes no value/],
      [['sim', 'gossip', '--seed', '1', '--seed', '2'], 'sim', /--seed is given twice/],
      [['check', 'gossip', '--runs', '-1'], 'check', /--runs must be a positive integer, got -1/],
      [['replay', 'gossip'], 'replay', /replay needs --seed/],
      [['bench', 'nope'], 'bench', /unknown benchmark 'nope'/],
      [['list', 'extra'], 'list', /unexpected argument 'extra'/],
      [['node', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--tier', '-1'], 'node', /--tier/],
    ]
    const results = await Promise.all(cases.map(([args]) => vainWith({ VAIN_PASSPHRASE: 'usage' }, [], ...args)))
    cases.forEach(([args, command, what], i) => expectUsageError(results[i]!, command, what, args.join(' ')))
  })

  it('one seed rule for every command: any non-empty text; an integer is a number', async () => {
    for (const command of ['sim', 'replay', 'check']) {
      expectUsageError(await vain(command, 'replication', '--seed', ''), command, /--seed must not be empty/)
    }
    const text = lastJson((await vain('sim', 'replication', '--seed', 'abc', '--json')).stdout)
    expect(text.seed).toBe('abc')
    expect(lastJson((await vain('sim', 'replication', '--seed', '-7', '--json')).stdout).seed).toBe(-7)
    const [a, b] = await Promise.all([vain('check', 'replication', '--runs', '3', '--seed', 'abc', '--json'), vain('check', 'replication', '--runs', '3', '--seed', 'abc', '--json')])
    expect(a.code, a.stderr).toBe(0)
    expect(lastJson(a.stdout)).toMatchObject({ ok: true, runs: 3, checkSeed: searchSeed('abc'), searched: expect.stringMatching(/^crashes, restarts, partitions/) })
    expect(b.stdout).toBe(a.stdout)
  })

  it('refuses --nodes beyond the heap limit up front, naming the limit and how to raise it', async () => {
    const result = await vainWith({ NODE_OPTIONS: '--max-old-space-size=256' }, [], 'sim', 'gossip', '--nodes', '100000')
    expectUsageError(result, 'sim', /--nodes 100000: scenario gossip needs about [\d.]+ GiB of heap/)
    expect(result.stderr).toMatch(/over this process's limit of [\d.]+ GiB/)
    expect(result.stderr).toMatch(/NODE_OPTIONS=--max-old-space-size=\d+/)
    // The limit is the process's own: a smaller heap refuses a smaller run.
    const small = await vainWith({ NODE_OPTIONS: '--max-old-space-size=64' }, [], 'sim', 'dht', '--nodes', '2000')
    expectUsageError(small, 'sim', /scenario dht needs about/)
    // More than the machine's memory: too large, with no heap advice the machine could not follow.
    const huge = await vain('sim', 'gossip', '--nodes', '1000000000')
    expectUsageError(huge, 'sim', /^vain: --nodes is too large: at most [\d,]+ \(the most that fit this machine's [\d.]+ GiB of memory, at 6 KiB a node\), got 1000000000$/)
  })

  it('vain list shows durations as people write them', async () => {
    const result = await vain('list')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/rotation .*\(default 8 nodes, 3y\)/)
    expect(result.stdout).toMatch(/gossip .*\(default 500 nodes, 1m\)/)
    expect(result.stdout).not.toMatch(/\d{5,}s\b/)
  })

  it('a bad --faults is one line naming the flag, the fault, the field and what it takes', async () => {
    const dir = tempDir('faults')
    const notJson = join(dir, 'not.json')
    writeFileSync(notJson, 'not json\n')
    const cases: [string, RegExp][] = [
      [`@${join(dir, 'missing.json')}`, /^vain: --faults @.*missing\.json: cannot read it: no such file$/],
      [`@${dir}`, /: cannot read it: it is a directory, not a file$/],
      ['@', /^vain: --faults @ needs a file name/],
      [`@${notJson}`, /^vain: --faults @.*not\.json: not valid JSON: Unexpected token/],
      ['[{"at":0}]', new RegExp(`^vain: --faults: fault 1 of 1 has no "kind" \\(expected one of ${FAULT_KINDS.join(', ')}\\)$`)],
      ['[{"at":0,"kind":"crash","node":"n1"},{"at":-1,"kind":"crash","node":"n1"}]', /^vain: --faults: fault 2 of 2 \(crash\): "at" must be a virtual time in ms from 0 to \d+ \(1000y\), got -1$/],
      ['[{"at":0,"kind":"partition","groups":"x"}]', /"groups" must be a list of groups of node names/],
      ['[{"at":1,"kind":"crash"}]', /^vain: --faults: fault 1 of 1 \(crash\) has no "node": it takes a node name/],
      ['[{"at":1e308,"kind":"crash","node":"n1"}]', /"at" must be a virtual time .*got 1e\+308$/],
      ['[{"at":7200000,"kind":"crash","node":"n1"}]', /^vain: --faults: fault 1 of 1 is at 2h, after --until 1m: it would never be injected$/],
    ]
    const results = await Promise.all(cases.map(([faults]) => vain('sim', 'gossip', '--faults', faults)))
    results.forEach((result, i) => expectUsageError(result, 'sim', cases[i]![1], cases[i]![0]))
  })

  it('--trace into a missing directory or onto a directory is one vain: line, exit status 2', async () => {
    const dir = tempDir('trace')
    const missing = join(dir, 'no-such-dir', 'trace.jsonl')
    expectUsageError(await vain('replay', 'replication', '--seed', '1', '--trace', missing), 'replay', /--trace .*: its directory does not exist$/)
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false)
    expectUsageError(await vain('replay', 'replication', '--seed', '1', '--trace', dir), 'replay', /--trace .*: it is a directory$/)
    expectUsageError(await vain('replay', 'replication', '--seed', '1', '--trace', ''), 'replay', /^vain: --trace needs a file name/)
    if (existsSync('/proc/self')) expectUsageError(await vain('replay', 'replication', '--seed', '1', '--trace', '/proc/vain-trace'), 'replay', /: no file can be created there$/)
  })
})
