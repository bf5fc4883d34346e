/** Why a frame from outside was refused. */
export type DecodeFailure = 'frame-too-large' | 'malformed' | 'schema'

/** A frame that could not become a message: it changes no state and reaches no actor. */
export class DecodeError extends Error {
  readonly _tag = 'DecodeError' as const
  override readonly name = 'DecodeError'

  constructor(
    readonly reason: DecodeFailure,
    message: string,
  ) {
    super(message)
  }
}

/** A configuration, schedule or command-line value that does not describe a valid run. */
export class ConfigError extends Error {
  readonly _tag = 'ConfigError' as const
  override readonly name = 'ConfigError'
}
