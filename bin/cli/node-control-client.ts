import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import type { CommittedBlock } from '../../actors/node/node-consensus.ts'
import { toHex } from '../../core/bytes.ts'
import { controlSocketPath } from './node-control.ts'

/** A refusal from the node (`{"ok":false,…}`), or a connection that ended before the answer. */
export class ControlError extends Error {
  override readonly name = 'ControlError'
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message)
  }
}

/** Where an entry stands: queued (its digest), and the commit once a block holds it (when asked to wait). */
export interface Submitted {
  readonly digest: string
  /** Resolves once the node committed (durably) a block holding the entry; only with `wait`. */
  readonly committed?: Promise<{ readonly height: number; readonly hash: string }>
}

type Answer = { readonly id?: number; readonly ok: boolean; readonly error?: string; readonly detail?: string } & Record<string, unknown>
interface Pending {
  readonly first: { resolve(answer: Answer): void; reject(error: Error): void }
  second?: { resolve(answer: Answer): void; reject(error: Error): void }
}

/**
 * A client of a running node's control socket (bin/cli/node-control.ts): `vain node submit|status|chain`
 * use it, and so may any program on the machine that may read the data dir. Requests are numbered and
 * may overlap; a connection that ends fails whatever is still unanswered with a ControlError.
 */
export class ControlClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closed: ControlError | undefined

  private constructor(private readonly socket: Socket) {
    createInterface({ input: socket }).on('line', (line) => {
      let answer: Answer
      try {
        answer = JSON.parse(line) as Answer
      } catch {
        return // not an answer of this protocol: nothing waits for it
      }
      this.answer(answer)
    })
    socket.on('error', () => undefined) // reported through 'close'
    socket.on('close', () => {
      this.closed = new ControlError('closed', 'the node closed its control socket (it stopped) before answering')
      // Settling a settled promise does nothing: each request's unsettled answers fail.
      for (const { first, second } of this.pending.values()) for (const waiter of [first, second]) waiter?.reject(this.closed)
      this.pending.clear()
    })
  }

  /** Connects to the node running on `dir`; ControlError 'no-node' when none listens there. */
  static connect(dir: string): Promise<ControlClient> {
    const path = controlSocketPath(dir)
    return new Promise((resolve, reject) => {
      const socket = connect(path)
      socket.once('connect', () => resolve(new ControlClient(socket)))
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new ControlError('no-node', `no node is running on ${dir} (${path}: ${error.code ?? error.message})`)))
    })
  }

  /** Queues `entry` on the node; with `wait`, `committed` resolves once a block holding it is durable there. */
  async submit(entry: Uint8Array, wait = false): Promise<Submitted> {
    const id = this.nextId++
    let committed: Promise<Answer> | undefined
    const queued = new Promise<Answer>((resolve, reject) => {
      const pending: Pending = { first: { resolve, reject } }
      if (wait) committed = new Promise((resolve2, reject2) => (pending.second = { resolve: resolve2, reject: reject2 }))
      this.send({ id, op: 'submit', entry: toHex(entry), ...(wait && { wait: true }) }, pending)
    })
    // A refused submission rejects `queued`; its `committed` never settles and must not be reported as unhandled.
    committed?.catch(() => undefined)
    const digest = String((await queued).queued)
    return { digest, ...(committed && { committed: committed.then((a) => a.committed as { height: number; hash: string }) }) }
  }

  async status(): Promise<Record<string, unknown>> {
    return (await this.request({ op: 'status' })).status as Record<string, unknown>
  }

  /** The blocks from `from` (a page of at most MAX_CHAIN_PAGE), and the node's height. */
  async chain(from: number): Promise<{ readonly height: number; readonly blocks: readonly CommittedBlock[] }> {
    const answer = await this.request({ op: 'chain', from })
    return { height: Number(answer.height), blocks: answer.blocks as CommittedBlock[] }
  }

  /** Every block the node has committed, page by page. */
  async wholeChain(): Promise<CommittedBlock[]> {
    const blocks: CommittedBlock[] = []
    for (let page = await this.chain(0); ; page = await this.chain(blocks.length)) {
      blocks.push(...page.blocks)
      if (page.blocks.length === 0 || blocks.length >= page.height) return blocks
    }
  }

  close(): void {
    this.socket.end()
  }

  private request(body: Record<string, unknown>): Promise<Answer> {
    return new Promise((resolve, reject) => this.send({ id: this.nextId++, ...body }, { first: { resolve, reject } }))
  }

  private send(request: Record<string, unknown> & { id: number }, pending: Pending): void {
    if (this.closed !== undefined) return pending.first.reject(this.closed)
    this.pending.set(request.id, pending)
    this.socket.write(`${JSON.stringify(request)}\n`)
  }

  // The first answer to a request settles it (a refusal rejects it, and its second answer too); a
  // submission that waits stays pending for its second, the commit.
  private answer(answer: Answer): void {
    const pending = answer.id === undefined ? undefined : this.pending.get(answer.id)
    if (pending === undefined) return
    const error = answer.ok ? undefined : new ControlError(answer.error ?? 'refused', answer.detail ?? 'refused')
    if (answer.committed !== undefined) {
      this.pending.delete(answer.id!)
      return pending.second?.resolve(answer)
    }
    if (error !== undefined || pending.second === undefined) this.pending.delete(answer.id!)
    if (error !== undefined) return pending.first.reject(error)
    pending.first.resolve(answer)
  }
}
