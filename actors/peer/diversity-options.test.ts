import { describe, expect, it } from 'vitest'
import { ManualContext } from '../../core/manual-context.ts'
import { Random } from '../../core/random.ts'
import { KademliaNode } from './kademlia.ts'
import { asId } from './node-id.ts'

describe('the diversity limits a KademliaNode is given reach its routing table', () => {
  it('maxPerGroup and maxPerGroupInTable both bound the contacts of one network group', () => {
    const ctx = new ManualContext('me')
    const node = new KademliaNode({ bootstrap: [], maxPerGroup: 2, maxPerGroupInTable: 3, groupOf: () => 'one-operator' })
    node.start(ctx)
    const random = Random.fromSeed('diversity')
    for (let i = 0; i < 200; i++) node.observe({ id: asId(random.bytes(32)), address: `sybil${i}` })
    expect(node.table.size).toBe(3)
    for (const index of node.table.occupiedBuckets()) expect(node.table.bucketContacts(index).length).toBeLessThanOrEqual(2)
  })
})
