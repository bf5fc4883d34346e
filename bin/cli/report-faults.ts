import type { AdversaryCounts } from '../../sim/adversaries/adversary.ts'
import type { Behaviour, BehaviourKind } from '../../sim/adversaries/behaviours.ts'
import { sybilName, twinName, type Fault, type FaultSchedule } from '../../sim/faults.ts'
import { counted, formatDuration, formatNumber } from '../../sim/format.ts'

/** Faults listed one per line in a summary; the rest are counted (`--json` has them all). */
export const DEFAULT_FAULTS_SHOWN = 10
/** Node names shown per partition group: a group can name thousands of nodes. */
const NAMES_SHOWN = 5

/** One fault in words: `crash n3 (torn writes)`, `partition: n0 | the rest` (`n0 → the rest` one way). */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'crash':
      return `crash ${fault.node}${fault.torn === true ? ' (torn: part of its unsynced writes survives)' : ''}`
    case 'restart':
      return `restart ${fault.node}`
    case 'partition':
      // Nodes in no group form one more group (sim/faults.ts).
      return `partition${fault.id === undefined ? '' : ` '${fault.id}'`}: ${[...fault.groups.map(names), ...(fault.rest === 'untouched' ? [] : ['the rest'])].join(fault.oneWay === true ? ' → ' : ' | ')}${fault.oneWay === true ? ' (one way: each hears the later groups, they do not hear it)' : ''}${fault.rest === 'untouched' ? ' (the others untouched)' : ''}`
    case 'heal':
      return fault.id === undefined ? 'heal every partition' : `heal partition '${fault.id}'`
    case 'skew':
      return `skew ${fault.node}'s clock by ${fault.offsetMs < 0 ? '' : '+'}${formatDuration(fault.offsetMs)}${fault.driftPpm === undefined ? '' : `, drifting ${formatNumber(fault.driftPpm)} ppm`}`
    case 'clog':
      return `clog ${fault.node}${fault.peer === undefined ? '' : ` ↔ ${fault.peer}`} for ${formatDuration(fault.durationMs)}`
    case 'corrupt-read':
      return `corrupt ${fault.node}'s next ${counted(fault.reads ?? 1, 'reads')}${where(fault.prefix)} (a bit flipped on the way back)`
    case 'bad-sector':
      return `bad sector on ${fault.node}: ${counted(fault.items ?? 1, 'stored items')}${where(fault.prefix)} damaged`
    case 'lying-sync':
      return `${fault.node}'s disk lies about its next ${counted(fault.syncs ?? 1, 'syncs')} (a crash before an honest one loses their writes)`
    case 'byzantine':
      return `${fault.node} turns Byzantine: ${describeBehaviour(fault.behaviour)}${fault.durationMs === undefined ? '' : ` for ${formatDuration(fault.durationMs)}`}`
    case 'twin':
      return `twin ${fault.node}: ${twinName(fault)} boots with its identity and empty storage`
    case 'sybil': {
      const last = sybilName(fault, fault.count - 1)
      return `${formatNumber(fault.count)} Sybil${fault.count === 1 ? '' : 's'} join (${fault.count === 1 ? last : `${sybilName(fault, 0)} … ${last}`}): ${describeBehaviour(fault.behaviour ?? { kind: 'collude' })}`
    }
  }
}

const percent = (rate: number | undefined) => `${formatNumber(Math.round((rate ?? 1) * 1000) / 10)}%`

/** A behaviour in words: `drops 30% of what it sends`. */
export function describeBehaviour(behaviour: Behaviour): string {
  switch (behaviour.kind) {
    case 'silent':
      return 'sends nothing'
    case 'delay':
      return `sends everything ${formatDuration(behaviour.ms)} late`
    case 'drop-some':
      return `drops ${percent(behaviour.rate)} of what it sends`
    case 'duplicate':
      return `sends everything ${1 + (behaviour.copies ?? 1)} times`
    case 'replay':
      return `follows ${percent(behaviour.rate)} of its messages with an old one`
    case 'garbage':
      return `garbles ${percent(behaviour.rate)} of its frames`
    case 'equivocate':
      return "tells half of its peers its protocol's lie"
    case 'lie':
      return `tells its protocol's lie in ${percent(behaviour.rate)} of its messages`
    case 'collude':
      return behaviour.deceive === 'all' ? 'colludes: every colluder tells every honest node the same lie' : 'colludes: one controller splits the honest nodes and every colluder lies alike'
  }
}

const where = (prefix: string | undefined) => (prefix === undefined || prefix === '' ? '' : ` under ${prefix}`)

function names(group: readonly string[]): string {
  if (group.length === 0) return '(nobody)'
  const shown = group.slice(0, NAMES_SHOWN).join(', ')
  return group.length > NAMES_SHOWN ? `${shown} and ${formatNumber(group.length - NAMES_SHOWN)} more` : shown
}

/**
 * The schedule as lines (`at 100 ms  crash n3`), in time order, at most `shown` of them; a fault after
 * the time the run stopped is marked as never injected.
 */
export function faultLines(faults: FaultSchedule, stoppedAtMs: number, shown = DEFAULT_FAULTS_SHOWN): string[] {
  const sorted = [...faults].sort((a, b) => a.at - b.at)
  const times = sorted.slice(0, shown).map((f) => `at ${formatDuration(f.at)}`)
  const width = Math.max(0, ...times.map((t) => t.length))
  const lines = sorted.slice(0, shown).map((f, i) => `${times[i]!.padEnd(width)}  ${describeFault(f)}${f.at > stoppedAtMs ? ' (not injected: the run had stopped)' : ''}`)
  if (sorted.length > shown) lines.push(`… and ${formatNumber(sorted.length - shown)} more (all of them in --json)`)
  return lines
}

// What each behaviour counts, as the summary says it.
const DID: Readonly<Record<BehaviourKind, string>> = {
  silent: 'silenced',
  delay: 'delayed',
  'drop-some': 'dropped',
  duplicate: 'extra copies',
  replay: 'replayed',
  garbage: 'garbled',
  equivocate: 'equivocations',
  lie: 'lies',
  collude: 'colluded lies',
}

/** What the Byzantine nodes did: `12 garbled, 3 replayed` (or that their behaviours never acted). */
export function adversaryLine(counts: AdversaryCounts): string {
  const { noLieHook, ...byKind } = counts
  const acted = (Object.entries(byKind) as [BehaviourKind, number][]).filter(([, n]) => n > 0)
  const untold = noLieHook > 0 ? `; ${formatNumber(noLieHook)} lies not told: the actor has no lie hook (core/byzantine.ts)` : ''
  if (acted.length === 0) return `its behaviours never acted (nothing sent, or no lie for what was sent)${untold}`
  return `${acted.map(([kind, n]) => `${formatNumber(n)} ${DID[kind]}`).join(', ')} (messages the Byzantine nodes sent)${untold}`
}
