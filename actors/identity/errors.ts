import { ReasonedError } from '../../core/errors.ts'

/** Why a signed message or a rotation certificate was refused. */
export type IdentityFailure =
  | 'malformed' // the envelope or its body does not decode
  | 'bad-signature'
  | 'bad-certificate' // a certificate whose signatures fail, or that breaks the chain or equivocates
  | 'unknown-key' // no certificate yet for this identity or epoch
  | 'expired-key' // a replaced key, used after its grace window
  | 'replay' // a sequence number already seen (or too old to tell)
  | 'misdirected' // addressed to another identity
  | 'wrong-protocol' // signed for another protocol than the one opening it
  | 'rate-limited' // a confirmed identity's next envelope, sooner than its replay mark may be synced again

/** A refused envelope or certificate: it changes no state. */
export class IdentityError extends ReasonedError<IdentityFailure> {
  readonly _tag = 'IdentityError' as const
  override readonly name = 'IdentityError'
}
