import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

/*
 * Temporary directories for tests, removed when the test file is done: a test that makes its own
 * with mkdtemp and forgets to remove it leaves one behind in the system temp dir on every run.
 */
const made: string[] = []
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh directory under the system temp dir named `vain-<label>-…`, removed after the test file. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vain-${label}-`))
  made.push(dir)
  return dir
}
