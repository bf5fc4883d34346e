import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseFaultSchedule, type FaultSchedule } from '../../sim/faults.ts'
import { runScenario, type ScenarioSummary } from '../../sim/scenario.ts'
import { gossip } from '../../sim/scenarios/gossip.ts'
import { replicationUnsafe } from '../../sim/scenarios/replication.ts'
import { rotation } from '../../sim/scenarios/rotation.ts'
import { summaryLines, verdictLine } from './output.ts'
import { EXIT_EXPECTATION_NOT_HELD, EXIT_OK, EXIT_VIOLATION, runSim, simExitStatus } from './report.ts'
import { emptyCounts } from '../../sim/adversaries/adversary.ts'
import { adversaryLine, describeFault, faultLines } from './report-faults.ts'
import { nextSteps } from './report-next.ts'

const SOURCE_CUT_OFF: FaultSchedule = [{ at: 0, kind: 'partition', groups: [['n0']] }]
const DAY = 86_400_000

describe('vain sim report', () => {
  it('a gossip run with its rumour source partitioned off reads as NOT held, not as a success, and exits 3', () => {
    const report = runSim(gossip, { seed: 1, nodes: 100, untilMs: 60_000, faults: SOURCE_CUT_OFF }, { progress: false })
    expect(report.violations).toEqual([])
    expect(report.expectations).toEqual([{ name: 'coverage ≥ 99%', held: false, detail: '1% (1 of 100 nodes informed)' }])
    expect(simExitStatus(report)).toBe(EXIT_EXPECTATION_NOT_HELD)
    expect(EXIT_EXPECTATION_NOT_HELD).toBe(3)
    // --json: raw numbers, the faults and the verdicts, and the wall-clock figures.
    const json = JSON.parse(JSON.stringify(report))
    expect(json).toMatchObject({ scenario: 'gossip', faults: SOURCE_CUT_OFF, expectations: [{ held: false }], coverage: 0.01 })
    expect(json.wallMs).toBeGreaterThan(0)
    expect(json.eventsPerSecond).toBeGreaterThan(0)

    const lines = summaryLines(report, gossip)
    expect(lines).toContain('expectation  NOT held  coverage ≥ 99%: 1% (1 of 100 nodes informed)')
    expect(lines).toContain('faults       at 0ms  partition: n0 | the rest')
    expect(lines).toContain('coverage     1%')
    expect(lines).toContain('informed     1 node')
    expect(lines.at(-1)).toBe('verdict: NOT AS EXPECTED, 1 of 1 expectation not held under the 1 injected fault: coverage ≥ 99%')
    expect(lines.join('\n')).toMatch(/events in [\d.]+(ms|s) of wall time \([\d,]+ events\/s\)/)
  })

  it('a default gossip run holds its expectation, reads OK and exits 0; times are rounded, every figure has its unit', () => {
    const report = runSim(gossip, { seed: 1, nodes: 1000, untilMs: 60_000 }, { progress: false })
    expect(simExitStatus(report)).toBe(EXIT_OK)
    const lines = summaryLines(report, gossip)
    expect(lines.at(-1)).toBe('verdict: OK, every invariant and expectation held')
    expect(lines).toEqual(
      expect.arrayContaining([
        'seed 1, 1,000 nodes, until 1m, isolation bytes',
        'run          1.61s of virtual time; it stopped because nothing was left to do (quiescent)',
        'network      11,991 messages sent (456 KB), 11,941 delivered (454 KB)',
        'coverage     100%',
        'msTo50       339ms',
        'msToAll      865ms',
        'expectation  held      coverage ≥ 99%: 100% (1,000 of 1,000 nodes informed)',
      ]),
    )
    // No raw virtual times (1613.141136830604) or long fractions anywhere.
    for (const line of lines) expect(line).not.toMatch(/\d\.\d{3,}/)
  })

  it('nested and per-node figures read with their units', () => {
    const summary = runScenario(rotation, { seed: 2, nodes: 3, untilMs: 200 * DAY })
    const lines = summaryLines(summary, rotation)
    expect(lines).toContain('epochs       2 (each of 3)')
    expect(lines.some((l) => /^stolen +acceptedBeforeRotation: [\d,]+ envelopes?$/.test(l))).toBe(true)
    expect(lines).toContain('run          200d of virtual time; it stopped because it reached --until (time)')
    expect(lines.some((l) => l.includes('npx vain sim rotation --seed 3 --nodes 3 --until 200d'))).toBe(true)
  })

  it('a violation outranks a missed expectation: exit 1, and the verdict says FAILED', () => {
    const faults: FaultSchedule = [
      { at: 250, kind: 'crash', node: 'r0' },
      { at: 300, kind: 'restart', node: 'r0' },
    ]
    const summary = runScenario(replicationUnsafe, { seed: 1, nodes: 3, untilMs: 10_000, faults })
    expect(simExitStatus(summary)).toBe(EXIT_VIOLATION)
    const missed: ScenarioSummary = { ...summary, expectations: [{ name: 'x', held: false, detail: 'y' }] }
    expect(simExitStatus(missed)).toBe(EXIT_VIOLATION)
    expect(verdictLine(missed)).toMatch(/^verdict: FAILED/)
    expect(summaryLines(summary, replicationUnsafe).join('\n')).toContain("VIOLATION of 'acknowledged writes are durable on a majority'")
  })

  it('describes every kind of fault, lists at most ten, and marks those after the run stopped', () => {
    expect(describeFault({ at: 1, kind: 'crash', node: 'n3', torn: true })).toBe('crash n3 (torn: part of its unsynced writes survives)')
    expect(describeFault({ at: 1, kind: 'restart', node: 'n3' })).toBe('restart n3')
    expect(describeFault({ at: 1, kind: 'partition', id: 'p1', groups: [['n0', 'n1'], ['n2']] })).toBe("partition 'p1': n0, n1 | n2 | the rest")
    expect(describeFault({ at: 1, kind: 'partition', groups: [Array.from({ length: 8 }, (_, i) => `n${i}`)] })).toBe('partition: n0, n1, n2, n3, n4 and 3 more | the rest')
    expect(describeFault({ at: 1, kind: 'heal' })).toBe('heal every partition')
    expect(describeFault({ at: 1, kind: 'heal', id: 'p1' })).toBe("heal partition 'p1'")
    expect(describeFault({ at: 1, kind: 'skew', node: 'n4', offsetMs: 2500, driftPpm: 200 })).toBe("skew n4's clock by +2.5s, drifting 200 ppm")
    expect(describeFault({ at: 1, kind: 'skew', node: 'n4', offsetMs: -90_000 })).toBe("skew n4's clock by -90s")
    expect(describeFault({ at: 1, kind: 'clog', node: 'n5', peer: 'n6', durationMs: 800 })).toBe('clog n5 ↔ n6 for 800ms')
    expect(describeFault({ at: 1, kind: 'byzantine', node: 'n2', behaviour: { kind: 'drop-some', rate: 0.25 }, durationMs: 3000 })).toBe('n2 turns Byzantine: drops 25% of what it sends for 3s')
    expect(describeFault({ at: 1, kind: 'twin', node: 'n1' })).toBe("twin n1: n1' boots with its identity and empty storage")
    expect(describeFault({ at: 1, kind: 'sybil', count: 50, prefix: 's' })).toBe('50 Sybils join (s0 … s49): colludes: one controller splits the honest nodes and every colluder lies alike')
    expect(adversaryLine({ ...emptyCounts(), garbage: 12, replay: 3 })).toBe('3 replayed, 12 garbled (messages the Byzantine nodes sent)')
    expect(adversaryLine(emptyCounts())).toMatch(/never acted/)
    expect(adversaryLine({ ...emptyCounts(), noLieHook: 4 })).toMatch(/never acted .*; 4 lies not told: the actor has no lie hook/)
    const many: FaultSchedule = Array.from({ length: 12 }, (_, i) => ({ at: (12 - i) * 1000, kind: 'crash', node: `n${i}` }))
    const lines = faultLines(many, 11_500)
    expect(lines).toHaveLength(11)
    expect(lines[0]).toBe('at 1s   crash n11') // in time order
    expect(lines[9]).toBe('at 10s  crash n2')
    expect(lines[10]).toBe('… and 2 more (all of them in --json)')
    expect(faultLines([{ at: 20_000, kind: 'crash', node: 'n1' }], 10_000)).toEqual(['at 20s  crash n1 (not injected: the run had stopped)'])
  })

  it('suggests runnable next steps: a fault to try (or the run without its faults), another seed, check, replay with a trace', () => {
    const healthy = runScenario(gossip, { seed: 5, nodes: 20, untilMs: 60_000 })
    const steps = nextSteps(healthy, gossip).map((s) => s.command)
    const tryFault = steps[0]!
    expect(tryFault).toMatch(/^npx vain sim gossip --seed 5 --nodes 20 --until 1m --faults '/)
    expect(parseFaultSchedule(/--faults '(.*)'$/.exec(tryFault)![1]!)).toEqual(SOURCE_CUT_OFF)
    expect(steps).toContain('npx vain sim gossip --seed 6 --nodes 20 --until 1m')
    expect(steps).toContain('npx vain check gossip --runs 100 --nodes 20')
    expect(steps).toContain('npx vain replay gossip --seed 5 --nodes 20 --until 1m --trace run.trace')
    const faulty = runScenario(gossip, { seed: 5, nodes: 20, untilMs: 60_000, faults: SOURCE_CUT_OFF })
    expect(nextSteps(faulty, gossip)[0]).toEqual({ command: 'npx vain sim gossip --seed 5 --nodes 20 --until 1m', why: 'the same run without its faults, to compare' })
  })
})

describe('vain sim output (CLI)', () => {
  const run = promisify(execFile)
  const vain = async (...args: string[]) => {
    try {
      return { code: 0, ...(await run(process.execPath, [join(import.meta.dirname, '..', 'vain.js'), ...args])) }
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string }
    }
  }

  it('prints the verdict for people and the expectations in --json when the rumour source is cut off', async () => {
    const args = ['sim', 'gossip', '--seed', '1', '--nodes', '100', '--faults', JSON.stringify(SOURCE_CUT_OFF)]
    const [human, json] = await Promise.all([vain(...args), vain(...args, '--json')])
    expect(human.stdout).toContain('NOT held  coverage ≥ 99%: 1% (1 of 100 nodes informed)')
    expect(human.stdout.trim().split('\n').at(-1)).toMatch(/^verdict: NOT AS EXPECTED/)
    const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)!)
    expect(summary).toMatchObject({ faults: SOURCE_CUT_OFF, expectations: [{ name: 'coverage ≥ 99%', held: false }] })
    expect([human.code, json.code]).toEqual([3, 3])
  })

  it('exits 0 with the wall time in --json when every expectation held', async () => {
    const result = await vain('sim', 'gossip', '--seed', '1', '--nodes', '100', '--json')
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
    expect(summary.wallMs).toBeGreaterThan(0)
    expect(summary.eventsPerSecond).toBeGreaterThan(0)
    expect(summary.expectations).toEqual([expect.objectContaining({ held: true })])
  })
})
