import { ReasonedError } from '../../core/errors.ts'

/**
 * Why a trust computation refused its input: a graph past its bounds, an edge or a seed naming a node
 * that does not exist, a weight that is not a finite number, or a parameter out of its range. Nothing
 * is built or computed from refused input.
 */
export type TrustFailure = 'too-many-nodes' | 'too-many-edges' | 'bad-node' | 'bad-weight' | 'bad-seeds' | 'bad-parameter'

export class TrustError extends ReasonedError<TrustFailure> {
  readonly _tag = 'TrustError' as const
  override readonly name = 'TrustError'
}
