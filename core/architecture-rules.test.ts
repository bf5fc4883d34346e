import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/*
 * The rules of docs/architecture.md, checked over the source tree (tests and test fixtures excepted):
 * which folder may import which, and that nothing reads the clock, arms a timer, draws OS or Math
 * randomness, or touches the disk outside runtime/, the real-runtime pieces. A line elsewhere that
 * must (a transport's wall-clock rate limit) carries a `real-runtime:` comment saying why.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CHECKED = ['core', 'actors', 'transports', 'runtime', 'sim'] as const

/** Which top folders each folder may import from (itself included). */
const MAY_IMPORT: Readonly<Record<(typeof CHECKED)[number], readonly string[]>> = {
  core: ['core'],
  transports: ['core', 'transports'],
  actors: ['core', 'actors'],
  runtime: ['core', 'runtime'],
  sim: ['core', 'actors', 'transports', 'sim'],
}

/** The real-runtime pieces: the clock, the OS random source, the disk are their job. */
const RUNTIME = 'runtime'

// Any reference, not only a call: an alias (`const later = setTimeout`) is caught where it is made.
const BANNED: readonly [RegExp, string][] = [
  [/\b(Date\.now|performance\.now|process\.hrtime)\b|\bnew Date\b|(?<![.\w])Date\(/, 'the wall clock'],
  [/\bMath\.random\b/, 'Math.random'],
  // An object key of that name (`{ setTimeout: … }`, the xstate clock adapter) defines, not uses, one.
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b(?!\s*:)|\bprocess\.nextTick\b/, 'a timer'],
  [/\b(randomBytes|randomUUID|randomInt|randomFill|randomFillSync|getRandomValues|randombytes_buf|randombytes_random)\b/, 'OS randomness'],
]

/**
 * Node's built-in modules a folder outside runtime/ and transports/ may import: `node:crypto` for pure
 * functions (core/keys.ts's HMAC; its random functions are banned above). Everything else of Node (the
 * disk, processes, sockets, threads, the OS) is the runtime's or a transport's.
 */
const PURE_BUILTINS = new Set(['node:crypto'])
/** Transports are real I/O by nature, but not the disk. */
const NO_DISK = new Set(['node:fs', 'node:fs/promises'])

/** Every module specifier in `code`: static and dynamic imports, re-exports, require, either quote. */
function specifiers(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g)].map((m) => m[2]!)
}

/** `node:x` for a built-in module however it is named (`fs`, `node:fs`, `fs/promises`), else undefined. */
function builtin(specifier: string): string | undefined {
  const bare = specifier.replace(/^node:/, '')
  return builtinModules.includes(bare) || builtinModules.includes(bare.split('/')[0]!) ? `node:${bare}` : undefined
}

/** Tests, their fixtures and compliance suites (which wait on the wall clock), and type declarations. */
const TEST_SUPPORT = ['.test.ts', '.fixtures.ts', '.suite.ts', '.d.ts']

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !TEST_SUPPORT.some((suffix) => entry.name.endsWith(suffix)) ? [path] : []
  })
}

// Code without its comments (a comment may name what the code must not do), line by line.
function codeLines(text: string): string[] {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ''))
    .split('\n')
    .map((line) => (line.includes('real-runtime:') ? '' : line.replace(/\/\/.*$/, '')))
}

const files = CHECKED.flatMap((dir) => sources(dir))

/** A source file's code without its comments. */
function code(file: string): string {
  return codeLines(readFileSync(join(ROOT, file), 'utf8')).join('\n')
}

describe('architecture rules (docs/architecture.md)', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(50)
    expect(files).toContain('runtime/node-runtime.ts')
  })

  it('imports point one way: core imports nothing of the project; transports, actors and runtime import core only', () => {
    const broken: string[] = []
    for (const file of files) {
      const top = file.split('/')[0] as (typeof CHECKED)[number]
      for (const target of specifiers(code(file)).filter((s) => s.startsWith('.'))) {
        const imported = relative(ROOT, resolve(ROOT, dirname(file), target)).split('/')[0]!
        if (!MAY_IMPORT[top].includes(imported)) broken.push(`${file} imports ${target} (${top} may import ${MAY_IMPORT[top].join(', ')})`)
      }
    }
    expect(broken).toEqual([])
  })

  it('nothing outside runtime/ reads the clock, arms a timer, draws OS randomness, or imports the disk or other OS modules', () => {
    const broken: string[] = []
    for (const file of files) {
      if (file.startsWith(`${RUNTIME}/`)) continue
      const top = file.split('/')[0]
      for (const module of specifiers(code(file)).map(builtin)) {
        if (module === undefined) continue
        const allowed = top === 'transports' ? !NO_DISK.has(module) : PURE_BUILTINS.has(module)
        if (!allowed) broken.push(`${file} imports ${module}`)
      }
      codeLines(readFileSync(join(ROOT, file), 'utf8')).forEach((line, i) => {
        for (const [pattern, what] of BANNED) if (pattern.test(line)) broken.push(`${file}:${i + 1} uses ${what} without a real-runtime: reason`)
      })
    }
    expect(broken).toEqual([])
  })

  it('production code imports no test support (tests, fixtures, suites) and no devDependency: the CLI and the package run without them', () => {
    const devDependencies = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies ?? {})
    const production = [...CHECKED, 'bin', 'bench', 'examples'].flatMap((dir) => sources(dir))
    const broken: string[] = []
    for (const file of production) {
      for (const target of specifiers(code(file))) {
        const support = TEST_SUPPORT.some((suffix) => target.endsWith(suffix))
        const dev = devDependencies.some((name) => target === name || target.startsWith(`${name}/`))
        if (support || dev) broken.push(`${file} imports ${target}`)
      }
    }
    expect(production.length).toBeGreaterThan(files.length)
    expect(broken).toEqual([])
  })

  it('covers every source folder: in the rules, the typecheck and the test run (a new folder cannot slip past them)', () => {
    const wiring = ['bin', 'bench', 'examples']
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules' && sources(entry.name).length > 0)
      .map((entry) => entry.name)
    expect(folders.filter((folder) => !(CHECKED as readonly string[]).includes(folder) && !wiring.includes(folder))).toEqual([])
    const typechecked: string[] = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).include
    const tested = readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8')
    for (const folder of folders) {
      expect(typechecked, `tsconfig.json includes ${folder}`).toContain(folder)
      expect(tested, `vitest.config.ts includes ${folder}`).toMatch(new RegExp(`[{,]${folder}[,}]`))
    }
  })

  it('would catch a break: clock reads, timers and OS randomness in any form, imports in any form, OS modules', () => {
    const flagged = (line: string) => BANNED.some(([pattern]) => pattern.test(codeLines(line)[0]!))
    for (const line of [
      'const t = Date.now()',
      'const d = Date()',
      'const d = new Date',
      'const [s] = process.hrtime()',
      'const later = setTimeout',
      'globalThis.setTimeout (f, 1)',
      'queueMicrotask(f)',
      'process.nextTick(f)',
      'crypto.randomInt(6)',
      'randomFillSync(buffer)',
      'const x = Math.random',
    ]) {
      expect(flagged(line), line).toBe(true)
    }
    for (const line of ['const clock = { setTimeout: (f, ms) => ctx.setTimer(ms, f) }', 'const t = Date.now() // real-runtime: why', '// Date.now() is banned here', 'ctx.setTimer(0, tag)', 'this.updatedAt(x)', 'ctx.random.int(6)']) expect(flagged(line), line).toBe(false)
    const imported = (text: string) => specifiers(text)
    expect(imported(`import * as fs from "node:fs"`)).toEqual(['node:fs'])
    expect(imported(`const fs = await import('node:fs/promises')`)).toEqual(['node:fs/promises'])
    expect(imported(`export { x } from "../actors/x.ts"\nconst y = require('fs')`)).toEqual(['../actors/x.ts', 'fs'])
    expect(['fs', 'node:fs/promises', 'child_process', 'node:os'].map(builtin)).toEqual(['node:fs', 'node:fs/promises', 'node:child_process', 'node:os'])
    expect(builtin('effect')).toBeUndefined()
    expect(MAY_IMPORT.core.includes('actors')).toBe(false)
  })
})
