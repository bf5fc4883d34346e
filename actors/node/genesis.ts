import { Result, Schema } from 'effect'
import type { Address } from '../../core/actor.ts'
import { fromHex, toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { blake2b } from '../../core/hash.ts'
import { encode } from '../../core/codec.ts'
import { MAX_MEMBER_WEIGHT, type Member } from '../consensus/committee.ts'
import { MAX_COMMITTEE } from '../consensus/messages.ts'

/**
 * The genesis of a committee (docs/consensus.md, *Real nodes*): who votes, with what weight, and where
 * each validator listens, as a Tendermint genesis file lists its validators (public key and power) and
 * its config their persistent peers. Until reputation and stake provide the committee at epoch
 * boundaries, every validator starts from the same genesis file.
 *
 * ```json
 * { "validators": [ { "name": "node0", "identity": "<64 hex digits>", "weight": 1, "url": "wss://127.0.0.1:7001" } ] }
 * ```
 * - `identity`: the validator's identity, its root public key in 64 hex digits, as `vain node identity`
 *   and a node's `listening` log give it; its votes are signed with that key.
 * - `weight`: whole vote units, 1 to 2^32 (committee.ts).
 * - `url`: where it listens (`wss://host:port`); the other validators dial it at start, as bootstrap
 *   peers. Optional (a validator reached otherwise, through the DHT).
 * - `name`: for people; optional.
 */

/** A name is for logs and people: 64 characters is room for a host name and a role. */
export const MAX_VALIDATOR_NAME_CHARS = 64
/** A URL as `vain node` takes it (`--bootstrap`): the saved-peers bound (peer-status.ts). */
export const MAX_VALIDATOR_URL_CHARS = 256

const Validator = Schema.Struct({
  name: Schema.optional(Schema.String.check(Schema.isMaxLength(MAX_VALIDATOR_NAME_CHARS))),
  identity: Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/i)),
  weight: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(MAX_MEMBER_WEIGHT)),
  url: Schema.optional(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_VALIDATOR_URL_CHARS))),
})
const GenesisFile = Schema.Struct({ validators: Schema.Array(Validator).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_COMMITTEE)) })

/** One validator of a genesis, checked. */
export interface GenesisValidator {
  readonly name?: string
  /** Its root public key: it signs its votes, and a real node's links prove it. */
  readonly identity: Uint8Array
  readonly weight: number
  readonly url?: string
}

/** A committee's genesis, checked: 1 to MAX_COMMITTEE validators, no identity twice. */
export interface Genesis {
  readonly validators: readonly GenesisValidator[]
}

/**
 * Reads a genesis from its JSON text. Throws ConfigError naming `source` and the bad field
 * (`validators[2].weight: Expected an integer`); unknown fields are refused, as a misspelt one would
 * otherwise be silently ignored.
 */
export function parseGenesis(text: string, source: string): Genesis {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${source} is not JSON: ${(error as Error).message}`)
  }
  const decoded = Schema.decodeUnknownResult(GenesisFile, { errors: 'first', onExcessProperty: 'error' })(json)
  if (Result.isFailure(decoded)) throw new ConfigError(`${source}: ${issue(decoded.failure.message)}`)
  const seen = new Map<string, number>()
  const validators = decoded.success.validators.map((v, i) => {
    const key = v.identity.toLowerCase()
    const twin = seen.get(key)
    if (twin !== undefined) throw new ConfigError(`${source}: validators[${i}].identity is validators[${twin}]'s too: each validator once`)
    seen.set(key, i)
    return { ...(v.name !== undefined && { name: v.name }), identity: fromHex(key), weight: v.weight, ...(v.url !== undefined && { url: v.url }) }
  })
  return { validators }
}

// effect's "Expected an integer\n  at ["validators"][0]["weight"]" as "validators[0].weight: Expected an integer".
function issue(message: string): string {
  const [what = message, at] = message.split('\n  at ')
  if (at === undefined) return what
  const path = at.replace(/\["([^"]*)"\]/g, '.$1').replace(/^\./, '')
  return `${path}: ${what}`
}

/**
 * The committee the voter is given: a member per validator, in the genesis order (a member is named on
 * the wire by its index), addressed by `addressOf` its identity. In a real node a peer's address is the
 * hex of the key its link proved (runtime/node-runtime.ts), which is the default.
 */
export function committeeOf(genesis: Genesis, addressOf: (identity: Uint8Array) => Address = toHex): Member[] {
  return genesis.validators.map((v) => ({ address: addressOf(v.identity), weight: v.weight, publicKey: v.identity }))
}

/**
 * A digest of the committee (identities and weights, in order; names and URLs are not the committee's):
 * validators that log the same one vote in the same committee, so an operator compares one line, not
 * a file.
 */
export function genesisDigest(genesis: Genesis): string {
  return toHex(blake2b(encode(genesis.validators.map((v) => [v.identity, v.weight])), 16))
}
