import type { Seed } from '../../core/random.ts'
import { runCommand, type Scenario, type ScenarioSummary } from '../../sim/scenario.ts'

/** A command a researcher might run next, and why. */
export interface NextStep {
  readonly command: string
  readonly why: string
}

/** The trace file the replay suggestion writes to. */
const TRACE_FILE = 'run.trace'

/**
 * What to try after a run: the same run under a fault (or without the faults it had), another seed,
 * a property check under generated faults, the run replayed with its trace, and the other scenarios.
 */
export function nextSteps(summary: ScenarioSummary, scenario: Scenario): readonly NextStep[] {
  const target = scenario.faultTargets(summary.nodes)[0]
  const withFaults =
    summary.faults.length > 0
      ? { command: runCommand('sim', scenario.name, { ...summary, faults: [] }), why: 'the same run without its faults, to compare' }
      : target === undefined
        ? undefined
        : {
            command: runCommand('sim', scenario.name, { ...summary, faults: [{ at: 0, kind: 'partition', groups: [[target]] }] }),
            why: `the same run with ${target} cut off from the start (fault schedules: docs/simulator.md; --faults @file.json reads one from a file)`,
          }
  const nodes = summary.nodes === scenario.defaults.nodes ? '' : ` --nodes ${summary.nodes}`
  return [
    ...(withFaults === undefined ? [] : [withFaults]),
    { command: runCommand('sim', scenario.name, { ...summary, seed: nextSeed(summary.seed) }), why: 'the same run with another seed' },
    { command: `npx vain check ${scenario.name} --runs 100${nodes}`, why: '100 runs under generated fault schedules; a failing one is shrunk to a minimal schedule' },
    { command: `${runCommand('replay', scenario.name, summary)} --trace ${TRACE_FILE}`, why: `this run again, every event written to ${TRACE_FILE} as a JSON line` },
    { command: 'npx vain list', why: 'the other scenarios and benchmarks' },
  ]
}

function nextSeed(seed: Seed): Seed {
  return typeof seed === 'number' ? seed + 1 : `${seed}-2`
}
