import { describe, expect, it } from 'vitest'
import { idHex } from '../peer/node-id.ts'
import { encode } from '../../core/codec.ts'
import { ManualContext } from '../../core/manual-context.ts'
import { MemoryStorage } from '../../core/storage.ts'
import { MemoryKeyStore, ROOT_KEY } from '../identity/key-store.ts'
import { signRecord } from '../peer/record.ts'
import { migrateStoreLayout } from './store-layout.ts'
import { VainNode } from './vain-node.ts'

const keys = new MemoryKeyStore(new Uint8Array(32).fill(9))
const record = signRecord(keys.publicKey(ROOT_KEY), (m) => keys.sign(ROOT_KEY, m), { name: new TextEncoder().encode('model'), value: new Uint8Array([1, 2]), seq: 5, expiresAt: 1e12 })

/** A data dir as a node wrote it before VainNode was a composite. */
function oldLayout(storage: MemoryStorage): void {
  storage.put(`dht/record/${idHex(record.key)}`, encode(record))
  storage.put('node/peers', encode([]))
  storage.put('node/record-version/model', encode(41))
  storage.put('identity/untouched', new Uint8Array([7]))
  storage.sync()
}

const layout = (storage: MemoryStorage) => storage.keys().map((key) => [key, [...storage.get(key)!]])

describe('the store layout of a node from before the composite', () => {
  it('is moved into the components\' scopes at start, so the node still holds the record it acknowledged', () => {
    const ctx = new ManualContext('me')
    oldLayout(ctx.storage)
    const node = new VainNode({ identity: { keys }, listen: 'me', bootstrap: [] })
    node.start(ctx)
    expect(ctx.storage.keys().filter((k) => k.startsWith('dht/') || k.startsWith('node/'))).toEqual([])
    expect(node.peer.records.get(record.key, 0)?.seq).toBe(5)
    expect(ctx.storage.get('records/version/model')).toEqual(encode(41))
    expect(ctx.traces).toContainEqual({ type: 'store-migrated', keys: 3 })
  })

  it('ends in the same layout whatever prefix of its writes a crash keeps, once the next start moves again', () => {
    const reference = new MemoryStorage()
    oldLayout(reference)
    migrateStoreLayout(reference)
    const writes = 3 + 3 // three copies, three deletes
    for (let kept = 0; kept <= writes; kept++) {
      const storage = new MemoryStorage()
      oldLayout(storage)
      const sync = storage.sync.bind(storage)
      storage.sync = () => storage.crash(kept) // the crash comes instead of the sync
      migrateStoreLayout(storage)
      storage.sync = sync
      migrateStoreLayout(storage)
      expect(layout(storage), `${kept} writes kept`).toEqual(layout(reference))
    }
    expect(migrateStoreLayout(reference)).toBe(0)
  })

  it('keeps a key already in its new place (it is newer) and drops the old one', () => {
    const storage = new MemoryStorage()
    oldLayout(storage)
    storage.put('records/version/model', encode(99))
    migrateStoreLayout(storage)
    expect(storage.get('records/version/model')).toEqual(encode(99))
    expect(storage.get('node/record-version/model')).toBeUndefined()
  })
})
