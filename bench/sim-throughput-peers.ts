import FakeTimers from '@sinonjs/fake-timers'
import { Random } from '../core/random.ts'
import { sampleLatency } from '../sim/latency.ts'
import { RELIABLE_NETWORK } from '../sim/network.ts'
import { EventQueue } from '../sim/event-queue.ts'

/**
 * The peers sim-throughput measures the simulator against, on its workload: every node pings a random
 * peer, the peer answers, and on the answer the node pings the next random peer, `rounds` times. Each
 * draws from the streams the simulator gives node `n<i>` for seed 1 (`actor:n<i>` picks the peer,
 * `net:n<i>` the latency of what it sends), so every peer makes the same number of deliveries as the
 * simulator: `2 × nodes × rounds`.
 *
 * Each conversation has one message in flight at a time, so it is the unit of state: the message is
 * the conversation's number, and its peer and round live in arrays indexed by it.
 */
export interface PeerRun {
  readonly deliveries: number
  readonly seconds: number
}

const LATENCY = RELIABLE_NETWORK.latency

/** The per-node random streams, as the simulator splits them for seed 1. */
function streams(nodes: number): { readonly pickers: Random[]; readonly nets: Random[] } {
  const root = Random.fromSeed(1)
  return {
    pickers: Array.from({ length: nodes }, (_, i) => root.split(`actor:n${i}`)),
    nets: Array.from({ length: nodes }, (_, i) => root.split(`net:n${i}`)),
  }
}

/**
 * The practical limit of JS: a bare loop over the simulator's own typed heap (sim/event-queue.ts: a
 * binary heap on Float64Array times and sequence numbers and an Int32Array payload), calling nothing
 * but the latency draws. The payload is `conversation × 2 + (1 for a pong)`. A message to self is
 * handed at once, as the simulator's loopback is (no latency draw), so the draws stay the simulator's.
 */
export function typedHeapRun(nodes: number, rounds: number): PeerRun {
  const { pickers, nets } = streams(nodes)
  const peers = new Int32Array(nodes)
  const roundOf = new Int32Array(nodes)
  const queue = new EventQueue(nodes)
  const start = process.hrtime.bigint()
  let now = 0
  let deliveries = 0
  const send = (from: number, to: number, payload: number) =>
    queue.push(from === to ? now : now + sampleLatency(LATENCY, nets[from] as Random), payload)
  const ping = (node: number) => {
    const peer = (pickers[node] as Random).int(nodes)
    peers[node] = peer
    roundOf[node] = (roundOf[node] as number) + 1
    send(node, peer, node * 2)
  }
  for (let i = 0; i < nodes; i++) ping(i)
  while (queue.size > 0) {
    now = queue.peekTime()
    const payload = queue.pop()
    const conversation = payload >> 1
    deliveries++
    if ((payload & 1) === 0) send(peers[conversation] as number, conversation, payload | 1)
    else if ((roundOf[conversation] as number) < rounds) ping(conversation)
  }
  return { deliveries, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

/**
 * The same deliveries as timers of @sinonjs/fake-timers, the usual way to run timer-driven JS code in
 * virtual time: each message is a `clock.setTimeout` with the latency drawn, and `runAll` drives the
 * clock. fake-timers rounds a delay down to whole milliseconds (a delay of 0 fires 1 ms later while a
 * timer runs), so the event order differs from the simulator's; the number of deliveries does not.
 */
export function fakeTimersRun(nodes: number, rounds: number): PeerRun {
  const { pickers, nets } = streams(nodes)
  const peers = new Int32Array(nodes)
  const roundOf = new Int32Array(nodes)
  // runAll stops after loopLimit timers (default 1000, a guard against timers that rearm forever);
  // this run fires exactly its deliveries, one timer each.
  const clock = FakeTimers.createClock(0, 2 * nodes * rounds + 1)
  let deliveries = 0
  const send = (from: number, to: number, onArrival: (conversation: unknown) => void, conversation: number) =>
    clock.setTimeout(onArrival, from === to ? 0 : sampleLatency(LATENCY, nets[from] as Random), conversation)
  // fake-timers passes a timer's arguments through untyped: each is the conversation number.
  const onPong = (arg: unknown) => {
    const conversation = arg as number
    deliveries++
    if ((roundOf[conversation] as number) < rounds) ping(conversation)
  }
  const onPing = (arg: unknown) => {
    const conversation = arg as number
    deliveries++
    send(peers[conversation] as number, conversation, onPong, conversation)
  }
  const ping = (node: number) => {
    const peer = (pickers[node] as Random).int(nodes)
    peers[node] = peer
    roundOf[node] = (roundOf[node] as number) + 1
    send(node, peer, onPing, node)
  }
  const start = process.hrtime.bigint()
  for (let i = 0; i < nodes; i++) ping(i)
  clock.runAll()
  return { deliveries, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}
