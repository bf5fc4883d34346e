import type { Address } from '../../core/actor.ts'
import type { LieContext } from '../../core/byzantine.ts'
import { bytesEqual } from '../../core/bytes.ts'
import { packContacts, type KademliaInbox, type KademliaMessage } from './kademlia-rpc.ts'
import { compareDistance, nodeIdOf, type NodeId } from './node-id.ts'
import type { Contact } from './routing-table.ts'

/**
 * The FIND_NODE or FIND_VALUE a node is answering while its reply goes out: a reply names only its
 * RPC, and the lie needs the target.
 */
export interface Question {
  readonly rpc: Uint8Array
  readonly target: NodeId
}

/** What the lie needs of the lying node. */
export interface LiarHost {
  /** The node itself, one of the adversary's identities. */
  readonly self: Contact
  readonly key: Uint8Array
  /** Contacts in a reply: the honest node's k. */
  readonly k: number
  /** The key the runtime bound to an address (`ctx.keyOf`): an accomplice's id is its hash. */
  keyOf(address: Address): Uint8Array | undefined
}

/**
 * A Kademlia node's wrong answer to `question` (core/byzantine.ts), which the simulator's `lie`,
 * `equivocate` and `collude` behaviours send in place of `reply`: the adversary's identities (the node
 * and its accomplices) nearest the target, and nothing else, to a FIND_NODE and to a FIND_VALUE, whose
 * record, when the node holds it, is withheld. An asker that believes it routes only through the
 * adversary: an eclipse (Singh et al., 2006). An accomplice with no key bound yet (not booted) is
 * left out: its id is not known. Undefined for any message that does not answer `question` (a pong,
 * a replayed old reply: they go out as they are).
 */
export function routingLie(reply: KademliaInbox, question: Question | undefined, to: Address, lies: LieContext, host: LiarHost): KademliaMessage | undefined {
  if (question === undefined || (reply.type !== 'nodes' && reply.type !== 'value') || !bytesEqual(reply.rpc, question.rpc)) return undefined
  const adversary: Contact[] = [host.self]
  for (const address of lies.accomplices) {
    const key = address === to ? undefined : host.keyOf(address)
    if (key !== undefined) adversary.push({ id: nodeIdOf(key), address })
  }
  const nearest = adversary.sort((a, b) => compareDistance(question.target, a.id, b.id)).slice(0, host.k)
  return { type: 'nodes', rpc: reply.rpc, key: host.key, ...packContacts(nearest) }
}

