#!/usr/bin/env node
// The `vain` command. Two ways to run, decided by what is next to this file:
// - a clone (bin/cli/main.ts is here): the TypeScript sources, through tsx (a devDependency), so an
//   edit runs at once and a dist/ left by an earlier `npm run build` is never run stale;
// - the installed package (`files` ships bin/vain.js and dist/, no sources): the built JavaScript in
//   dist/, with no tsx and no devDependency.
import { existsSync } from 'node:fs'

// A failed write to stdout (or one that escaped main) ends the program with one line, never a stack
// trace: a closed pipe (`vain replay ... | head`) quietly with 0, a full disk or EIO with its own status.
// main's module brings the rule (bin/cli/write-failure.ts); until it is loaded nothing has been written.
let writeFailureExit = () => undefined
const onWriteFailure = (error) => {
  const exit = writeFailureExit(error)
  if (exit === undefined) throw error
  if (exit.line !== undefined) console.error(exit.line)
  process.exit(exit.status)
}
process.stdout.on('error', onWriteFailure)
process.on('uncaughtException', onWriteFailure)

const source = new URL('./cli/main.ts', import.meta.url)
const cli = existsSync(source) ? await fromSource(source) : await import('../dist/bin/cli/main.js')
writeFailureExit = cli.writeFailureExit
process.exitCode = await cli.main(process.argv.slice(2))

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
