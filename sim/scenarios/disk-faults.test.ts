import { describe, expect, it } from 'vitest'
import { StoreError } from '../../core/storage.ts'
import { runScenario } from '../scenario.ts'
import { diskFaults } from './disk-faults.ts'

const options = { seed: 1, nodes: 30, untilMs: 40_000 }

describe('the disk-faults scenario', () => {
  it('every damaged read is refused, the DHT fetches each dropped record again, and no node holds bytes never published', () => {
    const run = runScenario(diskFaults, options)
    expect(run.violations).toEqual([])
    expect(run.dropped).toBeGreaterThan(0)
    expect(run.corruptReads).toBeGreaterThanOrEqual(run.dropped)
    expect(run.repaired).toBe(run.dropped)
    expect(run.lostSyncedWrites).toBeGreaterThan(0)
    expect(run.recordSuccess).toBe(1)
    expect(run.expectations.map((e) => e.held)).toEqual([true, true])
    // Deterministic: the same seed, the same run.
    expect(runScenario(diskFaults, options).traceHash).toBe(run.traceHash)
  })

  it("the invariant catches a store that returns damaged bytes instead of refusing them (a disk without checksums)", () => {
    const run = diskFaults.build(options)
    // Every node's map hands back what the disk holds, bit flip and all, where it would refuse it.
    for (const address of run.sim.addresses()) {
      const storage = run.sim.storage(address)
      const get = storage.get.bind(storage)
      storage.get = (key) => {
        try {
          return get(key)
        } catch (error) {
          if (!(error instanceof StoreError)) throw error
          const raw = storage.durableGet(key)!
          raw[raw.length - 1]! ^= 0x10 // in the signature, the last field: the record still decodes
          return raw
        }
      }
    }
    const result = run.sim.run({ untilMs: options.untilMs })
    expect(result.violations.map((v) => v.invariant)).toEqual(['no node holds a record other than the one published'])
  })
})
