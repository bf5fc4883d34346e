import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { FileStorage } from '../runtime/file-storage.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'

/**
 * Durable writes per second: FileStorage (the real runtime's store: an fsynced append-only log, and an
 * atomically replaced file for the identity state) beside LevelDB through classic-level with
 * `sync: true`, the store DESIGN.md first named. Both make every write durable before it is
 * acknowledged; with `perSync` writes between syncs, both batch. Then the time to open a store of
 * 10,000 keys (replaying and verifying every record), beside LevelDB opening and reading the same.
 */
export interface StorageRow {
  readonly case: string
  readonly writesPerSync: number
  readonly writes: number
  readonly fileStoragePerSec: number
  readonly levelPerSec: number
  readonly ratio: number
}

export interface OpenRow {
  readonly case: 'open'
  readonly keys: number
  readonly fileStorageMs: number
  readonly levelMs: number
}

const VALUE = new Uint8Array(200).fill(9)
const OPEN_KEYS = 10_000
// Keys of the identity state live in the atomically replaced file (DEFAULT_ATOMIC_PREFIXES).
const ATOMIC_KEY = 'identity/own'

async function timed(body: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint()
  await body()
  return Number(process.hrtime.bigint() - start) / 1e9
}

async function median(runs: number, body: () => Promise<void> | void): Promise<number> {
  const seconds: number[] = []
  for (let i = 0; i < runs; i++) seconds.push(await timed(body))
  return seconds.sort((a, b) => a - b)[runs >> 1]!
}

async function writes(caseName: string, perSync: number, count: number, keyOf: (i: number) => string): Promise<StorageRow> {
  const dir = mkdtempSync(join(tmpdir(), 'vain-bench-store-'))
  const store = FileStorage.open(join(dir, 'file'))
  const fileSeconds = await timed(() => {
    for (let i = 0; i < count; i++) {
      store.put(keyOf(i), VALUE)
      if ((i + 1) % perSync === 0) store.sync()
    }
  })
  store.close()
  const db = new ClassicLevel<string, Uint8Array>(join(dir, 'level'), { valueEncoding: 'view' })
  await db.open()
  const levelSeconds = await timed(async () => {
    for (let i = 0; i < count; i += perSync) {
      const batch = Array.from({ length: perSync }, (_, j) => ({ type: 'put' as const, key: keyOf(i + j), value: VALUE }))
      await db.batch(batch, { sync: true })
    }
  })
  await db.close()
  rmSync(dir, { recursive: true, force: true })
  return {
    case: caseName,
    writesPerSync: perSync,
    writes: count,
    fileStoragePerSec: Math.round(count / fileSeconds),
    levelPerSec: Math.round(count / levelSeconds),
    ratio: Math.round((levelSeconds / fileSeconds) * 100) / 100,
  }
}

async function open(runs: number): Promise<OpenRow> {
  const dir = mkdtempSync(join(tmpdir(), 'vain-bench-open-'))
  const store = FileStorage.open(join(dir, 'file'))
  for (let i = 0; i < OPEN_KEYS; i++) store.put(`key/${i}`, VALUE)
  store.close()
  const fileSeconds = await median(runs, () => FileStorage.open(join(dir, 'file')).close())
  const db = new ClassicLevel<string, Uint8Array>(join(dir, 'level'), { valueEncoding: 'view' })
  await db.batch(Array.from({ length: OPEN_KEYS }, (_, i) => ({ type: 'put' as const, key: `key/${i}`, value: VALUE })), { sync: true })
  await db.close()
  const levelSeconds = await median(runs, async () => {
    const reopened = new ClassicLevel<string, Uint8Array>(join(dir, 'level'), { valueEncoding: 'view' })
    await reopened.open()
    await reopened.iterator().all()
    await reopened.close()
  })
  rmSync(dir, { recursive: true, force: true })
  const ms = (seconds: number) => Math.round(seconds * 10_000) / 10
  return { case: 'open', keys: OPEN_KEYS, fileStorageMs: ms(fileSeconds), levelMs: ms(levelSeconds) }
}

export const storageBench: Bench<StorageRow | OpenRow> = {
  ...BENCH_CATALOGUE.storage,
  async run({ quick, log }) {
    const base = quick ? 200 : 2_000
    const rows: StorageRow[] = []
    for (const [caseName, perSync, count, keyOf] of [
      ['log', 1, base, (i: number) => `key/${i}`],
      ['log', 100, base * 10, (i: number) => `key/${i}`],
      ['identity', 1, base / 2, () => ATOMIC_KEY],
    ] as const) {
      const row = await writes(caseName, perSync, count, keyOf)
      rows.push(row)
      log(`${caseName}, ${perSync} write(s) per sync: FileStorage ${row.fileStoragePerSec.toLocaleString('en-US')}/s, LevelDB ${row.levelPerSec.toLocaleString('en-US')}/s`)
    }
    const opened = await open(quick ? 3 : 7)
    log(`open ${OPEN_KEYS.toLocaleString('en-US')} keys: FileStorage ${opened.fileStorageMs} ms, LevelDB ${opened.levelMs} ms`)
    const table =
      formatTable(
        ['case', 'writes/sync', 'writes', 'FileStorage/s', 'LevelDB/s', 'File/Level ×'],
        rows.map((r) => [r.case, r.writesPerSync, r.writes, r.fileStoragePerSec, r.levelPerSec, r.ratio]),
      ) +
      '\n\n' +
      formatTable(['open', 'keys', 'FileStorage ms', 'LevelDB ms (open + read all)'], [['open', opened.keys, opened.fileStorageMs, opened.levelMs]])
    return { bench: 'storage', results: [...rows, opened], table }
  },
}
