import type { Address } from '../../core/actor.ts'
import { isIdentityAddress } from '../../core/address.ts'
import type { Random } from '../../core/random.ts'
import { exactBytes } from '../../core/schemas.ts'

/**
 * RPC ids: 64 random bits from the context's stream, so nobody who has not seen a request can answer
 * it (sequential ids let forged `nodes` replies sprayed over guessed ids hijack a bootstrap). They
 * travel as 8 bytes; the pending table is keyed by the first 4 (a number: a Map lookup as fast as
 * the old sequential ids) and checks the other 4 on a match.
 */
export const RPC_BYTES = 8
export const Rpc = exactBytes(RPC_BYTES)

/** The `rpc` of a message that expects no answer (a PEX sample, a relay). */
export const NO_RPC = new Uint8Array(RPC_BYTES)

/**
 * RPCs in flight at most (4,096). Past it the oldest is taken as lost at once, so a node's own
 * lookups, probes and hand-offs can never grow the table without bound. 4,096 is a thousand lookups
 * at α = 3 at once, or 4,096 RPCs a second at the 1 s timeout: far above an honest node's rate.
 */
export const DEFAULT_MAX_PENDING_RPCS = 4_096

const low = (rpc: Uint8Array) => (rpc[0]! | (rpc[1]! << 8) | (rpc[2]! << 16) | (rpc[3]! << 24)) >>> 0
const high = (rpc: Uint8Array) => (rpc[4]! | (rpc[5]! << 8) | (rpc[6]! << 16) | (rpc[7]! << 24)) >>> 0

function rpcOf(l: number, h: number): Uint8Array {
  const rpc = new Uint8Array(RPC_BYTES)
  const view = new DataView(rpc.buffer)
  view.setUint32(0, l, true)
  view.setUint32(4, h, true)
  return rpc
}

/** A request awaiting its answer: where it went and when it counts as lost. */
export interface Request {
  /** The address it was sent to: an answer counts only from there (see `answersFrom`). */
  readonly address: Address
  /** When it counts as lost (this node's clock). */
  readonly deadline: number
}

/**
 * The requests in flight, in the order they were sent (so the first is the first to expire), each
 * under a fresh random id.
 */
export class PendingRpcs<P extends Request> {
  private readonly byLow = new Map<number, { readonly high: number; readonly request: P }>()

  get size(): number {
    return this.byLow.size
  }

  /** Files `request` under a fresh id, unique among those in flight, and returns the id. */
  add(request: P, random: Random): Uint8Array {
    let l = random.nextU32()
    while (this.byLow.has(l)) l = random.nextU32()
    const h = random.nextU32()
    this.byLow.set(l, { high: h, request })
    return rpcOf(l, h)
  }

  /** The request filed under `rpc`, if one is (all 64 bits must match). */
  get(rpc: Uint8Array): P | undefined {
    const entry = this.byLow.get(low(rpc))
    return entry !== undefined && entry.high === high(rpc) ? entry.request : undefined
  }

  delete(rpc: Uint8Array): void {
    this.byLow.delete(low(rpc))
  }

  /** The oldest request in flight and its id. */
  oldest(): [Uint8Array, P] | undefined {
    const first = this.byLow.entries().next()
    if (first.done === true) return undefined
    const [l, { high: h, request }] = first.value
    return [rpcOf(l, h), request]
  }
}

/**
 * Whether an answer from `from` may answer a request sent to `sentTo`: only from that same address,
 * or, for a request sent to a URL (a real runtime dials `wss://…`), from a link that proved an
 * identity (the runtime addresses its answer by the peer's identity hex; the id check then binds it).
 */
export function answersFrom(sentTo: Address, from: Address): boolean {
  return from === sentTo || (isIdentityAddress(from) && !isIdentityAddress(sentTo) && sentTo.includes('://'))
}
