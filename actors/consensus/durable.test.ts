import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryStorage } from '../../core/storage.ts'
import { freshState, loadState, saveState, signingVerdict, type LastSigned } from './durable.ts'

const position = fc.record({ h: fc.nat(5), r: fc.nat(5), step: fc.integer({ min: 0, max: 2 }) })
const signed = (p: { h: number; r: number; step: number }): LastSigned => ({ ...p, x: null, vr: -1, b: null })

describe('what a voter may sign', () => {
  it('a later (height, round, step) than the last signed, the same one again, never an earlier one', () => {
    fc.assert(
      fc.property(position, position, (last, next) => {
        const order = [next.h - last.h, next.r - last.r, next.step - last.step].find((d) => d !== 0) ?? 0
        expect(signingVerdict(signed(last), next.h, next.r, next.step)).toBe(order > 0 ? 'sign' : order === 0 ? 'same' : 'refuse')
      }),
    )
    expect(signingVerdict(null, 0, 0, 0)).toBe('sign')
  })

  it('a state record of an earlier height is stale: the height starts fresh, the last signed message carries over', () => {
    const storage = new MemoryStorage()
    const last = signed({ h: 3, r: 2, step: 2 })
    saveState(storage, { ...freshState(3, last), r: 2, lockedRound: 1 })
    expect(loadState(storage, 3)).toMatchObject({ h: 3, r: 2, lockedRound: 1 })
    expect(loadState(storage, 4)).toEqual(freshState(4, last))
    // What was saved survives a crash: saveState syncs.
    storage.crash()
    expect(loadState(storage, 3)).toMatchObject({ h: 3, r: 2, lockedRound: 1, signed: last })
  })

  it('a state record past the chain is refused as corrupt: starting fresh would drop its lock', () => {
    const storage = new MemoryStorage()
    saveState(storage, { ...freshState(5, signed({ h: 5, r: 1, step: 2 })), r: 1, lockedRound: 1 })
    expect(() => loadState(storage, 4)).toThrow(expect.objectContaining({ _tag: 'ConsensusError', reason: 'corrupt-state' }))
  })
})
