import type { Address, Context } from './actor.ts'
import { bytesEqual, toHex } from './bytes.ts'

/*
 * What an address says about who sent a message. In a real node (runtime/node-runtime.ts) a peer on a
 * link is addressed by the hex of the identity key its link proved, and a LAN datagram arrives from
 * `udp://host:port`, which proves nothing. The simulator's addresses are node names: its network never
 * forges a sender, and it binds to each name the key the node proved it holds (sim/simulation.ts), as
 * a real link binds the key of its handshake. A runtime tells which key it bound through `ctx.keyOf`.
 */

const DATAGRAM = 'udp://'
const IDENTITY = /^[0-9a-f]{64}$/

/** The address a LAN datagram from `hostPort` arrives from. */
export function datagramSource(hostPort: string): Address {
  return DATAGRAM + hostPort
}

/** Whether `address` is a LAN datagram's source: unauthenticated, and not an address to send to. */
export function isDatagramSource(address: Address): boolean {
  return address.startsWith(DATAGRAM)
}

/** Whether `address` names a peer by the identity its link proved (a real runtime's addresses). */
export function isIdentityAddress(address: Address): boolean {
  return IDENTITY.test(address)
}

/**
 * Whether a message from `from` may claim to come from the holder of `key`: never from a datagram's
 * source; from an address the runtime bound a key to (`ctx.keyOf`), only that key; from an identity
 * address, only the key it is the hex of. An address with no key bound (a simulated node whose
 * scenario bound none, a test's name) may claim any.
 */
export function mayClaimKey(from: Address, key: Uint8Array, ctx: Pick<Context, 'keyOf'>): boolean {
  if (isDatagramSource(from)) return false
  const bound = ctx.keyOf(from)
  if (bound !== undefined) return bytesEqual(bound, key)
  return !isIdentityAddress(from) || from === toHex(key)
}
