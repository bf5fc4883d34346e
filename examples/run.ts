import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// `npm run example <name>` runs examples/<name>/main.ts.
const name = process.argv[2]
// Only folders with a main.ts are examples to run (examples/package is the package's test).
const examples = readdirSync(fileURLToPath(new URL('.', import.meta.url)), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(fileURLToPath(new URL(`./${d.name}/main.ts`, import.meta.url))))
  .map((d) => d.name)
if (name === undefined || !examples.includes(name)) {
  console.error(`usage: npm run example <name>   (examples: ${examples.join(', ')})`)
  process.exit(2)
}
await import(`./${name}/main.ts`)
