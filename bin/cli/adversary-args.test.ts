import { describe, expect, it } from 'vitest'
import { scenarioNamed } from '../../sim/scenarios/index.ts'
import { PRESET_ADVERSARIES } from '../../sim/adversaries/preset.ts'
import { checkByzantineArgs, presetArgs } from './commands/adversary-args.ts'
import { ADVERSARIES_TEXT } from './commands/flags.ts'

describe('--byzantine and --adversary on the command line', () => {
  const replication = scenarioNamed('replication')
  const bft = scenarioNamed('bft')

  it('default to what the scenario can act on: collude where its actors lie, twins elsewhere', () => {
    expect(presetArgs('1', undefined, bft, 4, 1).map((f) => (f.kind === 'byzantine' ? f.behaviour.kind : f.kind))).toEqual(['collude'])
    expect(presetArgs('1', undefined, replication, 3, 1).map((f) => f.kind)).toEqual(['twin'])
  })

  it('refuse a lie on a scenario whose actors tell none, naming the scenarios that do', () => {
    expect(() => presetArgs('1', 'equivocate', replication, 3, 1)).toThrow(/actors of scenario replication tell no lies.*a scenario with lies: .*bft/)
    expect(() => checkByzantineArgs('1', 'garbage,lie', replication, 3)).toThrow(/--behaviours lie/)
    expect(checkByzantineArgs('1', undefined, replication, 3).byzantine?.kinds).not.toContain('collude')
    expect(checkByzantineArgs('1', undefined, bft, 4).byzantine?.kinds).toContain('collude')
  })

  it('are named in the help as the presets are', () => {
    expect(ADVERSARIES_TEXT).toBe(PRESET_ADVERSARIES.join(', '))
  })

  it('refuse a share that rounds to no node, and --adversary or --behaviours alone', () => {
    expect(() => presetArgs('0.3', 'twins', replication, 3, 1)).toThrow(/no node: give a count \(--byzantine 1\)/)
    expect(() => presetArgs(undefined, 'twins', replication, 3, 1)).toThrow(/give --byzantine/)
    expect(() => checkByzantineArgs(undefined, 'silent', replication, 3)).toThrow(/give --byzantine N/)
  })
})
