import { readdirSync, readFileSync } from 'node:fs'
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

const BANNED: readonly [RegExp, string][] = [
  [/\bDate\.now\(/, 'the wall clock'],
  [/\bnew Date\(\)/, 'the wall clock'],
  [/\bperformance\.now\(/, 'the wall clock'],
  [/\bMath\.random\(/, 'Math.random'],
  [/\b(setTimeout|setInterval|setImmediate)\(/, 'a timer'],
  [/\b(randomBytes|randomUUID|getRandomValues|randombytes_buf|randombytes_random)\(/, 'OS randomness'],
  [/from 'node:fs'|from 'fs'|require\('fs'\)/, 'the disk'],
]

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

describe('architecture rules (docs/architecture.md)', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(50)
    expect(files).toContain('runtime/node-runtime.ts')
  })

  it('imports point one way: core imports nothing of the project; transports, actors and runtime import core only', () => {
    const broken: string[] = []
    for (const file of files) {
      const top = file.split('/')[0] as (typeof CHECKED)[number]
      for (const [, target] of readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s+|\bimport\()'(\.[^']+)'/g)) {
        const imported = relative(ROOT, resolve(ROOT, dirname(file), target!)).split('/')[0]!
        if (!MAY_IMPORT[top].includes(imported)) broken.push(`${file} imports ${target} (${top} may import ${MAY_IMPORT[top].join(', ')})`)
      }
    }
    expect(broken).toEqual([])
  })

  it('nothing outside runtime/ reads the clock, arms a timer, draws OS randomness or touches the disk', () => {
    const broken: string[] = []
    for (const file of files) {
      if (file.startsWith(`${RUNTIME}/`)) continue
      codeLines(readFileSync(join(ROOT, file), 'utf8')).forEach((line, i) => {
        for (const [pattern, what] of BANNED) if (pattern.test(line)) broken.push(`${file}:${i + 1} uses ${what} without a real-runtime: reason`)
      })
    }
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

  it('would catch a break: an unmarked clock read and a backwards import are reported', () => {
    expect(BANNED.some(([pattern]) => pattern.test(codeLines('const t = Date.now()')[0]!))).toBe(true)
    expect(BANNED.some(([pattern]) => pattern.test(codeLines('const t = Date.now() // real-runtime: why')[0]!))).toBe(false)
    expect(BANNED.some(([pattern]) => pattern.test(codeLines('// Date.now() is banned here')[0]!))).toBe(false)
    expect(MAY_IMPORT.core.includes('actors')).toBe(false)
  })
})
