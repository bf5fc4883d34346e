import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Result } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { BlobTransfer } from '../actors/blob/blob-transfer.ts'
import { DEFAULT_CHUNK_BYTES, DEFAULT_WINDOW } from '../actors/blob/fetcher.ts'
import { bytesEqual, toHex } from '../core/bytes.ts'
import { Composite } from '../core/composite.ts'
import { blake2b } from '../core/hash.ts'
import type { Link } from '../core/transport.ts'
import { FileStorage } from '../runtime/file-storage.ts'
import { NodeRuntime } from '../runtime/node-runtime.ts'
import { selfSignedCertificate } from './ws/certificate.ts'
import { WsTransport } from './ws/ws-transport.ts'
import { isChunk, slowReader, tapped, wrapLinks } from './link-taps.ts'
import { testSigner } from './test-signer.ts'

const tls = selfSignedCertificate()
const FIVE_MB = 5_000_000
const payload = Uint8Array.from({ length: FIVE_MB }, (_, i) => (i * 2654435761) >>> 24)
const hash = Uint8Array.from(blake2b(payload))

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A node of one blob component over ws on loopback, with a FileStorage in a temporary directory. */
async function start(seed: number, wrap: (link: Link) => Link = (link) => link) {
  const dir = mkdtempSync(join(tmpdir(), 'vain-blob-'))
  const storage = FileStorage.open(dir)
  let linked: () => void = () => {}
  const firstLink = new Promise<void>((resolve) => (linked = resolve))
  const transport = wrapLinks(await WsTransport.create(testSigner(seed), { tls: await tls }), (link) => (linked(), wrap(link)))
  const blob = new BlobTransfer()
  const runtime = new NodeRuntime({ actor: new Composite([blob]), transport, storage, log: () => {}, allowLoopback: true })
  runtime.start()
  const url = await transport.listen()
  cleanups.push(async () => {
    await runtime.stop()
    storage.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { blob, runtime, url, id: toHex(transport.identity), firstLink }
}

/** Has `fetcher` dial `holder` (a message the holder ignores: closing a session it never had), then fetch. */
async function fetchOver(fetcher: Awaited<ReturnType<typeof start>>, holder: Awaited<ReturnType<typeof start>>): Promise<Uint8Array> {
  fetcher.runtime.ctx.send(holder.url, { p: 'blob/1', m: { t: 'close', h: new Uint8Array(32) } })
  await fetcher.firstLink
  await new Promise((resolve) => setTimeout(resolve, 50)) // the runtime adopts the link after the dial resolves
  return new Promise((resolve, reject) => fetcher.blob.fetch(hash, holder.id, (result) => (Result.isSuccess(result) ? resolve(result.success) : reject(result.failure))))
}

describe('blob/1 between two NodeRuntimes over ws on loopback', () => {
  it('a 5 MB blob crosses a real ws link intact and is stored verified', async () => {
    const holder = await start(1)
    const fetcher = await start(2)
    expect(bytesEqual(holder.blob.blobs().put(payload), hash)).toBe(true)
    expect(bytesEqual(await fetchOver(fetcher, holder), hash)).toBe(true)
    expect(bytesEqual(fetcher.blob.blobs().get(hash)!, payload)).toBe(true)
    expect(fetcher.blob.stats()).toEqual({ fetches: 0, inFlight: 0, sessions: 0 })
  }, 60_000)

  it('a slow reader makes the holder wait: chunks sent and not yet read never exceed the window', async () => {
    let sent = 0
    let read = 0
    let peak = 0
    let peakBuffered = 0
    // The holder counts each chunk as it hands it to the socket, with what its link holds unsent.
    const holder = await start(3, (link) =>
      tapped(link, (frame) => {
        if (!isChunk(frame)) return
        sent++
        peak = Math.max(peak, sent - read)
        peakBuffered = Math.max(peakBuffered, link.bufferedBytes)
      }),
    )
    // The fetcher reads one frame every 30 ms: what arrives faster waits (in its socket, or in the queue).
    const fetcher = await start(4, (link) => slowReader(link, 30, (frame) => (read += isChunk(frame) ? 1 : 0)))
    holder.blob.blobs().put(payload)
    expect(bytesEqual(await fetchOver(fetcher, holder), hash)).toBe(true)
    expect(sent).toBe(Math.ceil(FIVE_MB / DEFAULT_CHUNK_BYTES))
    expect(peak).toBe(DEFAULT_WINDOW) // the window filled, and never more
    expect(peakBuffered).toBeLessThanOrEqual(DEFAULT_WINDOW * (DEFAULT_CHUNK_BYTES + 1024))
  }, 60_000)
})
