import { spawn } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DataDirLock } from '../../runtime/data-dir-lock.ts'
import { FileStorage } from '../../runtime/file-storage.ts'
import { NODE_EXIT } from './node-failure.ts'
import { VAIN } from './node-process.fixtures.ts'
import { nodeCommand } from './node.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'
const fresh = () => tempDir('node-store')
const nodeArgs = (dir: string) => ['--listen', '127.0.0.1:0', '--data-dir', dir, '--kdf', 'interactive']

/** A data dir whose store log was zeroed after `keys` keys (and the identity state) were synced. */
function zeroedStore(keys: number): string {
  const dir = fresh()
  const store = FileStorage.open(join(dir, 'store'))
  for (let i = 0; i < keys; i++) store.put(`k${i}`, Buffer.from(String(i)))
  store.put('identity/own', Buffer.from('epoch 3'))
  store.close()
  writeFileSync(join(dir, 'store', 'store.log'), Buffer.alloc(512))
  return dir
}

describe('vain node and its data dir', () => {
  let errors: string[]
  let lines: string[]
  beforeEach(() => {
    errors = []
    lines = []
    vi.stubEnv('VAIN_PASSPHRASE', 'p')
    vi.spyOn(console, 'error').mockImplementation((text: string) => void errors.push(text))
    vi.spyOn(console, 'log').mockImplementation((text: string) => void lines.push(text))
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
  })

  it('refuses a locked data dir in one line naming the holder, before creating the identity key file', async () => {
    const dir = fresh()
    const lock = DataDirLock.acquire(dir)
    expect(await nodeCommand(nodeArgs(dir))).toBe(NODE_EXIT.dataDir)
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^vain: ${dir} is in use by process ${process.pid} `))])
    expect(readdirSync(dir)).toEqual(['vain.lock'])
    lock.release()
  })

  it('refuses a damaged store in one line naming the file, the offset and --repair, and releases the lock', async () => {
    const dir = zeroedStore(3)
    expect(await nodeCommand(nodeArgs(dir))).toBe(NODE_EXIT.dataDir)
    expect(errors).toEqual([expect.stringContaining(`vain: ${join(dir, 'store', 'store.log')} is damaged at byte 0 of 512`)])
    expect(errors[0]).toContain(`vain node --data-dir ${dir} --repair`)
    expect(existsSync(join(dir, 'identity.key'))).toBe(false)
    DataDirLock.acquire(dir).release()
  })

  it('--repair salvages the store, says what it kept and where the original went, and the node state opens', async () => {
    const dir = zeroedStore(3)
    expect(await nodeCommand(['--data-dir', dir, '--repair'])).toBe(0)
    const log = join(dir, 'store', 'store.log')
    expect(lines).toEqual([
      `${log}: kept 0 records (0 keys), skipped 512 bytes in 1 damaged region; the original is at ${log}.damaged`,
      `${join(dir, 'store', 'atomic.state')}: verifies (1 record, 1 key); left as it is`,
    ])
    expect(FileStorage.open(join(dir, 'store')).keys()).toEqual(['identity/own'])
    expect(existsSync(join(dir, 'vain.lock'))).toBe(false)
  })

  it('--repair refuses a locked data dir', async () => {
    const dir = zeroedStore(1)
    const lock = DataDirLock.acquire(dir)
    expect(await nodeCommand(['--data-dir', dir, '--repair'])).toBe(NODE_EXIT.dataDir)
    expect(errors[0]).toContain(`in use by process ${process.pid}`)
    lock.release()
  })
})

describe('two vain node processes on one data dir', () => {
  it('the second refuses, naming the first one\'s pid', async () => {
    const dir = fresh()
    const env = { ...process.env, VAIN_PASSPHRASE: 'p' }
    const first = spawn(process.execPath, [VAIN, 'node', ...nodeArgs(dir)], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let second: ReturnType<typeof spawn> | undefined
    try {
      await new Promise<void>((resolve, reject) => {
        first.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve())
        first.once('exit', (code) => reject(new Error(`the first node exited with ${code}`)))
      })
      second = spawn(process.execPath, [VAIN, 'node', ...nodeArgs(dir)], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      second.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const code = await new Promise((resolve) => second!.once('exit', resolve))
      expect(code).toBe(NODE_EXIT.dataDir)
      expect(stderr).toMatch(new RegExp(`^vain: ${dir} is in use by process ${first.pid} `))
    } finally {
      first.kill('SIGKILL')
      second?.kill('SIGKILL') // a second node that ran (the bug) must not outlive the test
    }
  }, 120_000)
})
