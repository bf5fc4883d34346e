import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventQueue } from './event-queue.ts'

describe('EventQueue', () => {
  it('pops in (time, insertion) order, whatever the interleaving of pushes and pops', () => {
    const ops = fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant('pop' as const)), { maxLength: 300 })
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 8 }), (script, capacity) => {
        // A small first capacity makes the script cross several regrowths.
        const queue = new EventQueue(capacity)
        const model: { time: number; seq: number }[] = []
        let seq = 0
        for (const op of script) {
          if (op === 'pop') {
            model.sort((a, b) => a.time - b.time || a.seq - b.seq)
            const next = model[0]
            expect(queue.peekTime()).toBe(next?.time ?? Infinity)
            expect(queue.pop()).toBe(next === undefined ? -1 : next.seq)
            model.shift()
          } else {
            queue.push(op, seq)
            model.push({ time: op, seq: seq++ })
          }
          expect(queue.size).toBe(model.length)
        }
      }),
    )
  })

  it('orders fractional times and keeps int32 payloads whole', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 200 }), (events) => {
        const queue = new EventQueue(2)
        for (const [time, payload] of events) queue.push(time, payload)
        const expected = events.map(([time, payload], seq) => ({ time, payload, seq })).sort((a, b) => a.time - b.time || a.seq - b.seq)
        for (const event of expected) {
          expect(queue.peekTime()).toBe(event.time)
          expect(queue.pop()).toBe(event.payload)
        }
        expect(queue.size).toBe(0)
      }),
    )
  })

  it('reports Infinity as the next time and -1 as the payload when empty', () => {
    const queue = new EventQueue()
    expect(queue.peekTime()).toBe(Infinity)
    expect(queue.pop()).toBe(-1)
  })
})
