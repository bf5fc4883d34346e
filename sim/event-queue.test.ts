import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventQueue } from './event-queue.ts'

describe('EventQueue', () => {
  it('pops in (time, insertion) order, whatever the interleaving of pushes and pops', () => {
    const ops = fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant('pop' as const)), { maxLength: 300 })
    fc.assert(
      fc.property(ops, (script) => {
        const queue = new EventQueue<number>()
        const model: { time: number; seq: number }[] = []
        let seq = 0
        for (const op of script) {
          if (op === 'pop') {
            model.sort((a, b) => a.time - b.time || a.seq - b.seq)
            expect(queue.pop()).toBe(model.shift()?.seq)
          } else {
            queue.push(op, seq)
            model.push({ time: op, seq: seq++ })
          }
          expect(queue.size).toBe(model.length)
        }
      }),
    )
  })

  it('reports Infinity as the next time when empty', () => {
    expect(new EventQueue().peekTime()).toBe(Infinity)
  })
})
