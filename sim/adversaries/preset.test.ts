import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.ts'
import { byzantineCount, parseAdversary, presetFaults } from './preset.ts'

describe('--byzantine and --adversary', () => {
  it('count a fraction of the nodes (rounded down) or a whole number, and refuse anything else', () => {
    expect(byzantineCount('0.3', 100)).toBe(30)
    expect(byzantineCount('0.34', 10)).toBe(3)
    expect(byzantineCount('3', 10)).toBe(3)
    for (const bad of ['0', '-1', '1.5', 'x', '', '11']) expect(() => byzantineCount(bad, 10)).toThrow(ConfigError)
  })

  it('turn distinct nodes Byzantine, drawn from the seed, with the preset behaviour or a twin each', () => {
    const targets = Array.from({ length: 10 }, (_, i) => `n${i}`)
    const faults = presetFaults('collude', targets, 3, 1)
    expect(new Set(faults.map((f) => (f as { node: string }).node)).size).toBe(3)
    expect(faults.every((f) => f.kind === 'byzantine' && f.behaviour.kind === 'collude' && f.at === 0)).toBe(true)
    expect(presetFaults('collude', targets, 3, 1)).toEqual(faults)
    const others = [2, 3, 4, 5].map((seed) => presetFaults('collude', targets, 3, seed).map((f) => (f as { node: string }).node).join())
    expect(new Set(others).size).toBeGreaterThan(1)
    expect(presetFaults('twins', targets, 2, 1).map((f) => f.kind)).toEqual(['twin', 'twin'])
  })

  it('refuse an adversary that needs a parameter, saying how to write it', () => {
    expect(() => parseAdversary('delay')).toThrow(/"ms":500/)
    expect(() => parseAdversary('nope')).toThrow(/must be one of twins, silent/)
    expect(parseAdversary('equivocate')).toBe('equivocate')
  })
})
