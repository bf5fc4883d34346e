import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { faultScheduleArbitrary } from '../check.ts'
import { faultNodes, parseFaultSchedule, twinName, type Fault, type FaultSchedule } from '../faults.ts'
import { runScenario } from '../scenario.ts'
import { vote } from '../scenarios/vote.ts'
import { twinsScheduleArbitrary, withTwins } from './twins-arbitrary.ts'

const nodes = ['v0', 'v1', 'v2', 'v3']
const shape = { nodes, horizonMs: 1000, maxTwins: 1 }
const schedules = twinsScheduleArbitrary(shape, (names) => faultScheduleArbitrary({ nodes: names, horizonMs: 1000 }))

describe('Twins schedules', () => {
  it('twin at most maxTwins nodes, name only nodes and twins booted by then, are sorted, and round-trip through the parser', () => {
    fc.assert(
      fc.property(schedules, (faults) => {
        const twins = faults.filter((f) => f.kind === 'twin')
        expect(twins.length).toBeLessThanOrEqual(shape.maxTwins)
        const booted = new Map(twins.map((t) => [twinName(t), t.at]))
        for (const fault of faults) {
          for (const name of faultNodes(fault)) {
            if (nodes.includes(name)) continue
            expect(booted.get(name)).toBeLessThanOrEqual(fault.at)
          }
        }
        expect(faults.map((f) => f.at)).toEqual(faults.map((f) => f.at).sort((a, b) => a - b))
        expect(parseFaultSchedule(JSON.stringify(faults))).toEqual(faults)
      }),
    )
  })

  it('are schedules a simulation runs: it accepts every name, and the twin is there before any fault names it', () => {
    fc.assert(
      fc.property(fc.nat(), schedules, (seed, faults) => {
        expect(runScenario(vote, { seed, nodes: 4, untilMs: 1000, faults }).violations).toEqual([])
      }),
      { numRuns: 30 },
    )
  })

  it('name the twins in partitions, as well as the other nodes', () => {
    const named = fc.sample(schedules, { numRuns: 500, seed: 1 }).flatMap((faults) => faults.flatMap((f) => (f.kind === 'partition' ? f.groups.flat() : [])))
    expect(named.some((name) => name.endsWith("'"))).toBe(true)
    expect(named.some((name) => nodes.includes(name))).toBe(true)
  })

  it('shrink to the fewest faults and the smallest groups that still fail', () => {
    // A stand-in for a bug: any partition that names a twin "fails".
    const namesTwin = (faults: FaultSchedule) => faults.some((f) => f.kind === 'partition' && f.groups.flat().some((name) => name.endsWith("'")))
    const details = fc.check(
      fc.property(schedules, (faults) => !namesTwin(faults)),
      { seed: 7 },
    )
    expect(details.failed).toBe(true)
    const [minimal] = details.counterexample as [FaultSchedule]
    expect(minimal).toHaveLength(2)
    const [twin, partition] = minimal as [Fault, Fault]
    expect(twin).toMatchObject({ kind: 'twin', at: 0 })
    expect(partition).toMatchObject({ kind: 'partition', at: 0, groups: [[twinName(twin as { node: string })]] })
  })

  it('shrink the twin away when it has no part in the failure', () => {
    const details = fc.check(
      fc.property(schedules, (faults) => !faults.some((f) => f.kind === 'crash')),
      { seed: 7 },
    )
    expect(details.failed).toBe(true)
    expect(details.counterexample).toEqual([[{ at: 0, kind: 'crash', node: 'v0' }]])
  })

  it('have a twin in most schedules (4 in 5, by TWINNED_WEIGHT)', () => {
    const twinned = fc.sample(schedules, { numRuns: 1000, seed: 1 }).filter((faults) => faults.some((f) => f.kind === 'twin')).length
    expect(twinned).toBeGreaterThan(700)
    expect(twinned).toBeLessThan(900)
  })
})

describe('withTwins', () => {
  const twin = { at: 300, kind: 'twin' as const, node: 'v1' }

  it("drops faults that name a twin the schedule lacks, and takes only the missing twin's name out of a partition", () => {
    const faults: FaultSchedule = [
      { at: 100, kind: 'crash', node: "v2'" },
      { at: 200, kind: 'partition', groups: [["v2'"], ['v0', "v2'"]] },
      { at: 250, kind: 'partition', groups: [["v2'"]] },
    ]
    expect(withTwins([twin], faults, shape)).toEqual([
      { at: 200, kind: 'partition', groups: [['v0']] },
      twin,
    ])
  })

  it('moves a fault that names a twin to its boot, after it', () => {
    const faults: FaultSchedule = [
      { at: 100, kind: 'partition', groups: [["v1'", 'v0']] },
      { at: 500, kind: 'crash', node: "v1'" },
    ]
    expect(withTwins([twin], faults, shape)).toEqual([twin, { at: 300, kind: 'partition', groups: [["v1'", 'v0']] }, { at: 500, kind: 'crash', node: "v1'" }])
  })

  it('keeps the Byzantine nodes within the budget: a byzantine fault on another node than the twinned one is dropped', () => {
    const silent = { kind: 'silent' as const }
    const faults: FaultSchedule = [
      { at: 400, kind: 'byzantine', node: 'v2', behaviour: silent },
      { at: 400, kind: 'byzantine', node: "v1'", behaviour: silent },
      { at: 400, kind: 'byzantine', node: 'v1', behaviour: silent },
    ]
    expect(withTwins([twin], faults, shape)).toEqual([twin, faults[1], faults[2]])
    expect(withTwins([], faults, shape)).toEqual([faults[0]])
  })
})
