// A consumer of the packed package (examples/package/package.test.ts installs the tarball next to it):
// runs the Pinger of docs/actors.md in the simulator, by hand in a ManualContext, and over real
// WebSocket links between two NodeRuntimes on loopback; runs a compute job on a real node's worker
// thread; and loads every entry of the `exports` map. Prints one JSON line for the test to check.
import { MemoryStorage, toHex, type Actor, type Transport } from 'vain/core'
import { NodeRuntime, type LogRecord } from 'vain/runtime'
import { Simulation } from 'vain/sim'
import { ManualContext, testSigner } from 'vain/testing'
import { MemoryNetwork } from 'vain/transports'
import { WsTransport } from 'vain/transports/ws'
import { Doubler } from './doubler.js'
import { entries } from './entries.js'
import { Pinger } from './pinger.js'

/** How long the real nodes get to exchange three pongs and run one job: far beyond the ~1 s it takes. */
const REAL_DEADLINE_MS = 60_000
/** The real Pinger's interval: short, so three round trips take a fraction of a second. */
const REAL_PING_EVERY_MS = 50

function simulate(seed: number) {
  const sim = new Simulation({ seed })
  sim.addNode('a', () => new Pinger('b'))
  sim.addNode('b', () => new Pinger('a'))
  sim.addNode('c', () => new Doubler())
  const result = sim.run({ untilMs: 60_000 })
  return { traceHash: result.traceHash, events: result.events, pongs: sim.actor<Pinger>('a')?.pongs, doubled: sim.actor<Doubler>('c')?.result }
}

function byHand() {
  const ctx = new ManualContext('a')
  const pinger = new Pinger('b')
  pinger.start(ctx)
  ctx.drive(pinger, 1000)
  return { sent: ctx.sent.map(({ to }) => to) }
}

async function overWs() {
  const logs: LogRecord[] = []
  const boot = (actor: Actor<any>, transport: Transport) => {
    const runtime = new NodeRuntime({ actor, transport, storage: new MemoryStorage(), log: (record) => logs.push(record), allowLoopback: true })
    runtime.start()
    return runtime
  }
  const listenerTransport = await WsTransport.create(testSigner(1))
  // The listener pings the dialler's identity rarely: until the dialler's link exists, those are dropped.
  const listener = boot(new Pinger(toHex(testSigner(2).publicKey), REAL_DEADLINE_MS), listenerTransport)
  const url = await listenerTransport.listen()
  const pinger = new Pinger(url, REAL_PING_EVERY_MS)
  const dialler = boot(pinger, await WsTransport.create(testSigner(2)))
  const doubler = new Doubler()
  const computer = boot(doubler, new MemoryNetwork().transport(testSigner(3)))
  const started = Date.now()
  while ((pinger.pongs < 3 || doubler.result === undefined) && Date.now() - started < REAL_DEADLINE_MS) await new Promise((resolve) => setTimeout(resolve, 20))
  await Promise.all([dialler.stop(), listener.stop(), computer.stop()])
  return { url, pongs: pinger.pongs, doubled: doubler.result, faults: logs.filter((r) => ['actor-error', 'dial-failed', 'dial-refused', 'rejected', 'send-failed', 'sync-failed'].includes(r.event)) }
}

const loaded = Object.fromEntries(Object.entries(entries).map(([name, module]) => [name, Object.keys(module).length]))
console.log(JSON.stringify({ sim: simulate(42), again: simulate(42).traceHash, manual: byHand(), ws: await overWs(), loaded }))
