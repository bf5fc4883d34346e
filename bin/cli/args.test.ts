import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.ts'
import { estimatedHeapBytes } from '../../sim/scenario.ts'
import { scenarioNamed } from '../../sim/scenarios/index.ts'
import { DURATION_UNIT_MS, exactDuration, formatDuration } from '../../sim/format.ts'
import { parse, parseDuration, parsePositiveDuration, parsePositiveInt, parseSeed } from './args.ts'
import { searchSeed } from './commands/check.ts'
import { nodesArg, refuseAddedNodes } from './commands/scenario-args.ts'
import type { FaultSchedule } from '../../sim/faults.ts'

const FLAGS = {
  name: { type: 'string' },
  many: { type: 'string', multiple: true },
  on: { type: 'boolean' },
} as const

describe('parse', () => {
  it('gives back every value as written, in either form, even one that starts with a dash', () => {
    const value = fc.string().filter((s) => !s.startsWith('--'))
    fc.assert(
      fc.property(value, fc.array(value, { maxLength: 4 }), fc.boolean(), fc.boolean(), (name, many, inline, on) => {
        const argv = [...(inline ? [`--name=${name}`] : ['--name', name]), ...many.flatMap((v) => ['--many', v]), ...(on ? ['--on'] : []), 'positional']
        const { values, positionals } = parse(argv, FLAGS)
        expect(values.name).toBe(name)
        expect(values.many).toEqual(many.length === 0 ? undefined : many)
        expect(values.on).toBe(on ? true : undefined)
        expect(positionals).toEqual(['positional'])
      }),
    )
  })

  it('refuses what it cannot read, with the flag in the message', () => {
    expect(() => parse(['--nope'], FLAGS)).toThrow(new ConfigError("unknown flag '--nope'"))
    expect(() => parse(['-x'], FLAGS)).toThrow(new ConfigError("unknown flag '-x'"))
    expect(() => parse(['--name'], FLAGS)).toThrow(new ConfigError('--name needs a value (TEXT)'))
    expect(() => parse(['--name', '--on'], FLAGS)).toThrow(new ConfigError('--name needs a value (TEXT)'))
    expect(() => parse(['--on=1'], FLAGS)).toThrow(new ConfigError('--on takes no value'))
    expect(() => parse(['--name', 'a', '--name', 'b'], FLAGS)).toThrow(new ConfigError('--name is given twice'))
    expect(() => parse(['--constructor', 'x'], FLAGS)).toThrow(ConfigError)
    expect(parse(['--', '--name', '-5'], FLAGS).positionals).toEqual(['--name', '-5'])
  })
})

describe('durations', () => {
  it('formatDuration writes a round duration in the largest exact unit, and parseDuration reads it back', () => {
    const unitScale = fc.constantFrom(...Object.values(DURATION_UNIT_MS))
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999 }), unitScale, (count, scale) => {
        const text = formatDuration(count * scale)
        expect(parseDuration(text)).toBe(count * scale)
        expect(text).toMatch(/^\d+(ms|s|m|h|d|y)$/)
      }),
    )
    expect([3 * 365 * 86_400_000, 90 * 86_400_000, 65_000, 60_000, 1500, 120_000].map(formatDuration)).toEqual(['3y', '90d', '65s', '1m', '1.5s', '2m'])
  })

  it('exactDuration states any whole number of ms exactly, for replay commands', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 46 }), (ms) => {
      expect(parseDuration(exactDuration(ms))).toBe(ms)
    }))
    expect([3 * 365 * 86_400_000, 1500, 65_001].map(exactDuration)).toEqual(['3y', '1500ms', '65001ms'])
  })

  it('any other duration reads back within its three significant digits', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1000 * DURATION_UNIT_MS.y, noNaN: true }), (ms) => {
        const text = formatDuration(ms)
        expect(text).toMatch(/^\d+(\.\d+)?(ms|s|m|h|d|y)$/)
        expect(Math.abs(parseDuration(text) - ms) / ms).toBeLessThanOrEqual(0.005)
      }),
    )
  })

  it('a duration beyond 1000y is too long, not "not positive"', () => {
    expect(() => parsePositiveDuration('9999999999999y', '--until')).toThrow(/^--until is too long: at most 1000y, got 9999999999999y$/)
    expect(parsePositiveDuration('1000y', '--until')).toBe(1000 * DURATION_UNIT_MS.y)
  })

  it('a positive duration refuses zero, negatives and words in one line', () => {
    for (const text of ['0', '-5s', '-1', 'soon', '', '0.5ms']) expect(() => parsePositiveDuration(text, '--until')).toThrow(/^--until must be a positive duration/)
    expect(parsePositiveDuration('2m', '--until')).toBe(120_000)
  })
})

describe('numbers and seeds', () => {
  it('a positive integer is digits only', () => {
    for (const text of ['-5', '0', '1.5', '1e3', '', ' ', 'abc']) expect(() => parsePositiveInt(text, '--nodes')).toThrow(/^--nodes must be a positive integer, got /)
    expect(() => parsePositiveInt('99999999999999999999', '--runs')).toThrow(/^--runs is too large: at most 9,007,199,254,740,991 \(the largest exact integer\), got 99999999999999999999$/)
    expect(parsePositiveInt('42', '--nodes')).toBe(42)
  })

  it('a seed is any non-empty text; a safe decimal integer is a number', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (text) => {
        const seed = parseSeed(text)
        if (typeof seed === 'number') {
          expect(text).toMatch(/^-?\d+$/)
          expect(seed).toBe(Number(text))
        } else expect(seed).toBe(text)
      }),
    )
    expect(parseSeed('-7')).toBe(-7)
    expect(parseSeed('abc')).toBe('abc')
    expect(parseSeed('99999999999999999999')).toBe('99999999999999999999')
    expect(() => parseSeed('')).toThrow(/--seed must not be empty/)
  })

  it("check's search seed: an integer as it is, a text the same number each time", () => {
    fc.assert(fc.property(fc.integer(), (n) => searchSeed(n) === n))
    fc.assert(fc.property(fc.string({ minLength: 1 }), (text) => Number.isInteger(searchSeed(text)) && searchSeed(text) === searchSeed(text)))
    expect(searchSeed('abc')).not.toBe(searchSeed('abd'))
  })
})

describe('nodesArg', () => {
  it('refuses a node count exactly when its estimated heap exceeds the limit', () => {
    const dht = scenarioNamed('dht')
    fc.assert(
      fc.property(fc.integer({ min: dht.minNodes, max: 10_000_000 }), fc.integer({ min: 2 ** 26, max: 2 ** 36 }), (nodes, limit) => {
        const fits = estimatedHeapBytes(dht, nodes) <= limit
        if (fits) expect(nodesArg(dht, String(nodes), limit, 2 ** 50)).toBe(nodes)
        else expect(() => nodesArg(dht, String(nodes), limit, 2 ** 50)).toThrow(/NODE_OPTIONS=--max-old-space-size=\d+/)
      }),
    )
  })

  it('counts the nodes a schedule adds (twins and Sybils) against the same limit', () => {
    const eclipse = scenarioNamed('eclipse')
    const sybils = (count: number): FaultSchedule => [{ at: 5001, kind: 'sybil', count, prefix: 'x' }]
    const limit = estimatedHeapBytes(eclipse, 1_200)
    expect(() => refuseAddedNodes(eclipse, 200, sybils(1_000), limit)).not.toThrow()
    expect(() => refuseAddedNodes(eclipse, 200, sybils(1_001), limit)).toThrow(/^--faults adds 1,001 nodes \(twins and Sybils\) to the 200: /)
  })

  it("beyond the machine's memory it says too large, and advises no heap the machine cannot give", () => {
    const dht = scenarioNamed('dht')
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 28, max: 2 ** 36 }), fc.bigInt({ min: 1n, max: 10n ** 30n }), (memory, nodes) => {
        const needed = estimatedHeapBytes(dht, Number(nodes)) * 1.25
        if (needed <= memory) return
        expect(() => nodesArg(dht, String(nodes), memory, memory)).toThrow(/^--nodes is too large: at most [\d,]+ \(the most that fit this machine's [\d.]+ GiB of memory, at 74 KiB a node\), got \d+$/)
      }),
    )
  })

  it("every scenario's default run fits the default heap limit of a small machine (2 GiB)", () => {
    for (const name of ['gossip', 'replication', 'replication-unsafe', 'rotation', 'node', 'dht', 'churn', 'eclipse', 'eclipse-undefended']) {
      const scenario = scenarioNamed(name)
      expect(nodesArg(scenario, undefined, 2 * 2 ** 30), name).toBe(scenario.defaults.nodes)
    }
  })
})
