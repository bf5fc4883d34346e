/** A typed failure: a tag to match on and a reason from a closed set, beside a message for people. */
export abstract class ReasonedError<Reason extends string> extends Error {
  abstract readonly _tag: string
  constructor(
    readonly reason: Reason,
    message: string,
  ) {
    super(message)
  }
}

/** Why a frame from outside was refused. */
export type DecodeFailure = 'frame-too-large' | 'malformed' | 'schema'

/** A frame that could not become a message: it changes no state and reaches no actor. */
export class DecodeError extends ReasonedError<DecodeFailure> {
  readonly _tag = 'DecodeError' as const
  override readonly name = 'DecodeError'
}

/** A configuration, schedule or command-line value that does not describe a valid run. */
export class ConfigError extends Error {
  readonly _tag = 'ConfigError' as const
  override readonly name = 'ConfigError'
}
