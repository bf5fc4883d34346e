import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { vainWith } from './vain.fixtures.ts'

const HOOKS = pathToFileURL(join(import.meta.dirname, 'module-log.fixtures.mjs')).href
const ROOT = pathToFileURL(join(import.meta.dirname, '..', '..')).href
// The project's run-time packages but tsx (which runs the TypeScript): the modules of commands.
const PACKAGES = Object.keys((JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies).filter((name) => name !== 'tsx')

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Runs `vain …` with module hooks that log every module it loads; returns the project's and the packages' modules. */
async function modulesLoadedBy(...args: string[]): Promise<{ code: number; project: string[]; packages: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'vain-modules-'))
  dirs.push(dir)
  const log = join(dir, 'modules.txt')
  const register = `import { register } from 'node:module'; register(${JSON.stringify(HOOKS)}, { data: { file: ${JSON.stringify(log)} } })`
  const { code } = await vainWith({}, ['--import', `data:text/javascript,${encodeURIComponent(register)}`], ...args)
  const urls = readFileSync(log, 'utf8').trim().split('\n')
  const project = urls.filter((url) => url.startsWith(ROOT) && !url.includes('/node_modules/')).map((url) => url.slice(ROOT.length + 1))
  const packages = urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? [])
  return { code, project, packages: [...new Set(packages)] }
}

// The simulator, the actors, the transports and the runtime: what a command loads only when it runs.
const HEAVY = /^(sim|actors|transports|runtime|bench)\//

describe('vain start-up', () => {
  it('--help, --version and a command help load none of the simulator, actors, transports or packages', async () => {
    for (const args of [['--help'], ['--version'], ['sim', '--help'], ['check', '-h'], ['bench', '--help']]) {
      const { code, project, packages } = await modulesLoadedBy(...args)
      expect(code, args.join(' ')).toBe(0)
      expect(project).toContain('bin/cli/main.ts')
      expect(project.filter((path) => HEAVY.test(path)), args.join(' ')).toEqual([])
      expect(packages.filter((name) => PACKAGES.includes(name)), args.join(' ')).toEqual([])
    }
  })

  it('vain list loads the two catalogues and nothing of the simulator, the benchmarks or any package', async () => {
    const { code, project, packages } = await modulesLoadedBy('list')
    expect(code).toBe(0)
    expect(project).toEqual(expect.arrayContaining(['sim/scenarios/catalogue.ts', 'bench/catalogue.ts']))
    // sim/format.ts, the one duration rule, imports nothing: it is no part of the simulator's weight.
    expect(project.filter((path) => HEAVY.test(path) && !path.endsWith('/catalogue.ts') && path !== 'sim/format.ts')).toEqual([])
    expect(packages.filter((name) => PACKAGES.includes(name))).toEqual([])
  })

  it('a command loads its own modules when it runs (the hooks see them: the check above can fail)', async () => {
    const { code, project, packages } = await modulesLoadedBy('sim', 'replication', '--json')
    expect(code).toBe(0)
    expect(project).toContain('sim/scenarios/replication.ts')
    expect(packages).toContain('effect')
    // …and not another command's: sim loads no transport, no benchmark, no real-node runtime.
    expect(project.filter((path) => /^(transports|bench|runtime)\//.test(path))).toEqual([])
  })
})
