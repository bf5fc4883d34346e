import { ConfigError } from '../../core/errors.ts'
import type { Scenario } from '../scenario.ts'
import { bft, bftForgetful, bftUnsafe } from './bft.ts'
import { churn } from './churn.ts'
import { dht } from './dht.ts'
import { diskFaults } from './disk-faults.ts'
import { eclipse, eclipseUndefended } from './eclipse.ts'
import { gossip } from './gossip.ts'
import { node } from './node.ts'
import { replication, replicationUnsafe } from './replication.ts'
import { rotation } from './rotation.ts'
import { vote, voteForgetful, voteUnsafe } from './vote.ts'

/** Every scenario the CLI knows, by name. */
export const scenarios: ReadonlyMap<string, Scenario> = new Map([gossip, replication, replicationUnsafe, rotation, node, dht, churn, diskFaults, eclipse, eclipseUndefended, vote, voteUnsafe, voteForgetful, bft, bftUnsafe, bftForgetful].map((s) => [s.name, s]))

export function scenarioNamed(name: string): Scenario {
  const scenario = scenarios.get(name)
  if (scenario === undefined) throw new ConfigError(`unknown scenario '${name}'; known: ${[...scenarios.keys()].join(', ')}`)
  return scenario
}
