#!/usr/bin/env node
// The `vain` command. The project is TypeScript run directly through tsx (no build step), so this shim
// registers tsx's loader and hands over to the CLI.
import { register } from 'tsx/esm/api'

register()
// A closed pipe (`vain replay ... | head`) ends the output, not the program with a stack trace.
const quietOnClosedPipe = (error) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(0)
}
process.stdout.on('error', quietOnClosedPipe)
process.on('uncaughtException', quietOnClosedPipe)
const { main } = await import('./cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
