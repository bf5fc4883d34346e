import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { DecodeError } from '../../core/errors.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { SignatureVerifier } from '../../core/sign.ts'
import { MemoryKeyStore, ROOT_KEY } from '../identity/key-store.ts'
import { KademliaInbox, KademliaNode } from './kademlia.ts'
import { recordProblem, signRecord } from './record.ts'

/** An RPC id from a small number (tests only). */
const rpcId = (n: number) => new Uint8Array(8).fill(n)

const announce = (address: string) => ({ addresses: [address], tier: 1, capabilities: ['train'], resources: { cpuCores: 4, memoryMiB: 8_192, gpus: 1 } })

/** Frames a real peer sends: every RPC, a PEX sample and a relay of a genuine announcement, and the announcement itself. */
function corpus(): { frames: Uint8Array[]; peerAddress: string } {
  const keys = new MemoryKeyStore(new Uint8Array(32).fill(9))
  const peerCtx = new ManualContext('peer', 3)
  const peer = new KademliaNode({ bootstrap: [], keys, announce: announce('wss://10.0.0.9:7001') })
  peer.start(peerCtx)
  const envelope = peerCtx.broadcasts[0]
  const key = peer.key
  const record = signRecord(key, (m) => keys.sign(ROOT_KEY, m), { name: new TextEncoder().encode('model'), value: new Uint8Array(40).fill(7), seq: 3, expiresAt: 60_000 })
  const id = peer.id
  const messages = [
    { type: 'find_node', rpc: rpcId(1), key, target: id },
    { type: 'nodes', rpc: rpcId(2), key, ids: new Uint8Array(64).fill(5), addresses: ['wss://a:1', 'wss://b:2'] },
    { type: 'ping', rpc: rpcId(3), key },
    { type: 'pong', rpc: rpcId(4), key },
    { type: 'store', rpc: rpcId(5), key, record },
    { type: 'stored', rpc: rpcId(6), key },
    { type: 'find_value', rpc: rpcId(7), key, target: record.key },
    { type: 'value', rpc: rpcId(8), key, record },
    { type: 'pex', rpc: rpcId(9), key, sample: [envelope] },
    { type: 'relay', rpc: rpcId(10), key, announcement: envelope },
    envelope,
  ]
  return { frames: messages.map((m) => encode(m)), peerAddress: toHex(key) }
}

/** A corpus frame with bytes flipped, cut off or spliced in; or bytes from nowhere. */
function hostileFrames(frames: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(fc.constantFrom(...frames), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean())
    .map(([frame, flips, cut, truncate]) => {
      const bytes = Uint8Array.from(frame)
      for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask
      return truncate ? bytes.subarray(0, cut % bytes.length) : bytes
    })
  return fc.oneof(mutated, fc.uint8Array({ maxLength: 600 }))
}

describe('the Kademlia inbox under hostile bytes', () => {
  const { frames, peerAddress } = corpus()

  it('every corpus frame decodes (so the mutations start from real traffic)', () => {
    for (const frame of frames) expect(Result.isSuccess(decodeFrame(frame, KademliaInbox))).toBe(true)
  })

  it('decoding never throws: a frame is a typed DecodeError or a well-formed message, and a node takes any of them without harm', () => {
    const verifier = new SignatureVerifier()
    fc.assert(
      fc.property(hostileFrames(frames), fc.constantFrom(peerAddress, 'udp://10.0.0.9:7400', 'n7'), (frame, from) => {
        const ctx = new ManualContext('me')
        const node = new KademliaNode({ bootstrap: [], announce: announce('wss://10.0.0.1:7001') })
        node.start(ctx)
        const decoded = decodeFrame(frame, KademliaInbox)
        if (Result.isFailure(decoded)) return void expect(decoded.failure).toBeInstanceOf(DecodeError)
        node.receive(decoded.success, from, ctx)
        // Whatever it took in, the node stores only genuine records, sends nothing to a datagram's
        // source, and admits nobody from one.
        for (const record of node.records.live(ctx.now())) expect(recordProblem(record, ctx.now(), 24 * 3_600_000, verifier)).toBeUndefined()
        expect(ctx.sent.filter((s) => s.to.startsWith('udp://'))).toEqual([])
        if (from.startsWith('udp://')) expect(node.table.size).toBe(0)
      }),
      { numRuns: 600 },
    )
  })
})
