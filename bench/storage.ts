import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { FileStorage } from '../core/file-storage.ts'
import { formatTable, type Bench } from './bench.ts'

/**
 * Durable writes per second: FileStorage (the real runtime's store: an fsynced append-only log)
 * beside LevelDB through classic-level with `sync: true`, the store DESIGN.md first named. Both make
 * every write durable before it is acknowledged; with `perSync` writes between syncs, both batch.
 */
export interface StorageRow {
  readonly writesPerSync: number
  readonly writes: number
  readonly fileStoragePerSec: number
  readonly levelPerSec: number
  readonly ratio: number
}

const VALUE = new Uint8Array(200).fill(9)

async function timed(body: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint()
  await body()
  return Number(process.hrtime.bigint() - start) / 1e9
}

export const storageBench: Bench<StorageRow> = {
  name: 'storage',
  description: 'durable (fsynced) writes per second: FileStorage beside LevelDB (classic-level, sync: true)',
  async run({ quick, log }) {
    const results: StorageRow[] = []
    for (const perSync of [1, 100]) {
      const writes = (quick ? 200 : 2_000) * (perSync === 1 ? 1 : 10)
      const dir = mkdtempSync(join(tmpdir(), 'vain-bench-store-'))
      const store = FileStorage.open(join(dir, 'file'))
      const fileSeconds = await timed(() => {
        for (let i = 0; i < writes; i++) {
          store.put(`key/${i}`, VALUE)
          if ((i + 1) % perSync === 0) store.sync()
        }
      })
      store.close()
      const db = new ClassicLevel<string, Uint8Array>(join(dir, 'level'), { valueEncoding: 'view' })
      await db.open()
      const levelSeconds = await timed(async () => {
        for (let i = 0; i < writes; i += perSync) {
          const batch = Array.from({ length: perSync }, (_, j) => ({ type: 'put' as const, key: `key/${i + j}`, value: VALUE }))
          await db.batch(batch, { sync: true })
        }
      })
      await db.close()
      rmSync(dir, { recursive: true, force: true })
      const row = {
        writesPerSync: perSync,
        writes,
        fileStoragePerSec: Math.round(writes / fileSeconds),
        levelPerSec: Math.round(writes / levelSeconds),
        ratio: Math.round((levelSeconds / fileSeconds) * 100) / 100,
      }
      results.push(row)
      log(`${perSync} write(s) per sync: FileStorage ${row.fileStoragePerSec.toLocaleString('en-US')}/s, LevelDB ${row.levelPerSec.toLocaleString('en-US')}/s`)
    }
    const table = formatTable(
      ['writes/sync', 'writes', 'FileStorage/s', 'LevelDB/s', 'File/Level ×'],
      results.map((r) => [r.writesPerSync, r.writes, r.fileStoragePerSec, r.levelPerSec, r.ratio]),
    )
    return { bench: 'storage', results, table }
  },
}
