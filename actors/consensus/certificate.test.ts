import { Result } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../core/keys.ts'
import { SignatureVerifier, sign } from '../../core/sign.ts'
import { checkCommit } from './certificate.ts'
import { Committee } from './committee.ts'
import { testCommittee } from './consensus.fixtures.ts'
import { GENESIS_PARENT, blockHash, votePayload, type Block, type Commit } from './messages.ts'
import { MEMBERS, precommitOf, testChain } from './sync.fixtures.ts'

const verifier = new SignatureVerifier()
const genesis = { height: 0, parent: GENESIS_PARENT }
const reason = (r: ReturnType<typeof checkCommit>) => (Result.isFailure(r) ? r.failure.reason : 'ok')

describe('checkCommit: the certificate check shared by voters and light clients', () => {
  const committee = new Committee(MEMBERS)
  const [first, second] = testChain(2) as [Commit, Commit]

  it('takes a quorum of valid precommits for the block, on the chain it attaches to', () => {
    expect(reason(checkCommit(first, genesis, committee, verifier))).toBe('ok')
    expect(reason(checkCommit(second, { height: 1, parent: blockHash(first.b) }, committee, verifier))).toBe('ok')
  })

  it('refuses a block that does not attach: another height, another parent, a proposer outside the committee', () => {
    expect(reason(checkCommit(second, genesis, committee, verifier))).toBe('wrong-height')
    expect(reason(checkCommit(second, { height: 1, parent: GENESIS_PARENT }, committee, verifier))).toBe('broken-parent')
    const b: Block = { ...first.b, by: 4 }
    const byStranger: Commit = { ...first, b, votes: [0, 1, 2].map((s) => precommitOf(s, b)) }
    expect(reason(checkCommit(byStranger, genesis, committee, verifier))).toBe('unknown-proposer')
  })

  it('counts nothing from an index outside the committee, a key outside it, a repeated member or another round', () => {
    const outsider = ed25519FromSeed(new Uint8Array(32).fill(99))
    const forged = sign(outsider.secretKey, votePayload('precommit', 0, 0, blockHash(first.b)))
    const [v0, v1] = first.votes as [Commit['votes'][0], Commit['votes'][0]]
    for (const votes of [
      [v0, v1, { s: 3, sig: forged }],
      [v0, v1, { s: 200, sig: forged }],
      [v0, v0, v0, v1],
      [v0, v1, precommitOf(2, first.b, 1)],
    ]) {
      expect(reason(checkCommit({ ...first, votes }, genesis, committee, verifier))).toBe('no-quorum')
    }
  })

  it('keeps only the signatures that counted: what a node stores is exactly the proof', () => {
    const junk = { s: 3, sig: new Uint8Array(64) }
    const checked = checkCommit({ ...first, votes: [junk, ...first.votes, first.votes[0]!] }, genesis, committee, verifier)
    expect(Result.isSuccess(checked) && checked.success.votes.map((v) => v.s)).toEqual([0, 1, 2])
  })

  it('accepts exactly when the distinct members with valid signatures weigh more than two thirds (any weights)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 7 }).chain((weights) =>
          fc.record({
            weights: fc.constant(weights),
            // Per member: absent, a valid signature, or a corrupted one; and how often it is listed.
            votes: fc.array(fc.record({ kind: fc.constantFrom('absent', 'valid', 'corrupt'), copies: fc.integer({ min: 1, max: 2 }) }), { minLength: weights.length, maxLength: weights.length }),
          }),
        ),
        ({ weights, votes }) => {
          const members = testCommittee(weights)
          const c = new Committee(members)
          const b: Block = { h: 0, parent: GENESIS_PARENT, by: 0, entries: [] }
          let valid = 0
          const listed = votes.flatMap(({ kind, copies }, s) => {
            if (kind === 'absent') return []
            const { sig } = precommitOf(s, b)
            if (kind === 'valid') valid += weights[s] as number
            const signed = kind === 'valid' ? sig : Uint8Array.from(sig, (x, i) => (i === 0 ? x ^ 1 : x))
            return Array.from({ length: copies }, () => ({ s, sig: signed }))
          })
          const total = weights.reduce((x, y) => x + y, 0)
          expect(reason(checkCommit({ t: 'commit', r: 0, b, votes: listed }, genesis, c, verifier))).toBe(3 * valid > 2 * total ? 'ok' : 'no-quorum')
        },
      ),
    )
  })
})
