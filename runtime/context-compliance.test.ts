import { expect } from 'vitest'
import type { TraceFields } from '../core/actor.ts'
import { Composite } from '../core/composite.ts'
import { asComponent, contextCompliance, type ContextHarness } from '../core/context-compliance.suite.ts'
import { MemoryStorage } from '../core/storage.ts'
import { MemoryNetwork } from '../transports/memory.ts'
import { testSigner } from '../transports/test-signer.ts'
import { NodeRuntime, type LogRecord } from './node-runtime.ts'

/** Generous: a loaded 2-core machine may take seconds to start a worker thread and run a job. */
const WAIT_LIMIT_MS = 20_000
/** After the probe is done, how long what must not happen (a cancelled timer, a second delivery) gets to happen. */
const AFTERWARDS_MS = 50

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The runtime's log, as the suite reads records: the actor's traces as given, send drops as they are. */
function asRecord(record: LogRecord): TraceFields | undefined {
  if (record.event === 'trace') {
    const { event: _event, ...fields } = record
    return fields
  }
  return record.event === 'send-dropped' ? record : undefined
}

/** Runs the suite's actor alone, or as the one component of a composite (the scoped context must behave alike). */
const realTime = (component: boolean) => (): ContextHarness => ({
  seeded: false,
  virtual: false,
  unknownAddress: 'nobody',
  async run(actor, _ms, done) {
    const logs: LogRecord[] = []
    const runtime = new NodeRuntime({ actor: component ? new Composite([asComponent(actor)]) : actor, transport: new MemoryNetwork().transport(testSigner(1)), storage: new MemoryStorage(), log: (r) => logs.push(r) })
    runtime.start()
    try {
      const deadline = performance.now() + WAIT_LIMIT_MS
      while (!done()) {
        if (performance.now() > deadline) throw new Error(`the probe was not done within ${WAIT_LIMIT_MS} ms`)
        await tick(5)
      }
      await tick(AFTERWARDS_MS)
    } finally {
      await runtime.stop()
    }
    expect(logs.filter((l) => l.event === 'actor-error')).toEqual([])
    return { records: logs.map(asRecord).filter((r) => r !== undefined) }
  },
})

contextCompliance('NodeRuntime', realTime(false))
contextCompliance('NodeRuntime, a component of a Composite', realTime(true))
