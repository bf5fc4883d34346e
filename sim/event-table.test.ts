import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventTable } from './event-table.ts'

type Fields = { kind: number; node: number; source: number; body: unknown; size: number; encoded: boolean }

function read(table: EventTable, slot: number): Fields {
  return {
    kind: table.kinds[slot] as number,
    node: table.nodes[slot] as number,
    source: table.sources[slot] as number,
    body: table.bodies[slot],
    size: table.sizes[slot] as number,
    encoded: table.encoded[slot] === 1,
  }
}

const fields = fc.record({
  kind: fc.integer({ min: 0, max: 255 }),
  node: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  source: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  body: fc.oneof(fc.string(), fc.integer(), fc.object()),
  size: fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER })),
  encoded: fc.boolean(),
})

describe('EventTable', () => {
  it('gives every live event its own slot and keeps its fields, across frees, reuse and regrowth', () => {
    const ops = fc.array(fc.oneof(fields, fc.nat()), { maxLength: 200 })
    fc.assert(
      fc.property(ops, (script) => {
        const table = new EventTable(1)
        const live = new Map<number, Fields>()
        for (const op of script) {
          if (typeof op === 'number') {
            // Free one of the live slots, chosen by the number.
            const slots = [...live.keys()]
            if (slots.length === 0) continue
            const slot = slots[op % slots.length] as number
            table.release(slot)
            live.delete(slot)
            expect(table.bodies[slot]).toBeUndefined()
          } else {
            const slot = table.add(op.kind, op.node, op.source, op.body, op.size, op.encoded)
            expect(live.has(slot)).toBe(false)
            live.set(slot, op)
          }
          expect(table.size).toBe(live.size)
          for (const [slot, expected] of live) expect(read(table, slot)).toEqual(expected)
        }
      }),
    )
  })

  it('reuses the slot freed last first, so the slots in use stay dense', () => {
    const table = new EventTable(4)
    const a = table.add(0, 0, 0, 'a', 0, false)
    const b = table.add(0, 0, 0, 'b', 0, false)
    table.release(a)
    table.release(b)
    expect(table.add(0, 0, 0, 'c', 0, false)).toBe(b)
    expect(table.add(0, 0, 0, 'd', 0, false)).toBe(a)
  })
})
