import type { AddressInfo } from 'node:net'
import { Result, Schema } from 'effect'
import { WebSocket, WebSocketServer } from 'ws'
import { decodeFrame, encode } from '../core/codec.ts'
import { boundedBytes, Count } from '../core/schemas.ts'
import type { Link } from '../core/transport.ts'
import { testSigner } from '../transports/test-signer.ts'
import { WsTransport } from '../transports/ws/ws-transport.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'

/**
 * One-way throughput of one link on loopback, both ends in this process: the full vAIn stack (TLS 1.3,
 * identity-bound handshake, msgpackr framing of a `{ seq, payload }` message, schema decode on receipt)
 * beside raw ws (plain TCP WebSocket, the payload bytes as they are), for 64-byte and 64 KiB payloads.
 * The sender keeps at most 4 MiB in flight.
 */
export interface SecureLinkRow {
  readonly payloadBytes: number
  readonly messages: number
  readonly fullPerSec: number
  readonly fullMBps: number
  readonly rawPerSec: number
  readonly rawMBps: number
  readonly ratio: number
}

const Message = Schema.Struct({ seq: Count, payload: boundedBytes(1 << 20) })
const IN_FLIGHT_BYTES = 4 << 20
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve))

async function pump(count: number, send: (i: number) => void, buffered: () => number, done: Promise<void>): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) {
    send(i)
    while (buffered() > IN_FLIGHT_BYTES) await yieldToIo()
  }
  await done
  return Number(process.hrtime.bigint() - start) / 1e9
}

async function rawRun(payload: Uint8Array, count: number): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 1 << 21 })
  await new Promise((resolve) => server.once('listening', resolve))
  let received = 0
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))
  server.on('connection', (socket) => socket.on('message', () => ++received === count && finish()))
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: false })
  await new Promise((resolve) => client.once('open', resolve))
  const seconds = await pump(count, () => client.send(payload, { binary: true }), () => client.bufferedAmount, done)
  client.close()
  server.close()
  return seconds
}

async function fullRun(payload: Uint8Array, count: number): Promise<number> {
  // Limits stay on (their cost is part of the stack) but above what one loopback link can carry.
  const limits = { framesPerSecond: 1e9, burst: 1e9, maxFrameBytes: 1 << 21 }
  const [a, b] = await Promise.all([WsTransport.create(testSigner(1), { limits }), WsTransport.create(testSigner(2), { limits })])
  let received = 0
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))
  a.onLink((link) =>
    link.onFrame((frame) => {
      const message = decodeFrame(frame, Message, 1 << 21)
      if (Result.isFailure(message)) throw message.failure
      if (++received === count) finish()
    }),
  )
  const link: Link = await b.dial(await a.listen(), a.identity)
  const seconds = await pump(count, (seq) => link.send(encode({ seq, payload })), () => link.bufferedBytes, done)
  await Promise.all([a.close(), b.close()])
  return seconds
}

export const secureLinkBench: Bench<SecureLinkRow> = {
  ...BENCH_CATALOGUE.secureLink,
  async run({ quick, log }) {
    const results: SecureLinkRow[] = []
    for (const [bytes, count] of [
      [64, quick ? 20_000 : 200_000],
      [64 * 1024, quick ? 1_000 : 10_000],
    ] as const) {
      const payload = new Uint8Array(bytes).fill(7)
      const raw = await rawRun(payload, count)
      const full = await fullRun(payload, count)
      const mb = (bytes * count) / 1e6
      const row: SecureLinkRow = {
        payloadBytes: bytes,
        messages: count,
        fullPerSec: Math.round(count / full),
        fullMBps: Math.round((mb / full) * 10) / 10,
        rawPerSec: Math.round(count / raw),
        rawMBps: Math.round((mb / raw) * 10) / 10,
        ratio: Math.round((raw / full) * 100) / 100, // seconds raw / seconds full = full throughput / raw
      }
      results.push(row)
      log(`${bytes} B: full ${row.fullPerSec.toLocaleString('en-US')}/s (${row.fullMBps} MB/s), raw ${row.rawPerSec.toLocaleString('en-US')}/s (${row.rawMBps} MB/s)`)
    }
    const table = formatTable(
      ['payload B', 'messages', 'full msg/s', 'full MB/s', 'raw msg/s', 'raw MB/s', 'full/raw'],
      results.map((r) => [r.payloadBytes, r.messages, r.fullPerSec, r.fullMBps, r.rawPerSec, r.rawMBps, r.ratio]),
    )
    return { bench: 'secure-link', results, table }
  },
}
