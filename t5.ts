import { decodeFrame, encode } from './core/codec.ts'
import { KademliaMessage } from './actors/peer/kademlia.ts'
const msg = { type: 'nodes', rpc: 123, id: new Uint8Array(32).fill(1), ids: new Uint8Array(640).fill(2), addresses: Array.from({ length: 20 }, (_, i) => `n${i * 37}`) }
const fn = { type: 'find_node', rpc: 5, id: new Uint8Array(32).fill(1), target: new Uint8Array(32).fill(3) }
for (const m of [msg, fn]) {
  const bytes = encode(m)
  let s = performance.now()
  for (let i = 0; i < 20000; i++) encode(m)
  const enc = (performance.now() - s) / 20
  s = performance.now()
  for (let i = 0; i < 20000; i++) decodeFrame(bytes, KademliaMessage)
  const dec = (performance.now() - s) / 20
  console.log(m.type, 'encode µs', enc.toFixed(2), 'decode+schema µs', dec.toFixed(2), 'bytes', bytes.length)
}
