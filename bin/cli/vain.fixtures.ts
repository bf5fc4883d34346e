import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** bin/vain.js, the `vain` command as users run it. */
export const VAIN = join(import.meta.dirname, '..', 'vain.js')

export interface VainResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `vain …` in a child process (VAIN_PASSPHRASE empty unless `env` sets it) and returns its exit status and output. */
export async function vainWith(env: Record<string, string>, nodeFlags: readonly string[], ...args: string[]): Promise<VainResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeFlags, VAIN, ...args], { env: { ...process.env, VAIN_PASSPHRASE: '', ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

export async function vain(...args: string[]): Promise<VainResult> {
  return vainWith({}, [], ...args)
}
