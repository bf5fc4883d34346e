import { ReasonedError } from '../core/errors.ts'

/** Why a node did not start: its actor (a component of it) threw in `start`. */
export type NodeStartFailure = 'actor-threw'

/**
 * A NodeRuntime whose actor threw in `start`. A half-started node is not run: components after the
 * one that threw were never started, and would fail on every input. The runtime has stopped (links,
 * LAN and compute workers closed) by the time this is thrown; `cause` is what the actor threw.
 */
export class NodeStartError extends ReasonedError<NodeStartFailure> {
  readonly _tag = 'NodeStartError' as const
  override readonly name = 'NodeStartError'

  constructor(
    reason: NodeStartFailure,
    message: string,
    override readonly cause: unknown,
  ) {
    super(reason, message)
  }
}
