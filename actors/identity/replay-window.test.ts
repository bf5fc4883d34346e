import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REPLAY_WINDOW, ReplayWindow } from './replay-window.ts'

describe('ReplayWindow', () => {
  it('accepts each number once, within the window, whatever the order (model check)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5000), { maxLength: 400 }), (seqs) => {
        const window = new ReplayWindow()
        const seen = new Set<number>()
        let highest = -1
        for (const seq of seqs) {
          const fresh = !seen.has(seq) && seq > highest - REPLAY_WINDOW
          expect(window.accept(seq)).toBe(fresh)
          if (fresh) seen.add(seq)
          highest = Math.max(highest, seq)
        }
      }),
    )
  })

  it('after a restart from a high-water mark, refuses everything at or below it', () => {
    const window = new ReplayWindow(5000)
    expect(window.accept(5000)).toBe(false)
    expect(window.accept(4990)).toBe(false)
    expect(window.accept(5001)).toBe(true)
    expect(window.accept(5001)).toBe(false)
  })
})
