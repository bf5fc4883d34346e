import { ConfigError } from '../../../core/errors.ts'
import type { Seed } from '../../../core/random.ts'
import { BEHAVIOUR_KINDS } from '../../../sim/adversaries/arbitrary.ts'
import type { BehaviourKind } from '../../../sim/adversaries/behaviours.ts'
import { byzantineCount, parseAdversary, presetFaults, type PresetAdversary } from '../../../sim/adversaries/preset.ts'
import type { ByzantineOption } from '../../../sim/check.ts'
import type { Fault } from '../../../sim/faults.ts'
import type { Scenario } from '../../../sim/scenario.ts'
import { scenarios } from '../../../sim/scenarios/index.ts'

/** The behaviours that need the protocol's lie (core/byzantine.ts): on a scenario without lies they change nothing. */
const LIE_KINDS: readonly BehaviourKind[] = ['equivocate', 'lie', 'collude']

/**
 * `vain sim --byzantine FRACTION|N [--adversary KIND]` as faults: a twin or the behaviour on each chosen
 * node from the start. The default adversary is `collude` where the scenario's actors lie, `twins`
 * elsewhere (Twins needs no lie).
 */
export function presetArgs(byzantine: string | undefined, adversary: string | undefined, scenario: Scenario, nodes: number, seed: Seed): Fault[] {
  if (byzantine === undefined) {
    if (adversary !== undefined) throw new ConfigError('--adversary says what the Byzantine nodes do: give --byzantine FRACTION|N as well')
    return []
  }
  const kind: PresetAdversary = adversary === undefined ? (scenario.lies === true ? 'collude' : 'twins') : parseAdversary(adversary)
  if (kind !== 'twins') refuseLies([kind], scenario, '--adversary')
  const targets = scenario.faultTargets(nodes)
  return presetFaults(kind, targets, countOf(byzantine, targets.length), seed)
}

/** `vain check --byzantine N [--behaviours k1,k2]` as the check's option (default kinds: every one the scenario can act on). */
export function checkByzantineArgs(maxNodes: string | undefined, kinds: string | undefined, scenario: Scenario, nodes: number): { byzantine?: ByzantineOption } {
  if (maxNodes === undefined) {
    if (kinds !== undefined) throw new ConfigError('--behaviours chooses among Byzantine behaviours: give --byzantine N as well')
    return {}
  }
  const chosen = kinds === undefined ? BEHAVIOUR_KINDS.filter((k) => scenario.lies === true || !LIE_KINDS.includes(k)) : parseBehaviours(kinds)
  refuseLies(chosen, scenario, '--behaviours')
  return { byzantine: { maxNodes: countOf(maxNodes, scenario.faultTargets(nodes).length), kinds: chosen } }
}

/** Byzantine nodes asked as a share or a count; a share that rounds to none is a mistake worth saying. */
function countOf(text: string, targets: number): number {
  const count = byzantineCount(text, targets)
  if (count === 0) throw new ConfigError(`--byzantine ${text} of the ${targets} nodes that may be faulted is no node: give a count (--byzantine 1) or a larger share`)
  return count
}

function refuseLies(kinds: readonly BehaviourKind[], scenario: Scenario, flag: string): void {
  const lie = kinds.find((k) => LIE_KINDS.includes(k))
  if (lie === undefined || scenario.lies === true) return
  const liars = [...scenarios.values()].filter((s) => s.lies === true).map((s) => s.name)
  throw new ConfigError(
    `${flag} ${lie}: the actors of scenario ${scenario.name} tell no lies (they have no lie hook), so it would change nothing; ` +
      `use twins, silent, duplicate, replay or garbage here, or a scenario with lies: ${liars.join(', ')}`,
  )
}

function parseBehaviours(text: string): BehaviourKind[] {
  const kinds = text.split(',').map((k) => k.trim())
  for (const kind of kinds) {
    if (!(BEHAVIOUR_KINDS as string[]).includes(kind)) throw new ConfigError(`--behaviours: unknown behaviour ${JSON.stringify(kind)} (expected some of ${BEHAVIOUR_KINDS.join(', ')}, comma-separated)`)
  }
  return kinds as BehaviourKind[]
}
