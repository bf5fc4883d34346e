import { describe, expect, it } from 'vitest'
import { BENCH_ENTRIES } from '../../bench/catalogue.ts'
import { benches } from '../../bench/index.ts'
import { SCENARIO_ENTRIES } from './catalogue.ts'
import { scenarios } from './index.ts'

describe('the catalogues vain list reads', () => {
  it('hold every scenario the CLI runs, in its order, as the scenario says it of itself', () => {
    expect(SCENARIO_ENTRIES.map((e) => e.name)).toEqual([...scenarios.keys()])
    for (const entry of SCENARIO_ENTRIES) {
      const { name, description, defaults, minNodes, bytesPerNode } = scenarios.get(entry.name)!
      expect({ name, description, defaults, minNodes, bytesPerNode }).toEqual(entry)
    }
  })

  it('hold every benchmark the CLI runs, in its order, as the benchmark describes itself', () => {
    expect(BENCH_ENTRIES.map((e) => e.name)).toEqual([...benches.keys()])
    for (const entry of BENCH_ENTRIES) expect(benches.get(entry.name)!.description).toBe(entry.description)
  })
})
