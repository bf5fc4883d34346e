import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/*
 * The package as a user gets it: `npm pack` (which builds dist/), the tarball installed into an empty
 * project, and there a strict type-check of examples/package/consumer/ and a run of it, importing
 * only through the `exports` map: the Pinger of docs/actors.md in the simulator, by hand and over ws
 * between two NodeRuntimes, a compute job on a worker thread, every entry loaded; then the `vain`
 * command of the installed package, without tsx or any devDependency.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CONSUMER = join(ROOT, 'examples/package/consumer')
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types: string; default: string }> }
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc')
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
const NODE_TYPES_VERSION = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@types/node/package.json'), 'utf8')).version as string
/** Packing, an install (from npm's cache where it can), a type-check and the runs: ~20 s here; generous for a loaded machine. */
const SETUP_TIMEOUT_MS = 300_000
/** Entries that register vitest tests when loaded: the consumer type-checks them, but loads them only under vitest. */
const VITEST_ONLY = (subpath: string) => subpath.endsWith('/vitest')
/**
 * What the package must never ship: sources (declarations aside), tests, the build's config.
 */
const NOT_SHIPPED = [/(?<!\.d)\.ts$/, /\.test\./, /^tsconfig/]

interface Ran {
  readonly code: number | null
  readonly out: string
}

function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', fail)
    child.on('close', (code) => done({ code, out }))
  })
}

const subpaths = Object.keys(PACKAGE.exports).filter((subpath) => subpath !== './package.json')
const specifier = (subpath: string) => `${PACKAGE.name}${subpath.slice(1)}`

/** One import per entry of the exports map, so that a missing file or declaration fails the check. */
function entriesModule(): string {
  const lines = subpaths.map((subpath, i) => (VITEST_ONLY(subpath) ? `import type * as e${i} from '${specifier(subpath)}'\nexport type TypeOnly${i} = typeof e${i}` : `import * as e${i} from '${specifier(subpath)}'`))
  const loaded = subpaths.flatMap((subpath, i) => (VITEST_ONLY(subpath) ? [] : [`'${specifier(subpath)}': e${i}`]))
  return `${lines.join('\n')}\nexport const entries: Record<string, object> = { ${loaded.join(', ')} }\n`
}

/** A consumer's vitest file: the package's storage contract over its own MemoryStorage, and the transport suite over MemoryNetwork. */
const SUITES_TEST = `import { MemoryStorage } from '${PACKAGE.name}/core'
import { storageContract, transportCompliance } from '${PACKAGE.name}/testing/vitest'
import { MemoryNetwork } from '${PACKAGE.name}/transports'
storageContract((limits) => {
  const storage = new MemoryStorage(limits)
  return { storage, crash: () => (storage.crash(), storage), dispose: () => {} }
}, 20)
transportCompliance('memory', () => {
  const network = new MemoryNetwork()
  return { make: async (signer, limits) => network.transport(signer, limits, 'localhost') }
})
`

describe('the packed package, installed into an empty project', () => {
  let work: string
  let app: string
  const hadDist = existsSync(join(ROOT, 'dist'))
  let shipped: string[] = []
  let typecheck: Ran
  let program: Ran

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vain-package-'))
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], ROOT)
    expect(packed.code, packed.out).toBe(0)
    const [tarball] = JSON.parse(packed.out.slice(packed.out.indexOf('['))) as { filename: string; files: { path: string }[] }[]
    shipped = tarball!.files.map((file) => file.path)
    app = join(work, 'app')
    cpSync(CONSUMER, app, { recursive: true })
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    writeFileSync(join(app, 'entries.ts'), entriesModule())
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!.filename), `@types/node@${NODE_TYPES_VERSION}`], app)
    expect(installed.code, installed.out).toBe(0)
    typecheck = await run(process.execPath, [TSC, '-p', '.'], app)
    program = typecheck.code === 0 ? await run(process.execPath, ['out/main.js'], app) : { code: null, out: 'not run: the type-check failed' }
  }, SETUP_TIMEOUT_MS)

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
    if (!hadDist) rmSync(join(ROOT, 'dist'), { recursive: true, force: true })
  })

  it('ships the built entries, their declarations, the command and the licence, and no sources or tests', () => {
    const targets = subpaths.flatMap((subpath) => Object.values(PACKAGE.exports[subpath]!).map((path) => path.replace(/^\.\//, '')))
    expect(targets.filter((path) => !shipped.includes(path))).toEqual([])
    expect(shipped).toEqual(expect.arrayContaining(['LICENSE', 'package.json', 'bin/vain.js', 'dist/bin/cli/main.js', 'dist/runtime/compute-worker.js']))
    expect(shipped.filter((path) => NOT_SHIPPED.some((pattern) => pattern.test(path)))).toEqual([])
  })

  it('installs without tsx, typescript or vitest', () => {
    const installed = readdirSync(join(app, 'node_modules'))
    expect(installed).toContain(PACKAGE.name)
    expect(installed.filter((name) => ['tsx', 'typescript', 'vitest', 'esbuild'].includes(name))).toEqual([])
  })

  it("type-checks a strict consumer (skipLibCheck off) that imports every entry of the exports map", () => {
    expect(typecheck.out).toBe('')
    expect(typecheck.code).toBe(0)
  })

  it('runs the Pinger in the simulator, deterministically, and reads its state after the run', () => {
    expect(program.code, program.out).toBe(0)
    const { sim, again, manual } = JSON.parse(program.out)
    expect(sim.pongs).toBeGreaterThan(10) // 60 s of pings every second, on the default lossy network
    expect(again).toBe(sim.traceHash)
    expect(sim.doubled).toEqual({ ok: true, value: 42 })
    expect(manual.sent).toEqual(['b'])
  })

  it('runs it over ws between two NodeRuntimes on loopback, and a compute job on a worker thread', () => {
    expect(program.code, program.out).toBe(0)
    const { ws } = JSON.parse(program.out)
    expect(ws.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/)
    expect(ws.pongs).toBeGreaterThanOrEqual(3)
    expect(ws.doubled).toEqual({ ok: true, value: 42 })
    expect(ws.faults).toEqual([])
  })

  it('loads every entry of the exports map, each with exports of its own', () => {
    expect(program.code, program.out).toBe(0)
    const { loaded } = JSON.parse(program.out) as { loaded: Record<string, number> }
    expect(Object.keys(loaded)).toEqual(subpaths.filter((subpath) => !VITEST_ONLY(subpath)).map(specifier))
    expect(Object.entries(loaded).filter(([, count]) => count === 0)).toEqual([])
  })

  it('runs the compliance suites of vain/testing/vitest under the consumer\'s vitest', async () => {
    // vitest is the consumer's own (an optional peer of the package): this checkout's, linked in, not a second install.
    symlinkSync(dirname(VITEST), join(app, 'node_modules/vitest'), 'dir')
    writeFileSync(join(app, 'suites.test.js'), SUITES_TEST)
    const suites = await run(process.execPath, [VITEST, 'run', '--root', app, 'suites.test.js'], app)
    expect(suites.code, suites.out).toBe(0)
    const passed = /Tests\s+(\d+) passed/.exec(suites.out.replace(/\x1b\[[0-9;]*m/g, ''))
    expect(Number(passed?.[1])).toBeGreaterThan(10) // the storage contract's and the transport suite's tests, not an empty run
  })

  it('refuses a deep import past the exports map', async () => {
    const deep = await run(process.execPath, ['--input-type=module', '-e', `await import('${PACKAGE.name}/dist/core/actor.js')`], app)
    expect(deep.code).not.toBe(0)
    expect(deep.out).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED')
  })

  it('runs the vain command from the built JavaScript', async () => {
    const vain = join(app, 'node_modules/.bin/vain')
    expect((await run(vain, ['--version'], app)).out).toMatch(/^vain \d+\.\d+\.\d+/) // dist/bin/cli/ is a level deeper than bin/cli/
    const list = await run(vain, ['list'], app)
    expect(list.code, list.out).toBe(0)
    expect(list.out).toContain('gossip')
    const sim = await run(vain, ['sim', 'gossip', '--seed', '1', '--nodes', '50', '--json'], app)
    expect(sim.code, sim.out).toBe(0)
    expect(() => JSON.parse(sim.out.trim().split('\n').at(-1)!)).not.toThrow() // --json: the last line is the summary
  })
})
