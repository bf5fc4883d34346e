import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcess, trace } from './node-process.fixtures.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'

describe('vain node logs', () => {
  const started: NodeProcess[] = []
  afterEach(async () => {
    for (const node of started.splice(0)) await node.kill('SIGKILL')
  })
  const start = (dir: string, name: string, extra: readonly string[] = []) => {
    const node = new NodeProcess(join(dir, name), ['--status-every', '200ms', ...extra], `passphrase of ${name}`)
    started.push(node)
    return node
  }

  it('LAN discovery off is said once at start, not per broadcast; peers are named as --find takes them; a pending --find says it is searching', async () => {
    const dir = tempDir('node-logs')
    // A and B, without --lan-port: B joins through A and publishes a record.
    const a = start(dir, 'a')
    const aUp = await a.waitFor((r) => r.event === 'listening', 'a to listen')
    expect(aUp.lan).toBe('off')
    const b = start(dir, 'b', ['--bootstrap', String(aUp.url), '--publish', 'greeting=hello'])
    const bUp = await b.waitFor((r) => r.event === 'listening', 'b to listen')

    // A's status tick reports B, by the identity B's own `listening` line gives. By then A has sent its
    // boot announcement to the LAN it does not have, and has not logged it.
    const peers = await a.waitFor((r) => trace('peers')(r) && (r.peers as string[]).length > 0, 'a to report a peer')
    expect(peers.peers).toEqual([bUp.identity])
    const published = await b.waitFor((r) => trace('record-published')(r) && Number(r.holders) >= 1, 'b to publish')
    for (const node of [a, b]) expect(node.lines.filter((line) => line.includes('no-broadcast-domain'))).toEqual([])
    // An ordinary join reads as one: no refusal of B's announcement (B sends it to A's URL and to A's
    // link identity, one copy each), and each link says which side opened it. B dialled A; A dialled B
    // back at B's announced URL to check it.
    expect(a.records.filter(trace('envelope-rejected'))).toEqual([])
    const linkUp = (node: NodeProcess) => node.records.filter((r) => r.event === 'link-up').map((r) => [r.peer, r.opened, r.dialled])
    expect(linkUp(b)[0]).toEqual([aUp.identity, 'by-us', aUp.url])
    expect(linkUp(a)[0]).toEqual([bUp.identity, 'by-peer', undefined])
    await a.waitFor((r) => r.event === 'link-up' && r.opened === 'by-us' && r.dialled === bUp.url, "a to check b's announced URL")

    // C looks the record up under the identity as A's peers line gave it: it says so at once, and finds it.
    const publisher = (peers.peers as string[])[0]!
    const c = start(dir, 'c', ['--bootstrap', String(aUp.url), '--find', `${publisher}/greeting`])
    const searchingAtStart = await c.waitFor(trace('record-searching'), 'c to say it is searching')
    expect(searchingAtStart).toMatchObject({ publisher, name: 'greeting', forMs: 0, lookups: 0 })
    const found = await c.waitFor(trace('record-found'), 'c to find the record')
    // The record's version is `seq` on both sides, as in the record itself.
    expect(found).toMatchObject({ publisher, name: 'greeting', value: 'hello', seq: published.seq })
    expect(published.seq).toEqual(expect.any(Number))
  }, 120_000)
})
