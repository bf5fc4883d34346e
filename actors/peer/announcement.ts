import { Schema } from 'effect'
import { Count } from '../../core/schemas.ts'

/**
 * The protocol announcements are sealed for: the DHT's (`kad/1`), whose component receives them. It is
 * in the signed part of the envelope, so an announcement can never be opened as another protocol's
 * message, nor another protocol's signed message as an announcement.
 */
export const KAD_PROTOCOL = 'kad/1'

const Text = (max: number) => Schema.String.check(Schema.isMaxLength(max))

/** What a node offers the network, as it claims it (claims are checked by audits, not here). */
export const Resources = Schema.Struct({ cpuCores: Count, memoryMiB: Count, gpus: Count })
export type Resources = typeof Resources.Type

/**
 * The Node Announcement Protocol's packet: where a node can be reached, the tier it claims, what it
 * can do and what it offers. It always travels inside a signed envelope with the sender's rotation
 * certificate attached, and a receiver opens the envelope (certificate, signature, replay) before it
 * reads a single field; the node's id is BLAKE2b of the root key that signed.
 */
export const Announcement = Schema.Struct({
  type: Schema.Literal('announce'),
  addresses: Schema.Array(Text(256)).check(Schema.isMinLength(1), Schema.isMaxLength(8)),
  tier: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10 })),
  capabilities: Schema.Array(Text(32)).check(Schema.isMaxLength(16)),
  resources: Resources,
})
export type Announcement = typeof Announcement.Type
