import { signedVote, testCommittee } from './consensus.fixtures.ts'
import type { Member } from './committee.ts'
import { GENESIS_PARENT, blockHash, type Block, type Commit, type Signed } from './messages.ts'
import type { ServedChain } from './range-server.ts'

/** The test committee n0..n3, weight 1 each (consensus.fixtures.ts keys). */
export const MEMBERS: Member[] = testCommittee([1, 1, 1, 1])

/** Member `s`'s precommit signature for `block` in `round`, as it goes into a certificate. */
export function precommitOf(s: number, block: Block, round = 0): Signed {
  return { s, sig: signedVote(s, 'precommit', block.h, round, blockHash(block)).sig }
}

/**
 * A chain of `length` commits as the test committee decides it: block h by member h mod 4, one entry
 * naming its height (and `entryBytes` more bytes of padding), a certificate of members 0, 1 and 2.
 */
export function testChain(length: number, entryBytes = 0): Commit[] {
  const chain: Commit[] = []
  let parent: Uint8Array = GENESIS_PARENT
  for (let h = 0; h < length; h++) {
    const b: Block = { h, parent, by: h % MEMBERS.length, entries: [Uint8Array.of(h & 0xff, h >> 8), ...(entryBytes > 0 ? [new Uint8Array(entryBytes)] : [])] }
    chain.push({ t: 'commit', r: 0, b, votes: [0, 1, 2].map((s) => precommitOf(s, b)) })
    parent = blockHash(b)
  }
  return chain
}

/** A chain held in memory, as a member serves it (range-server.ts). */
export function heldChain(commits: readonly Commit[]): ServedChain {
  return { height: commits.length, committedAt: (h) => commits[h] }
}
