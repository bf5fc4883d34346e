import { ConfigError } from '../../core/errors.ts'
import { Random, type Seed } from '../../core/random.ts'
import type { Fault } from '../faults.ts'
import type { Behaviour, BehaviourKind } from './behaviours.ts'

/**
 * The adversaries `vain sim --adversary` can set up alone: Twins, and the behaviours that need no
 * parameter (delay and drop-some do: write those in --faults).
 */
export const PRESET_ADVERSARIES = ['twins', 'silent', 'duplicate', 'replay', 'garbage', 'equivocate', 'lie', 'collude'] as const satisfies readonly (BehaviourKind | 'twins')[]
export type PresetAdversary = (typeof PRESET_ADVERSARIES)[number]

/**
 * How many of `nodes` a `--byzantine` value makes Byzantine: a fraction below 1 (`0.3`: 30% of them,
 * rounded down), or a whole count (`3`). A clear ConfigError for anything else.
 */
export function byzantineCount(text: string, nodes: number, flag = '--byzantine'): number {
  const value = Number(text.trim())
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new ConfigError(`${flag} takes a fraction of the nodes such as 0.3, or a whole count such as 3; got ${JSON.stringify(text)}`)
  if (value < 1) return Math.floor(value * nodes)
  if (!Number.isInteger(value)) throw new ConfigError(`${flag} ${text}: a count must be whole, a fraction below 1`)
  if (value > nodes) throw new ConfigError(`${flag} ${text}: more Byzantine nodes than the ${nodes} it can choose from`)
  return value
}

/**
 * The faults that make `count` of `targets` the adversary's from the start, as a schedule (so a run's
 * replay command names them): a twin of each, or the behaviour on each. The nodes are drawn from the
 * run's seed, so another seed attacks other nodes.
 */
export function presetFaults(adversary: PresetAdversary, targets: readonly string[], count: number, seed: Seed): Fault[] {
  if (count > targets.length) throw new ConfigError(`${count} Byzantine nodes asked, but the scenario lets only ${targets.length} be faulted`)
  const chosen = Random.fromSeed(seed).split('adversary:preset').sample(targets, count)
  return chosen.map((node): Fault => (adversary === 'twins' ? { at: 0, kind: 'twin', node } : { at: 0, kind: 'byzantine', node, behaviour: { kind: adversary } as Behaviour }))
}

export function parseAdversary(text: string): PresetAdversary {
  if ((PRESET_ADVERSARIES as readonly string[]).includes(text)) return text as PresetAdversary
  const needs = text === 'delay' || text === 'drop-some' ? ` (${text} takes a parameter: write it in --faults, such as {"at":0,"kind":"byzantine","node":"n1","behaviour":{"kind":"${text}",${text === 'delay' ? '"ms":500' : '"rate":0.5'}}})` : ''
  throw new ConfigError(`--adversary must be one of ${PRESET_ADVERSARIES.join(', ')}; got ${JSON.stringify(text)}${needs}`)
}
