import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// `npm run example <name>` runs examples/<name>/main.ts.
const name = process.argv[2]
const examples = readdirSync(fileURLToPath(new URL('.', import.meta.url)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
if (name === undefined || !examples.includes(name) || !existsSync(fileURLToPath(new URL(`./${name}/main.ts`, import.meta.url)))) {
  console.error(`usage: npm run example <name>   (examples: ${examples.join(', ')})`)
  process.exit(2)
}
await import(`./${name}/main.ts`)
