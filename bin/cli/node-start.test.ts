import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tempDir } from '../../core/temp-dir.fixtures.ts'
import { DataDirLock } from '../../runtime/data-dir-lock.ts'
import { nodeCommand } from './node.ts'
import { NODE_EXIT } from './node-failure.ts'

// A VainNode whose start throws, as a component that cannot read its state would.
vi.mock('../../actors/node/vain-node.ts', async (original) => {
  const real = await original<typeof import('../../actors/node/vain-node.ts')>()
  class FailingNode extends real.VainNode {
    override start(): void {
      throw new Error('records cannot read their state')
    }
  }
  return { ...real, VainNode: FailingNode }
})

describe('vain node whose actor throws in start', () => {
  let errors: string[]
  beforeEach(() => {
    errors = []
    vi.stubEnv('VAIN_PASSPHRASE', 'p')
    vi.spyOn(console, 'error').mockImplementation((text: string) => void errors.push(text))
    vi.spyOn(console, 'log').mockImplementation(() => {})
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
  })

  it('exits with NODE_EXIT.startFailed and one `vain: …` line naming the cause, and releases the data dir', async () => {
    const dir = tempDir('node-start')
    expect(await nodeCommand(['--listen', '127.0.0.1:0', '--data-dir', dir, '--kdf', 'interactive'])).toBe(NODE_EXIT.startFailed)
    expect(errors).toEqual(['vain: the node did not start: its actor threw in start: records cannot read their state'])
    DataDirLock.acquire(dir).release() // the lock was released: it can be taken again
  }, 30_000)
})
