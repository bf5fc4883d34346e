import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { VAIN } from './vain.fixtures.ts'
import { EXIT_WRITE_FAILED, writeFailureExit } from './write-failure.ts'

// /dev/full refuses every write with ENOSPC: a full disk on demand (Linux).
const FULL = '/dev/full'

/** Runs `vain …` with stdout on `stdoutPath` (opened for writing); its exit status and stderr. */
function vainTo(stdoutPath: string, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(stdoutPath, 'w')
  const child = spawn(process.execPath, [VAIN, ...args], { stdio: ['ignore', fd, 'pipe'] })
  closeSync(fd)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })))
}

describe.skipIf(!existsSync(FULL))('vain: output that cannot be written', () => {
  it.each([
    [['--help'], 'the output'],
    [['sim', 'gossip', '--nodes', '30', '--json'], 'the output'],
    [['replay', 'gossip', '--seed', '1', '--nodes', '30'], 'the trace to stdout'],
  ])('vain %j > /dev/full is one line, exit status EXIT_WRITE_FAILED', async (args, what) => {
    const result = await vainTo(FULL, ...args)
    expect(result).toEqual({ code: EXIT_WRITE_FAILED, stderr: `vain: cannot write ${what}: no space left on the device\n` })
  })

  it('a --trace file that refuses writes is one line naming it, exit status EXIT_WRITE_FAILED', async () => {
    const result = await vainTo('/dev/null', 'replay', 'gossip', '--seed', '1', '--nodes', '30', '--trace', FULL)
    expect(result).toEqual({ code: EXIT_WRITE_FAILED, stderr: `vain: cannot write the trace to ${FULL}: no space left on the device\n` })
  })
})

describe('writeFailureExit', () => {
  it('a closed pipe is quiet with 0; other write errors a line; anything else is not its business', () => {
    expect(writeFailureExit(Object.assign(new Error('x'), { code: 'EPIPE', syscall: 'write' }))).toEqual({ status: 0 })
    expect(writeFailureExit(Object.assign(new Error('x'), { code: 'EIO', syscall: 'write' }))).toEqual({
      line: 'vain: cannot write the output: an input/output error (the device refused the write)',
      status: EXIT_WRITE_FAILED,
    })
    expect(writeFailureExit(Object.assign(new Error('x'), { code: 'EWHAT', syscall: 'write' }))?.line).toBe('vain: cannot write the output: write failed (EWHAT)')
    expect(writeFailureExit(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open' }))).toBeUndefined()
    expect(writeFailureExit(new TypeError('a bug'))).toBeUndefined()
  })
})
