import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.ts'
import { KeyFileError } from '../../runtime/sealed-seed-file.ts'
import { StorageError } from '../../runtime/storage-error.ts'
import { NODE_EXIT, startupFailure } from './node-failure.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'

// The error a real call throws.
function thrownBy(call: () => unknown): unknown {
  try {
    call()
  } catch (error) {
    return error
  }
  throw new Error('the call did not throw')
}

// A system error as Node builds one (code, syscall, and what it was about).
function systemError(fields: { code: string; syscall: string; path?: string; address?: string; port?: number }): Error {
  return Object.assign(new Error(`${fields.syscall} ${fields.code}`), fields)
}

describe('startupFailure', () => {
  it('names the data dir by its flag, and any other path by the path, from real fs errors', () => {
    const dir = tempDir('failure')
    const file = join(dir, 'file')
    writeFileSync(file, '')
    expect(startupFailure(thrownBy(() => mkdirSync(file, { recursive: true })), file)).toEqual({
      message: `cannot use --data-dir ${file}: it is a file, not a directory`,
      status: NODE_EXIT.usage,
    })
    expect(startupFailure(thrownBy(() => mkdirSync(join(file, 'sub'), { recursive: true })), join(file, 'sub'))).toEqual({
      message: `cannot use --data-dir ${join(file, 'sub')}: part of the path is a file, not a directory`,
      status: NODE_EXIT.usage,
    })
    // A read of a directory fails on its descriptor: Node gives no path, so the call is named.
    expect(startupFailure(thrownBy(() => readFileSync(dir)), dir)).toEqual({ message: 'cannot read: it is a directory, where a file belongs', status: NODE_EXIT.usage })
  })

  it('gives each kind of failure its exit status', () => {
    const dir = '/srv/vain'
    expect(startupFailure(new StorageError('locked', `${dir} is in use by process 7`, `${dir}/vain.lock`, undefined, 7), dir)?.status).toBe(NODE_EXIT.dataDir)
    const damaged = startupFailure(new StorageError('damaged', 'store.log is damaged at byte 0 of 512', `${dir}/store/store.log`, 0), dir)
    expect(damaged).toEqual({ message: expect.stringContaining(`\`vain node --data-dir ${dir} --repair\``), status: NODE_EXIT.dataDir })
    expect(startupFailure(new KeyFileError('corrupt', 'not a key file'), dir)?.status).toBe(NODE_EXIT.dataDir)
    expect(startupFailure(new KeyFileError('wrong-passphrase', 'cannot unseal'), dir)).toEqual({ message: expect.stringContaining('VAIN_PASSPHRASE'), status: NODE_EXIT.usage })
    expect(startupFailure(new KeyFileError('missing', 'cannot read key file'), dir)?.status).toBe(NODE_EXIT.usage)
    expect(startupFailure(new ConfigError('bad'), dir)).toEqual({ message: 'bad', status: NODE_EXIT.usage })
    expect(startupFailure(systemError({ code: 'EACCES', syscall: 'listen', address: '0.0.0.0', port: 80 }), dir)).toEqual({
      message: 'cannot listen on 0.0.0.0:80 (--listen): not permitted (ports below 1024 need privileges)',
      status: NODE_EXIT.usage,
    })
    expect(startupFailure(systemError({ code: 'EACCES', syscall: 'open', path: dir }), dir)).toEqual({ message: `cannot use --data-dir ${dir}: permission denied`, status: NODE_EXIT.usage })
    expect(startupFailure(systemError({ code: 'ENOSPC', syscall: 'write', path: `${dir}/store/store.log` }), dir)).toEqual({
      message: `cannot use ${dir}/store/store.log: no space left on the device`,
      status: NODE_EXIT.system,
    })
    expect(startupFailure(systemError({ code: 'EMFILE', syscall: 'open', path: `${dir}/x` }), dir)).toEqual({ message: `cannot use ${dir}/x: open failed (EMFILE)`, status: NODE_EXIT.system })
    expect(startupFailure(systemError({ code: 'EADDRINUSE', syscall: 'listen', address: '::1', port: 7000 }), dir)?.message).toContain('[::1]:7000')
  })

  it('leaves a bug (an error of no known kind) to propagate', () => {
    expect(startupFailure(new TypeError('x is undefined'), '/d')).toBeUndefined()
    expect(startupFailure('a string', '/d')).toBeUndefined()
    expect(startupFailure(Object.assign(new Error('no syscall'), { code: 'ERR_SOMETHING' }), '/d')).toBeUndefined()
  })

  it('any system error is one line, with EADDRINUSE and only it exiting NODE_EXIT.inUse', () => {
    const line = fc.string({ minLength: 1 }).filter((s) => !s.includes('\n'))
    fc.assert(
      fc.property(
        fc.constantFrom('EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'EPERM', 'ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOSPC', 'EIO', 'EMFILE', 'ENOTFOUND', 'EAI_AGAIN'),
        fc.constantFrom('listen', 'bind', 'getaddrinfo', 'open', 'mkdir', 'write', 'fsync', 'rename'),
        fc.option(line, { nil: undefined }),
        fc.option(line, { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 65_535 }), { nil: undefined }),
        (code, syscall, path, address, port) => {
          const failure = startupFailure(systemError({ code, syscall, ...(path && { path }), ...(address && { address }), ...(port !== undefined && { port }) }), '/d')
          expect(failure).toBeDefined()
          expect(failure!.message).not.toContain('\n')
          expect(failure!.message).not.toMatch(/^vain: /) // the caller adds the prefix, once
          expect(failure!.status === NODE_EXIT.inUse).toBe(code === 'EADDRINUSE')
          expect([NODE_EXIT.usage, NODE_EXIT.inUse, NODE_EXIT.system]).toContain(failure!.status)
        },
      ),
    )
  })
})
