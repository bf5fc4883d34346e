import { formatDuration, formatNumber } from '../../sim/format.ts'
import { runScenario, type Scenario, type ScenarioOptions, type ScenarioSummary } from '../../sim/scenario.ts'
import { ProgressBar } from './progress.ts'

/** Exit status of `vain sim` and `vain replay`: every invariant and every expectation held. */
export const EXIT_OK = 0
/** An invariant was violated: the code under test is wrong (the summary prints the replay command). */
export const EXIT_VIOLATION = 1
/**
 * Every invariant held but the run missed an expectation of its scenario (coverage, lookup success…):
 * a finding, most often about the faults injected, not a bug. Distinct from 1 so scripts can tell them
 * apart, and from 2 (bad usage).
 */
export const EXIT_EXPECTATION_NOT_HELD = 3

/** Wall-clock figures of a run, measured by the CLI (the simulation itself never reads the clock). */
export interface RunTiming {
  /** Wall time of the simulation, in ms (to 0.1 ms). */
  readonly wallMs: number
  /** Simulated events per wall-clock second. */
  readonly eventsPerSecond: number
}

/** What `vain sim --json` prints: the scenario's summary, then how long it took. */
export type SimReport = ScenarioSummary & RunTiming

/** Runs a scenario for `vain sim` / `vain replay`: times it, with a progress bar on stderr when `progress`. */
export function runSim(scenario: Scenario, options: ScenarioOptions, display: { readonly progress: boolean }): SimReport {
  const bar = new ProgressBar(scenario.name, display.progress)
  const until = formatDuration(options.untilMs)
  const started = performance.now()
  const summary = runScenario(scenario, options, (now, events) => bar.update(now / options.untilMs, `${formatDuration(now)} of ${until} virtual, ${formatNumber(events)} events`))
  const wallMs = performance.now() - started
  bar.done()
  return { ...summary, wallMs: Math.round(wallMs * 10) / 10, eventsPerSecond: wallMs > 0 ? Math.round(summary.events / (wallMs / 1000)) : 0 }
}

/** The exit status for a finished run: a violation outranks a missed expectation. */
export function simExitStatus(summary: ScenarioSummary): number {
  if (summary.violations.length > 0) return EXIT_VIOLATION
  return summary.expectations.every((e) => e.held) ? EXIT_OK : EXIT_EXPECTATION_NOT_HELD
}
