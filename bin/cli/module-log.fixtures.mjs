// Module hooks for bin/cli/startup.test.ts: every module URL the process loads is appended, one a line,
// to the file named in initialize's data. Registered with node:module's register() through --import.
import { appendFileSync } from 'node:fs'

let file

export function initialize(data) {
  file = data.file
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`)
  return nextLoad(url, context)
}
