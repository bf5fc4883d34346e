import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { entryDigest, type CommittedBlock } from '../../actors/node/node-consensus.ts'
import { ControlClient, ControlError } from './node-control-client.ts'
import { CONTROL_SOCKET, ControlServer, MAX_CHAIN_PAGE, MAX_REQUEST_BYTES, type ControlTarget } from './node-control.ts'

/** A node as the control socket sees it: a queue, and a chain of `height` blocks. */
class FakeNode implements ControlTarget {
  readonly queued: Uint8Array[] = []
  chain: CommittedBlock[] = []
  status() {
    return { height: this.chain.length }
  }
  submit(entry: Uint8Array): string {
    if (entry.length === 0) throw Object.assign(new Error('an empty entry'), { reason: 'entry-too-small' })
    this.queued.push(entry)
    return entryDigest(entry)
  }
  height() {
    return this.chain.length
  }
  committed(height: number) {
    return this.chain[height]
  }
  /** Commits a block of what is queued. */
  commit(): CommittedBlock {
    const block = { height: this.chain.length, hash: String(this.chain.length).padStart(64, '0'), round: 0, by: 0, entries: this.queued.splice(0).map(entryDigest) }
    this.chain.push(block)
    return block
  }
}

/** Sends raw lines on the socket and collects the answers. */
async function raw(dir: string, lines: readonly string[], answers: number): Promise<Record<string, unknown>[]> {
  const socket = connect(join(dir, CONTROL_SOCKET))
  const got: Record<string, unknown>[] = []
  const done = new Promise<void>((resolve) => {
    createInterface({ input: socket }).on('line', (line) => {
      got.push(JSON.parse(line))
      if (got.length === answers) resolve()
    })
    socket.on('close', () => resolve())
  })
  for (const line of lines) socket.write(line)
  await done
  socket.destroy()
  return got
}

describe('the control socket of a running node', () => {
  let dir: string
  let node: FakeNode
  let server: ControlServer
  const clients: ControlClient[] = []
  const client = async () => {
    const c = await ControlClient.connect(dir)
    clients.push(c)
    return c
  }
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vain-control-'))
    node = new FakeNode()
    server = await ControlServer.open(dir, node)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is a unix socket only its owner may use, removed when the node stops; a stale one is replaced', async () => {
    const path = join(dir, CONTROL_SOCKET)
    expect(statSync(path).isSocket()).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    await server.close()
    expect(existsSync(path)).toBe(false)
    writeFileSync(path, 'left by a killed node')
    server = await ControlServer.open(dir, node)
    expect((await (await client()).status()).height).toBe(0)
  })

  it('queues an entry, and answers a submission that waits once a committed block holds it', async () => {
    const c = await client()
    const entry = new TextEncoder().encode('hello')
    const submitted = await c.submit(entry, true)
    expect(submitted.digest).toBe(entryDigest(entry))
    expect(node.queued).toEqual([entry])
    let committed: unknown
    void submitted.committed!.then((block) => (committed = block))
    server.committed({ height: 9, hash: 'f'.repeat(64), round: 0, by: 1, entries: [entryDigest(new TextEncoder().encode('other'))] })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(committed).toBeUndefined()
    const block = node.commit()
    server.committed(block)
    expect(await submitted.committed).toEqual({ height: block.height, hash: block.hash, digest: submitted.digest })
  })

  it("passes on the node's refusal with its reason, and queues nothing", async () => {
    const c = await client()
    const refused = await c.submit(new Uint8Array(0), true).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ControlError)
    expect(refused).toMatchObject({ reason: 'entry-too-small' })
    expect(node.queued).toEqual([])
  })

  it('pages the chain: every block, in order, however long', async () => {
    for (let i = 0; i < MAX_CHAIN_PAGE + 10; i++) node.commit()
    const c = await client()
    expect(await c.wholeChain()).toEqual(node.chain)
    expect((await c.chain(MAX_CHAIN_PAGE)).blocks).toEqual(node.chain.slice(MAX_CHAIN_PAGE))
    expect((await c.chain(1_000)).blocks).toEqual([])
  })

  it('answers a bad request with a refusal and changes nothing; a line past the bound ends the connection', async () => {
    const answers = await raw(dir, ['not json\n', '{"op":"launch"}\n', '{"op":"submit","entry":"zz"}\n', '{"op":"status","extra":1}\n', '{"op":"chain","from":-1}\n'], 5)
    expect(answers.map((a) => [a.ok, a.error])).toEqual(Array(5).fill([false, 'bad-request']))
    expect(node.queued).toEqual([])
    const flood = await raw(dir, ['{"op":"submit","entry":"' + 'ab'.repeat(MAX_REQUEST_BYTES)], 1)
    expect(flood).toEqual([expect.objectContaining({ ok: false, error: 'too-large' })])
    expect(node.queued).toEqual([])
  })

  it("a client that leaves drops its waiters; another's for the same entry is still answered", async () => {
    const [a, b] = [await client(), await client()]
    const entry = new TextEncoder().encode('twice')
    // a's wait fails as it leaves: nothing to hear.
    void (await a.submit(entry, true)).committed!.catch(() => undefined)
    const fromB = await b.submit(entry, true)
    a.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.committed(node.commit())
    expect((await fromB.committed)!.height).toBe(0)
  })

  it('a waiting client hears that the node stopped', async () => {
    const c = await client()
    const submitted = await c.submit(new TextEncoder().encode('late'), true)
    await server.close()
    await expect(submitted.committed).rejects.toMatchObject({ reason: 'closed' })
    server = await ControlServer.open(dir, node)
  })

  it('a client that sends requests and does not read them is not answered past the backlog bound: its requests wait until it reads', async () => {
    // A chain whose pages are ~1 MiB each (64 blocks of 256 digests).
    node.chain = Array.from({ length: MAX_CHAIN_PAGE }, (_, height) => ({ height, hash: '0'.repeat(64), round: 0, by: 0, entries: Array.from({ length: 256 }, (_, i) => entryDigest(new Uint8Array([height, i]))) }))
    let served = 0
    const committed = node.committed.bind(node)
    node.committed = (height: number) => ((served += height === 0 ? 1 : 0), committed(height))
    const requests = 100
    const socket = connect(join(dir, CONTROL_SOCKET))
    socket.pause()
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write(Array.from({ length: requests }, (_, id) => `${JSON.stringify({ id, op: 'chain', from: 0 })}\n`).join(''))
    await new Promise((resolve) => setTimeout(resolve, 300))
    // The backlog (1 MiB) and what the kernel's socket buffers hold: a few pages, not 100 (~100 MiB).
    expect(served).toBeLessThan(10)
    // Reading, the client gets every answer.
    let answers = 0
    await new Promise<void>((resolve) => {
      createInterface({ input: socket }).on('line', () => {
        if (++answers === requests) resolve()
      })
      socket.resume()
    })
    expect(served).toBe(requests)
    socket.destroy()
  }, 30_000)

  it('says when no node runs on the data dir', async () => {
    await server.close()
    await expect(ControlClient.connect(dir)).rejects.toMatchObject({ reason: 'no-node' })
    server = await ControlServer.open(dir, node)
  })
})
