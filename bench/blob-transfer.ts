import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Result } from 'effect'
import { BlobTransfer } from '../actors/blob/blob-transfer.ts'
import { DEFAULT_CHUNK_BYTES } from '../actors/blob/fetcher.ts'
import { toHex } from '../core/bytes.ts'
import { encode } from '../core/codec.ts'
import { Composite } from '../core/composite.ts'
import { blake2b } from '../core/hash.ts'
import type { Link } from '../core/transport.ts'
import { FileStorage } from '../runtime/file-storage.ts'
import { NodeRuntime } from '../runtime/node-runtime.ts'
import { slowReader, wrapLinks } from '../transports/link-taps.ts'
import { testSigner } from '../transports/test-signer.ts'
import { WsTransport } from '../transports/ws/ws-transport.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE, BLOB_SLOW_READ_MS as SLOW_READ_MS } from './catalogue.ts'

/**
 * A 5 MB blob between two nodes over ws on loopback (TLS 1.3, identity binding, one process): blob/1
 * (two NodeRuntimes with the blob component and a FileStorage each, pulled with the default window)
 * beside a baseline that pushes the same chunks down one link at once, as a sender without flow
 * control would. Each with a fast reader and a slow one (one frame every SLOW_READ_MS). Figures: the
 * time to the last byte stored or read, the growth of the peak RSS over the transfer (sampled every
 * millisecond; both nodes live in one child process per case), and the most frames a slow reader had
 * waiting.
 */
export interface BlobTransferRow {
  readonly mode: 'pull (blob/1)' | 'push (baseline)'
  readonly reader: 'fast' | 'slow'
  readonly ms: number
  /** The process's peak RSS over the transfer, less its RSS just before (the payload is already in memory). */
  readonly peakRssGrowthMB: number
  /** The most frames that arrived at the reader and waited to be read (slow reader only). */
  readonly peakQueued: number
}

const SIZE = 5_000_000

async function measure(body: () => Promise<void>, queued: () => number): Promise<{ ms: number; peakRssGrowthMB: number; peakQueued: number }> {
  ;(globalThis as { gc?: () => void }).gc?.()
  const base = process.memoryUsage.rss()
  let peak = base
  let peakQueued = 0
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
    peakQueued = Math.max(peakQueued, queued())
  }, 1)
  const start = process.hrtime.bigint()
  await body()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  return { ms: Math.round(ms), peakRssGrowthMB: Math.round((peak - base) / 1e5) / 10, peakQueued }
}

/** A reader that is slow or not, and the most frames it ever had waiting. */
function reader(slow: boolean) {
  let latest: { readonly queued: number } | undefined
  return {
    wrap: (link: Link): Link => (slow ? (latest = slowReader(link, SLOW_READ_MS)) : link),
    queued: () => latest?.queued ?? 0,
  }
}

async function pull(payload: Uint8Array, slow: boolean): Promise<BlobTransferRow> {
  const dir = mkdtempSync(join(tmpdir(), 'vain-bench-blob-'))
  const slowness = reader(slow)
  const nodes = await Promise.all(
    [1, 2].map(async (seed) => {
      const storage = FileStorage.open(join(dir, String(seed)))
      const transport = seed === 2 ? wrapLinks(await WsTransport.create(testSigner(seed)), slowness.wrap) : await WsTransport.create(testSigner(seed))
      const blob = new BlobTransfer()
      const runtime = new NodeRuntime({ actor: new Composite([blob]), transport, storage, log: () => {}, allowLoopback: true })
      runtime.start()
      return { storage, blob, runtime, url: await transport.listen(), id: toHex(transport.identity) }
    }),
  )
  const [holder, fetcher] = nodes as [(typeof nodes)[0], (typeof nodes)[0]]
  try {
    const hash = holder.blob.blobs().put(payload)
    holder.storage.sync()
    // Link up first (a close of a session the holder never had: ignored), so the run times the transfer.
    fetcher.runtime.ctx.send(holder.url, { p: 'blob/1', m: { t: 'close', h: new Uint8Array(32) } })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const figures = await measure(
      () => new Promise<void>((resolve, reject) => fetcher.blob.fetch(hash, holder.id, (result) => (Result.isSuccess(result) ? resolve() : reject(result.failure)))),
      slowness.queued,
    )
    return { mode: 'pull (blob/1)', reader: slow ? 'slow' : 'fast', ...figures }
  } finally {
    for (const node of nodes) {
      await node.runtime.stop()
      node.storage.close()
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

async function push(payload: Uint8Array, slow: boolean): Promise<BlobTransferRow> {
  const hash = blake2b(payload)
  const [a, b] = await Promise.all([WsTransport.create(testSigner(3)), WsTransport.create(testSigner(4))])
  let read = 0
  const slowness = reader(slow)
  const chunks = Math.ceil(payload.length / DEFAULT_CHUNK_BYTES)
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))
  a.onLink((link) => slowness.wrap(link).onFrame(() => ++read === chunks && finish()))
  const link = await b.dial(await a.listen(), a.identity)
  try {
    const figures = await measure(async () => {
      for (let o = 0; o < payload.length; o += DEFAULT_CHUNK_BYTES) {
        link.send(encode({ p: 'blob/1', m: { t: 'chunk', h: hash, o, b: payload.subarray(o, o + DEFAULT_CHUNK_BYTES) } }))
      }
      await done
    }, slowness.queued)
    return { mode: 'push (baseline)', reader: slow ? 'slow' : 'fast', ...figures }
  } finally {
    await Promise.all([a.close(), b.close()])
  }
}

/** Runs one case in this process and returns its row (what the child below does). */
export async function runCase(mode: BlobTransferRow['mode'], slow: boolean): Promise<BlobTransferRow> {
  const payload = Uint8Array.from({ length: SIZE }, (_, i) => (i * 2654435761) >>> 24)
  return (mode === 'pull (blob/1)' ? pull : push)(payload, slow)
}

/**
 * Each case runs in a child process of its own: a process's RSS does not shrink once its heap grew, so
 * cases run one after another in one process would measure each other.
 */
function inChild(mode: BlobTransferRow['mode'], slow: boolean): Promise<BlobTransferRow> {
  return new Promise((resolve, reject) => {
    // This module: its TypeScript source in a clone (run through tsx), its built JavaScript in the installed package.
    const self = fileURLToPath(import.meta.url)
    const script = `import { runCase } from ${JSON.stringify(pathToFileURL(self).href)}
      process.stdout.write(JSON.stringify(await runCase(${JSON.stringify(mode)}, ${slow})))`
    const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : []
    const child = spawn(process.execPath, ['--expose-gc', ...loader, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as BlobTransferRow) : reject(new Error(`the ${mode} case exited with ${code}`))))
  })
}

export const blobTransferBench: Bench<BlobTransferRow> = {
  ...BENCH_CATALOGUE.blobTransfer,
  async run({ quick, log }) {
    const results: BlobTransferRow[] = []
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      for (const slow of [false, true]) {
        for (const mode of ['pull (blob/1)', 'push (baseline)'] as const) {
          const row = await inChild(mode, slow)
          results.push(row)
          log(`${row.mode}, ${row.reader} reader: ${row.ms} ms, peak RSS +${row.peakRssGrowthMB} MB, ${row.peakQueued} frames queued at most`)
        }
      }
    }
    const table = formatTable(
      ['mode', 'reader', 'ms', 'peak RSS growth MB', 'peak frames queued'],
      results.map((r) => [r.mode, r.reader, r.ms, r.peakRssGrowthMB, r.peakQueued]),
    )
    return { bench: 'blob-transfer', results, table }
  },
}
