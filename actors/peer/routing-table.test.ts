import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareDistance, idHex, sharedPrefixBits } from './node-id.ts'
import { RoutingTable, type Contact } from './routing-table.ts'

const id = fc.uint8Array({ minLength: 32, maxLength: 32 })
const options = (k = 4, maxPerGroup = 4) => ({ k, maxPerGroup, replacements: 3, groupOf: (a: string) => a.split('/')[0]! })

describe('RoutingTable', () => {
  it('closest() agrees with sorting every contact by XOR distance', () => {
    fc.assert(
      fc.property(id, fc.array(id, { maxLength: 120 }), id, fc.integer({ min: 1, max: 30 }), (self, ids, target, n) => {
        const table = new RoutingTable(self, options(8, 8))
        ids.forEach((x, i) => table.observe({ id: x, address: `g${i}/${i}` }, i))
        const brute = table.contacts().sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n)
        expect(table.closest(target, n).map((c) => idHex(c.id))).toEqual(brute.map((c) => idHex(c.id)))
      }),
    )
  })

  it('keeps every bucket within k, and each contact in the bucket of its shared prefix', () => {
    fc.assert(
      fc.property(id, fc.array(id, { maxLength: 200 }), (self, ids) => {
        const table = new RoutingTable(self, options(3, 3))
        ids.forEach((x, i) => table.observe({ id: x, address: `g${i}/${i}` }, i))
        for (const index of table.occupiedBuckets()) {
          const bucket = table.bucketContacts(index)
          expect(bucket.length).toBeLessThanOrEqual(3)
          for (const c of bucket) expect(sharedPrefixBits(self, c.id)).toBe(index)
        }
      }),
    )
  })

  it('no single network group can fill a bucket, and a failed contact is replaced by a parked one', () => {
    const self = new Uint8Array(32)
    const far = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x80 : i === 31 ? n : 0)) // all in bucket 0
    const table = new RoutingTable(self, { k: 4, maxPerGroup: 2, maxPerGroupInTable: 3, replacements: 3, groupOf: (a) => a.split('/')[0]! })
    const results = [1, 2, 3, 4].map((n) => table.observe({ id: far(n), address: `evil/${n}` }, n))
    expect(results).toEqual(['added', 'added', 'diversity', 'diversity'])
    expect([5, 6, 7].map((n) => table.observe({ id: far(n), address: `honest${n}/x` }, n))).toEqual(['added', 'added', 'full'])
    table.remove(far(5), 9)
    expect(table.bucketContacts(0).map((c: Contact) => c.address)).toEqual(['evil/1', 'evil/2', 'honest6/x', 'honest7/x'])
    // The table-wide limit: a third 'evil' contact fits another bucket's limit, but not the table's.
    const near = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x40 : 0)) // bucket 1
    expect(table.observe({ id: near, address: 'evil/3' }, 10)).toBe('added')
    expect(table.observe({ id: Uint8Array.from(near, (b, i) => (i === 31 ? 1 : b)), address: 'evil/4' }, 11)).toBe('diversity')
  })

  it('moves a contact it sees again to the most-recently-seen end', () => {
    const table = new RoutingTable(new Uint8Array(32), options())
    const a = { id: Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x80 : 1)), address: 'a/1' }
    const b = { id: Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x80 : 2)), address: 'b/1' }
    table.observe(a, 1)
    table.observe(b, 2)
    expect(table.observe(a, 3)).toBe('refreshed')
    expect(table.oldest(a.id)).toEqual({ contact: b, seenAt: 2 })
  })
})
