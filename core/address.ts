import type { Address } from './actor.ts'
import { toHex } from './bytes.ts'

/*
 * What an address says about who sent a message. In a real node (runtime/node-runtime.ts) a peer on a link is
 * addressed by the hex of the identity key its link proved, and a LAN datagram arrives from
 * `udp://host:port`, which proves nothing. The simulator's addresses are node names: its network never
 * forges a sender, but it binds no keys to names either.
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
 * Whether a message from `from` may claim to come from the holder of `key`: not from a datagram's
 * source, and, from a link that proved an identity, only that identity's key.
 */
export function mayClaimKey(from: Address, key: Uint8Array): boolean {
  if (isDatagramSource(from)) return false
  return !isIdentityAddress(from) || from === toHex(key)
}
