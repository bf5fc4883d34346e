import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blake2b } from '../core/hash.ts'
import { FileStorage } from './file-storage.ts'
import { printUntilKilled } from './sigkill.fixtures.ts'

// The writer: per step, one record `n` (padded) appended to a log and, every BLOB_EVERY steps, a
// 200 KiB blob made from `n`, then a sync and the acknowledgement `n` on stdout (a pipe write on Linux
// is synchronous, so an ack is out before the next write starts). Kills land inside appends, fsyncs,
// blob writes and renames.
const BLOB_EVERY = 4
const writer = (dir: string) => `
  import { FileStorage } from ${JSON.stringify(new URL('./file-storage.ts', import.meta.url).pathname)}
  const store = FileStorage.open(${JSON.stringify(dir)})
  const log = store.log('reputation/ledger')
  const blobs = store.blobs('fl/models')
  const pad = ':' + 'x'.repeat(300)
  for (let n = log.length + 1; ; n++) {
    log.append(Buffer.from(n + pad))
    if (n % ${BLOB_EVERY} === 0) blobs.put(blobOf(n))
    store.sync()
    process.stdout.write(n + '\\n')
  }
  function blobOf(n) { return Buffer.alloc(200 * 1024, n % 251) }`

const blobOf = (n: number) => Buffer.alloc(200 * 1024, n % 251)

describe('FileStorage logs and blobs killed with SIGKILL at random instants', () => {
  it('open after every kill with every acknowledged record and blob, in order, and nothing else (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 3 }), async (delays) => {
        const dir = mkdtempSync(join(tmpdir(), 'vain-log-kill-'))
        try {
          for (const delay of delays) {
            const acked = Number((await printUntilKilled(writer(dir), delay)).at(-1) ?? 0)
            const store = FileStorage.open(dir) // it must open: a kill leaves at most a torn final record
            const log = store.log('reputation/ledger')
            expect(log.length).toBeGreaterThanOrEqual(acked)
            for (let i = 0; i < log.length; i++) expect(Buffer.from(log.get(i)!).toString().split(':')[0]).toBe(String(i + 1))
            const blobs = store.blobs('fl/models')
            for (let n = BLOB_EVERY; n <= acked; n += BLOB_EVERY) {
              expect(blobs.verify(blake2b(blobOf(n)))).toBe(true)
            }
            expect(readdirSync(join(dir, 'blobs', 'fl%2Fmodels')).filter((name) => name.endsWith('.writing'))).toEqual([])
            store.close()
          }
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 6 },
    )
  }, 180_000)
})
