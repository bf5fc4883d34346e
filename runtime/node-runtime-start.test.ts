import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Context, TimerTag } from '../core/actor.ts'
import type { Component } from '../core/component.ts'
import { Composite } from '../core/composite.ts'
import { MemoryStorage } from '../core/storage.ts'
import { MemoryNetwork } from '../transports/memory.ts'
import { testSigner } from '../transports/test-signer.ts'
import { NodeStartError } from './node-start-error.ts'
import { NodeRuntime, type LogRecord } from './node-runtime.ts'

const Ping = Schema.Struct({ t: Schema.Literal('ping') })
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Arms a short timer at start and records what reaches it; `fails` makes its start throw after that. */
class Part implements Component<typeof Ping.Type> {
  readonly inbox = Ping
  readonly protocol: string
  readonly fired: TimerTag[] = []
  received = 0
  constructor(
    readonly name: string,
    private readonly fails = false,
  ) {
    this.protocol = `${name}/1`
  }
  start(ctx: Context): void {
    ctx.setTimer(5, 'soon')
    if (this.fails) throw new Error(`${this.name} cannot read its state`)
  }
  receive(): void {
    this.received++
  }
  timer(tag: TimerTag): void {
    this.fired.push(tag)
  }
}

describe('NodeRuntime start', () => {
  it('a component that throws in start is fatal: start rejects with a NodeStartError naming it, and the runtime has closed what it opened', async () => {
    const network = new MemoryNetwork()
    const transport = network.transport(testSigner(1))
    const address = await transport.listen()
    const parts = [new Part('a'), new Part('b', true), new Part('c')]
    const logs: LogRecord[] = []
    const runtime = new NodeRuntime({ actor: new Composite(parts), transport, storage: new MemoryStorage(), log: (r) => logs.push(r) })

    const failure = await runtime.start().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(NodeStartError)
    expect(failure).toMatchObject({ reason: 'actor-threw', message: 'its actor threw in start: b cannot read its state' })
    expect((failure as NodeStartError).cause).toEqual(new Error('b cannot read its state'))
    // Closed: the listener is gone, and the timer the first component armed never fires.
    await expect(network.transport(testSigner(2)).dial(address)).rejects.toThrow()
    await tick(30)
    expect(parts.map((p) => p.fired.length)).toEqual([0, 0, 0])
    expect(logs.map((l) => l.event)).toContain('start-failed')
    expect(logs.filter((l) => l.event === 'actor-error')).toEqual([])
  })

  it('an actor that starts resolves start, and runs', async () => {
    const network = new MemoryNetwork()
    const transport = network.transport(testSigner(1))
    const parts = [new Part('a'), new Part('b')]
    const runtime = new NodeRuntime({ actor: new Composite(parts), transport, storage: new MemoryStorage(), log: () => {} })
    await runtime.start()
    await tick(30)
    expect(parts.map((p) => p.fired)).toEqual([['soon'], ['soon']])
    await runtime.stop()
  })
})
