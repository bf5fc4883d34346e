#!/usr/bin/env node
// The `vain` command. Two ways to run, decided by what is next to this file:
// - a clone (bin/cli/main.ts is here): the TypeScript sources, through tsx (a devDependency), so an
//   edit runs at once and a dist/ left by an earlier `npm run build` is never run stale;
// - the installed package (`files` ships bin/vain.js and dist/, no sources): the built JavaScript in
//   dist/, with no tsx and no devDependency.
import { existsSync } from 'node:fs'

// A closed pipe (`vain replay ... | head`) ends the output, not the program with a stack trace.
const quietOnClosedPipe = (error) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(0)
}
process.stdout.on('error', quietOnClosedPipe)
process.on('uncaughtException', quietOnClosedPipe)

const source = new URL('./cli/main.ts', import.meta.url)
const { main } = existsSync(source) ? await fromSource(source) : await import('../dist/bin/cli/main.js')
process.exitCode = await main(process.argv.slice(2))

async function fromSource(url) {
  let register
  try {
    ;({ register } = await import('tsx/esm/api'))
  } catch (error) {
    if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
    console.error("vain: running from a clone needs its devDependencies (tsx): run 'npm ci', or install the package (docs/package.md)")
    process.exit(1)
  }
  register()
  return import(url.href)
}
