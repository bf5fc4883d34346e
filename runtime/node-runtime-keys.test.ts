import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Actor } from '../core/actor.ts'
import { mayClaimKey } from '../core/address.ts'
import { toHex } from '../core/bytes.ts'
import { MemoryStorage } from '../core/storage.ts'
import { MemoryNetwork } from '../transports/memory.ts'
import { testSigner } from '../transports/test-signer.ts'
import { NodeRuntime } from './node-runtime.ts'

const idle: Actor = { inbox: Schema.Unknown, receive: () => {} }

describe('NodeRuntime.ctx.keyOf', () => {
  it('binds to an identity address the key it is the hex of, and to a URL or a datagram source none', async () => {
    const network = new MemoryNetwork()
    const runtime = new NodeRuntime({ actor: idle, transport: network.transport(testSigner(1)), storage: new MemoryStorage(), log: () => {} })
    const peer = network.transport(testSigner(2)).identity
    expect(toHex(runtime.ctx.keyOf(toHex(peer))!)).toBe(toHex(peer))
    expect(runtime.ctx.keyOf('wss://10.0.0.7:7001')).toBeUndefined()
    expect(runtime.ctx.keyOf('udp://10.0.0.7:7400')).toBeUndefined()
    expect(mayClaimKey(toHex(peer), network.transport(testSigner(3)).identity, runtime.ctx)).toBe(false)
    expect(mayClaimKey(toHex(peer), peer, runtime.ctx)).toBe(true)
    await runtime.stop()
  })
})
