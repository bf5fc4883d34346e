import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataDirLock, LOCK_FILE } from './data-dir-lock.ts'
import { StorageError } from './storage-error.ts'
import { tempDir } from '../core/temp-dir.fixtures.ts'

const fresh = () => tempDir('lock')

function refusal(dir: string): StorageError {
  try {
    DataDirLock.acquire(dir).release()
  } catch (error) {
    if (error instanceof StorageError) return error
    throw error
  }
  throw new Error('expected the lock to be refused')
}

// The pid of a process that has exited (and been reaped), so it is not alive.
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!

describe('DataDirLock', () => {
  it('is exclusive within a process, names the holder, and is free again once released', () => {
    const dir = fresh()
    const lock = DataDirLock.acquire(dir)
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\n[0-9a-f]{32}\n$`))
    const error = refusal(dir)
    expect(error).toMatchObject({ reason: 'locked', pid: process.pid, path: join(dir, LOCK_FILE) })
    expect(error.message).toContain(`in use by process ${process.pid}`)
    lock.release()
    lock.release()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
    DataDirLock.acquire(dir).release()
  })

  it('refuses while another live process holds it, and takes it over once that process is killed with SIGKILL', async () => {
    const dir = fresh()
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { DataDirLock } from ${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)}
      DataDirLock.acquire(${JSON.stringify(dir)})
      console.log('locked')
      setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()))
    expect(refusal(dir)).toMatchObject({ reason: 'locked', pid: holder.pid })
    const exited = new Promise((resolve) => holder.once('exit', resolve))
    holder.kill('SIGKILL')
    await exited // reaped: its pid is no longer alive
    const lock = DataDirLock.acquire(dir)
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\n[0-9a-f]{32}\n$`))
    lock.release()
  }, 60_000)

  it('takes over a lock naming its own pid that it does not hold: an earlier process with the same pid left it', () => {
    // A container's PID 1, restarted after kill -9, finds its own pid in the lock it left.
    const dir = fresh()
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n${'ab'.repeat(16)}\n`)
    const lock = DataDirLock.acquire(dir)
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).not.toContain('ab'.repeat(16))
    expect(refusal(dir)).toMatchObject({ reason: 'locked', pid: process.pid }) // but what it holds, it holds
    lock.release()
  })

  it('is one lock however the directory is reached: by a symlink or a relative path', () => {
    const dir = fresh()
    const lock = DataDirLock.acquire(dir)
    const link = join(fresh(), 'link')
    symlinkSync(dir, link)
    expect(refusal(link)).toMatchObject({ reason: 'locked', pid: process.pid })
    expect(refusal(relative(process.cwd(), dir))).toMatchObject({ reason: 'locked', pid: process.pid })
    lock.release()
  })

  it('takes over a stale lock and removes the temporaries a killed process left', () => {
    const dir = fresh()
    const dead = deadPid()
    writeFileSync(join(dir, LOCK_FILE), `${dead}\n`)
    writeFileSync(join(dir, `${LOCK_FILE}.${dead}`), `${dead}\n`)
    writeFileSync(join(dir, `${LOCK_FILE}.stale.${dead}`), `${dead}\n`)
    const lock = DataDirLock.acquire(dir)
    expect(readdirSync(dir)).toEqual([LOCK_FILE])
    lock.release()
  })

  it('lets exactly one of several processes racing over a stale lock win', async () => {
    const dir = fresh()
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`)
    const racers = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
        import { DataDirLock } from ${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)}
        try { DataDirLock.acquire(${JSON.stringify(dir)}); console.log('won') } catch (error) { console.log(error.reason) }
        setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] }),
    )
    const outcomes = await Promise.all(racers.map((racer) => new Promise<string>((resolve) => racer.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())))))
    for (const racer of racers) racer.kill('SIGKILL')
    expect(outcomes.sort()).toEqual(['locked', 'locked', 'locked', 'won'])
  }, 60_000)

  it('refuses a lock file that names no process, rather than guess', () => {
    const dir = fresh()
    writeFileSync(join(dir, LOCK_FILE), 'not a pid')
    expect(refusal(dir).message).toContain('names no process')
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('not a pid')
  })

  it('releases only its own lock file', () => {
    const dir = fresh()
    const lock = DataDirLock.acquire(dir)
    rmSync(join(dir, LOCK_FILE))
    const other = DataDirLock.acquire(dir) // as if an operator removed ours and another process locked
    lock.release()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true)
    other.release()
  })
})
