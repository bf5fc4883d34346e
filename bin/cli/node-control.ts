import { chmodSync, existsSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { Result, Schema } from 'effect'
import { fromHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { MAX_ENTRY_BYTES } from '../../actors/consensus/messages.ts'
import type { CommittedBlock } from '../../actors/node/node-consensus.ts'

/**
 * The control socket of a running `vain node`: a unix socket in its data dir (DIR/control.sock, mode
 * 0600: whoever may read the data dir's files may talk to the node), through which its operator, or a
 * client on the machine, submits entries and reads the node's chain (docs/cli.md, *Talking to a
 * running node*). One JSON object per line each way; a request may carry an `id`, which its answers
 * repeat:
 * - `{"op":"submit","entry":HEX,"wait":true}` → `{"ok":true,"queued":DIGEST}`, and with `wait`, once a
 *   block holding it is committed (durable on this node), `{"ok":true,"committed":{height,hash,digest}}`;
 * - `{"op":"status"}` → `{"ok":true,"status":{…}}`;
 * - `{"op":"chain","from":H,"limit":N}` → `{"ok":true,"height":…,"blocks":[{height,hash,round,by,entries}]}`.
 * A refusal is `{"ok":false,"error":REASON,"detail":…}` and changes nothing.
 */

export const CONTROL_SOCKET = 'control.sock'
/** Linux's limit on a unix socket path (sun_path is 108 bytes, one for the terminating zero). */
export const MAX_SOCKET_PATH_BYTES = 107
/** A request holds at most one entry, in hex, and a few small fields. */
export const MAX_REQUEST_BYTES = 2 * MAX_ENTRY_BYTES + 1024
/** Blocks one `chain` answer carries: 64 × (a hash and up to 256 digests) ≈ 2.3 MiB at worst; a client pages on. */
export const MAX_CHAIN_PAGE = 64
/**
 * Submissions waiting for their commit at once, over all connections: as many as the voter queues
 * (DEFAULT_MAX_PENDING_ENTRIES), so every queued entry can have its waiter and no more.
 */
export const DEFAULT_MAX_WAITERS = 4096
/** Clients connected at once: an operator and a few scripts, not a public service. */
export const DEFAULT_MAX_CONTROL_CONNECTIONS = 32
/**
 * Answers held for one client before its next request is read: past this, the socket is paused until
 * the client reads (drain), so a client that sends requests and never reads costs at most this, one
 * answer (a chain page: ~2.3 MiB at worst) and its waiters' answers, not memory without end. 1 MiB: a
 * few pages in flight for a client that does read.
 */
export const DEFAULT_MAX_CONTROL_BACKLOG_BYTES = 1 << 20

const Id = Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER)))
const Request = Schema.Union([
  Schema.Struct({ id: Id, op: Schema.Literal('submit'), entry: Schema.String.check(Schema.isPattern(/^(?:[0-9a-f]{2})*$/i), Schema.isMaxLength(2 * MAX_ENTRY_BYTES)), wait: Schema.optional(Schema.Boolean) }),
  Schema.Struct({ id: Id, op: Schema.Literal('status') }),
  Schema.Struct({ id: Id, op: Schema.Literal('chain'), from: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), limit: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(MAX_CHAIN_PAGE))) }),
])
type Request = typeof Request.Type

/** What the control socket asks of the node. */
export interface ControlTarget {
  /** The node's status: who it is, and its consensus status. */
  status(): unknown
  /** Queues an entry and returns its digest; throws a typed error (with `reason`) to refuse it. */
  submit(entry: Uint8Array): string
  /** Blocks committed here (the next height), and the block at a height below it. */
  height(): number
  committed(height: number): CommittedBlock | undefined
}

/** An answer line. */
type Answer = { readonly id?: number; readonly ok: boolean } & Record<string, unknown>

/** A submission waiting for the commit of its entry. */
interface Waiter {
  readonly digest: string
  answer(block: CommittedBlock): void
}

/** Where DIR's control socket is; ConfigError when the path is too long for a unix socket. */
export function controlSocketPath(dir: string): string {
  const path = join(dir, CONTROL_SOCKET)
  const bytes = Buffer.byteLength(path)
  if (bytes > MAX_SOCKET_PATH_BYTES) throw new ConfigError(`the control socket ${path} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES} a unix socket path may have: use a shorter --data-dir`)
  return path
}

/** The node's control socket, listening. `committed` tells it of each commit; `close` removes the socket. */
export class ControlServer {
  /** Per entry digest, the submissions waiting for its commit. */
  private readonly waiting = new Map<string, Set<Waiter>>()
  private waiters = 0
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  /** Listens at DIR/control.sock; a socket file left by a killed node is removed first (the caller holds DIR's lock). */
  static async open(dir: string, target: ControlTarget): Promise<ControlServer> {
    const path = controlSocketPath(dir)
    if (existsSync(path)) unlinkSync(path)
    let control: ControlServer | undefined
    const server = createServer((socket) => control!.serve(socket, target))
    server.maxConnections = DEFAULT_MAX_CONTROL_CONNECTIONS
    control = new ControlServer(server, path)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => {
        server.off('error', reject)
        resolve()
      })
    })
    chmodSync(path, 0o600)
    return control
  }

  /** A block was committed (durable): answers the submissions waiting for its entries. */
  committed(block: CommittedBlock): void {
    for (const digest of block.entries) {
      const waiting = this.waiting.get(digest)
      if (waiting === undefined) continue
      this.waiting.delete(digest)
      this.waiters -= waiting.size
      for (const waiter of waiting) waiter.answer(block)
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    if (existsSync(this.path)) unlinkSync(this.path)
  }

  private serve(socket: Socket, target: ControlTarget): void {
    this.sockets.add(socket)
    const mine = new Set<Waiter>()
    const write = (answer: Answer) => void (socket.writable && socket.write(`${JSON.stringify(answer)}\n`))
    let buffered = ''
    const backlogged = () => socket.writableLength > DEFAULT_MAX_CONTROL_BACKLOG_BYTES
    // Handles the complete requests received, until the client's unread answers pass the backlog bound:
    // then reading pauses, and the rest waits for the client to read (drain).
    const pump = () => {
      for (let end = buffered.indexOf('\n'); end >= 0 && !backlogged(); end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end)
        buffered = buffered.slice(end + 1)
        if (line.trim() !== '') this.handle(line, target, write, mine)
      }
      if (backlogged()) socket.pause()
      else socket.resume()
      if (Buffer.byteLength(buffered.slice(buffered.lastIndexOf('\n') + 1)) > MAX_REQUEST_BYTES) {
        write({ ok: false, error: 'too-large', detail: `a request is at most ${MAX_REQUEST_BYTES} bytes` })
        socket.end()
      }
    }
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffered += chunk
      pump()
    })
    socket.on('drain', pump)
    socket.on('error', () => undefined) // a client gone mid-answer: its close below cleans up
    socket.on('close', () => {
      this.sockets.delete(socket)
      for (const waiter of mine) this.forget(waiter)
    })
  }

  private handle(line: string, target: ControlTarget, write: (answer: Answer) => void, mine: Set<Waiter>): void {
    let request: Request
    try {
      const decoded = Schema.decodeUnknownResult(Request, { errors: 'first', onExcessProperty: 'error' })(JSON.parse(line))
      if (Result.isFailure(decoded)) return write({ ok: false, error: 'bad-request', detail: decoded.failure.message })
      request = decoded.success
    } catch (error) {
      return write({ ok: false, error: 'bad-request', detail: `not JSON: ${(error as Error).message}` })
    }
    const id = request.id === undefined ? {} : { id: request.id }
    if (request.op === 'status') return write({ ...id, ok: true, status: target.status() })
    if (request.op === 'chain') {
      const height = target.height()
      const to = Math.min(height, request.from + (request.limit ?? MAX_CHAIN_PAGE))
      const blocks = []
      for (let h = request.from; h < to; h++) blocks.push(target.committed(h))
      return write({ ...id, ok: true, height, blocks })
    }
    if (request.wait === true && this.waiters >= DEFAULT_MAX_WAITERS) return write({ ...id, ok: false, error: 'too-many-waiters', detail: `${DEFAULT_MAX_WAITERS} submissions wait for their commit already; retry after a commit, or submit without waiting` })
    let digest: string
    try {
      digest = target.submit(fromHex(request.entry))
    } catch (error) {
      // A typed refusal (ConsensusError, NodeConsensusError) names its reason; anything else is a bug,
      // answered as such rather than thrown out of a socket handler, which would end the node.
      const reason = (error as { reason?: unknown }).reason
      return write({ ...id, ok: false, error: typeof reason === 'string' ? reason : 'internal', detail: error instanceof Error ? error.message : String(error) })
    }
    write({ ...id, ok: true, queued: digest })
    if (request.wait !== true) return
    const waiter: Waiter = {
      digest,
      answer: (block) => {
        mine.delete(waiter)
        write({ ...id, ok: true, committed: { height: block.height, hash: block.hash, digest } })
      },
    }
    mine.add(waiter)
    let waiting = this.waiting.get(digest)
    if (waiting === undefined) this.waiting.set(digest, (waiting = new Set()))
    waiting.add(waiter)
    this.waiters++
  }

  private forget(waiter: Waiter): void {
    const waiting = this.waiting.get(waiter.digest)
    if (waiting === undefined || !waiting.delete(waiter)) return
    this.waiters--
    if (waiting.size === 0) this.waiting.delete(waiter.digest)
  }
}
