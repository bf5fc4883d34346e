import { counted, formatBytes, formatDuration, formatFigure, formatNumber, type Unit } from '../../sim/format.ts'
import type { Scenario, ScenarioSummary } from '../../sim/scenario.ts'
import { scenarioNamed } from '../../sim/scenarios/index.ts'
import type { StopReason } from '../../sim/simulation.ts'
import type { RunTiming } from './report.ts'
import { adversaryLine, faultLines } from './report-faults.ts'
import { nextSteps } from './report-next.ts'

/** Array figures list at most this many values (a per-node figure of 1,000 nodes would fill the screen). */
const VALUES_SHOWN = 10

const STOPPED: Readonly<Record<StopReason, string>> = {
  quiescent: 'nothing was left to do',
  time: 'it reached --until',
  events: 'it reached the event limit',
  violation: 'an invariant was violated',
}

/**
 * Prints a run's summary: with `json`, one JSON line (raw numbers, for scripts); otherwise a report for
 * people, with units, the faults injected, the expectations judged, a verdict and what to try next.
 * The wall-clock figures appear when the run was timed (`runSim` does).
 */
export function printSummary(summary: ScenarioSummary & Partial<RunTiming>, json: boolean): void {
  if (json) console.log(JSON.stringify(summary))
  else for (const line of summaryLines(summary, scenarioNamed(summary.scenario))) console.log(line)
}

/** The human report, line by line. */
export function summaryLines(summary: ScenarioSummary & Partial<RunTiming>, scenario: Scenario): string[] {
  const rows: [label: string, text: string][] = []
  const row = (label: string, ...texts: string[]) => texts.forEach((text, i) => rows.push([i === 0 ? label : '', text]))
  const { network: net } = summary
  const dropped = Object.entries(net.dropped).filter(([, n]) => n > 0)
  const droppedTotal = dropped.reduce((a, [, n]) => a + n, 0)

  row(
    'run',
    `${formatDuration(summary.virtualTimeMs)} of virtual time; it stopped because ${STOPPED[summary.stoppedBy]} (${summary.stoppedBy})`,
    summary.wallMs === undefined
      ? `${formatNumber(summary.events)} events`
      : `${formatNumber(summary.events)} events in ${formatDuration(summary.wallMs)} of wall time (${formatNumber(summary.eventsPerSecond ?? 0)} events/s)`,
  )
  row(
    'network',
    `${formatNumber(net.sent)} messages sent (${formatBytes(net.bytesSent)}), ${formatNumber(net.delivered)} delivered (${formatBytes(net.bytesDelivered)})`,
    `${formatNumber(net.duplicated)} duplicated, ${formatNumber(net.rejected)} rejected by the receiver's schema, ${formatNumber(droppedTotal)} dropped${
      dropped.length === 0 ? '' : ` (${dropped.map(([why, n]) => `${why} ${formatNumber(n)}`).join(', ')})`
    }`,
  )
  if (summary.faults.length === 0) row('faults', 'none scheduled (messages still meet the network model: the drops above)')
  else row('faults', ...faultLines(summary.faults, summary.virtualTimeMs))
  if (summary.adversary !== undefined) row('adversary', adversaryLine(summary.adversary))
  row('trace hash', summary.traceHash)
  rows.push(['', ''])
  for (const [field, unit] of Object.entries(scenario.units) as [string, Unit][]) row(field, ...figureLines(summary[field], unit))
  rows.push(['', ''])
  row('invariants', summary.violations.length === 0 ? 'held (no violation)' : `VIOLATED (${summary.violations.length}; see below)`)
  const verdicts = summary.expectations.map((e) => `${(e.held ? 'held' : 'NOT held').padEnd(8)}  ${e.name}: ${e.detail}`)
  row(summary.expectations.length === 1 ? 'expectation' : 'expectations', ...(verdicts.length === 0 ? ['none declared'] : verdicts))

  const width = Math.max(...rows.map(([label]) => label.length)) + 2
  const lines = rows.map(([label, text]) => (label === '' && text === '' ? '' : `${label.padEnd(width)}${text}`))
  for (const v of summary.violations) {
    lines.push('', `VIOLATION of '${v.invariant}' at step ${formatNumber(v.step)} (t = ${formatDuration(v.timeMs)}): ${v.message}`, `replay with:\n  ${v.replay}`)
  }
  lines.push('', 'try next:', ...nextSteps(summary, scenario).flatMap((s) => [`  # ${s.why}`, `  ${s.command}`]))
  const header = `seed ${summary.seed}, ${formatNumber(summary.nodes)} nodes, until ${formatDuration(summary.untilMs)}, isolation ${summary.isolation}`
  return [`${scenario.name}: ${scenario.description}`, header, '', ...lines, '', verdictLine(summary)]
}

/** The last line: a run that missed an expectation never reads as a success. */
export function verdictLine(summary: ScenarioSummary): string {
  if (summary.violations.length > 0) return `verdict: FAILED, an invariant was violated (replay command above)`
  const missed = summary.expectations.filter((e) => !e.held)
  if (missed.length > 0) {
    const under = summary.faults.length === 0 ? '' : ` under the ${counted(summary.faults.length, 'injected faults')}`
    return `verdict: NOT AS EXPECTED, ${missed.length} of ${counted(summary.expectations.length, 'expectations')} not held${under}: ${missed.map((e) => e.name).join('; ')}`
  }
  return 'verdict: OK, every invariant and expectation held'
}

/** A figure in its unit: a number, a flag, a list (each of its values) or a record (one line per entry). */
function figureLines(value: unknown, unit: Unit): string[] {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return [formatFigure(value, unit)]
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => v === value[0])) return [`${figureLines(value[0], unit)[0]} (each of ${formatNumber(value.length)})`]
    const shown = value.slice(0, VALUES_SHOWN).map((v) => figureLines(v, unit)[0])
    return [`${shown.join(', ')}${value.length > VALUES_SHOWN ? `, … (${formatNumber(value.length)} in all)` : ''}`]
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    return entries.length === 0 ? ['none'] : entries.map(([key, v]) => `${key}: ${figureLines(v, unit).join(', ')}`)
  }
  return [String(value)]
}
