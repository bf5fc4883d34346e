import type { Storage } from '../../core/storage.ts'

/**
 * Where a node's state lived before it was a composite, and where each component keeps it now (its
 * scope, core/scoped-context.ts). The identity's keys kept their place (`identity/…`).
 */
const MOVED: readonly (readonly [from: string, to: string])[] = [
  ['dht/record/', 'kad/dht/record/'], // the records this node acknowledged holding
  ['node/peers', 'status/peers'], // the saved contacts it rejoins through
  ['node/record-version/', 'records/version/'], // the floor of its records' versions
]

/**
 * Moves a data dir written before VainNode was a composite to the components' scopes, so that an
 * upgraded node keeps what it acknowledged. Every copy is written before any old key is deleted, and
 * all is synced at once: a crash part-way leaves the old keys (and perhaps some copies), and the next
 * start moves them again. A key already present in its new place is newer and is kept. Says how many
 * keys moved.
 */
export function migrateStoreLayout(storage: Storage): number {
  const moves = MOVED.flatMap(([from, to]) => storage.keys(from).map((key) => [key, to + key.slice(from.length)] as const))
  if (moves.length === 0) return 0
  for (const [old, now] of moves) if (storage.get(now) === undefined) storage.put(now, storage.get(old)!)
  for (const [old] of moves) storage.delete(old)
  storage.sync()
  return moves.length
}
