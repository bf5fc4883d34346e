import { describe, expect, it } from 'vitest'
import { OutputCommit } from './output-commit.ts'
import { MemoryStorage } from './storage.ts'

function setup() {
  const events: string[] = []
  const inner = new MemoryStorage()
  const storage = {
    get: (k: string) => inner.get(k),
    keys: (p?: string) => inner.keys(p),
    put: (k: string, v: Uint8Array) => inner.put(k, v),
    delete: (k: string) => inner.delete(k),
    log: (n: string) => inner.log(n),
    blobs: (n: string) => inner.blobs(n),
    sync: () => {
      events.push('sync')
      inner.sync()
    },
  }
  let flush: (() => void) | undefined
  const failures: number[] = []
  const commit = new OutputCommit(storage, (f) => (flush = f), (_, dropped) => failures.push(dropped))
  return { commit, events, inner, storage, failures, endTurn: () => flush?.() }
}

describe('OutputCommit', () => {
  it('releases the frames of a turn after one sync of the writes before them', () => {
    const { commit, events, inner, endTurn } = setup()
    for (let i = 0; i < 100; i++) {
      commit.storage.put(`k${i}`, new Uint8Array([i]))
      commit.hold(() => events.push(`send ${i}`))
    }
    expect(events).toEqual([])
    expect(inner.unsyncedWrites).toBe(100)
    endTurn()
    expect(events[0]).toBe('sync')
    expect(events.length).toBe(101)
    expect(commit.syncs).toBe(1)
    expect(inner.unsyncedWrites).toBe(0)
  })

  it('does not sync a turn that wrote nothing, or whose writes the actor synced itself', () => {
    const { commit, events, endTurn } = setup()
    commit.hold(() => events.push('send'))
    endTurn()
    commit.storage.put('k', new Uint8Array([1]))
    commit.storage.sync()
    commit.hold(() => events.push('send'))
    endTurn()
    expect(events).toEqual(['send', 'sync', 'send'])
    expect(commit.syncs).toBe(0)
  })

  it('drops the held frames when the sync fails, and syncs again at the next turn', () => {
    const { commit, events, storage, failures, endTurn } = setup()
    const sync = storage.sync
    storage.sync = () => {
      throw new Error('EIO')
    }
    commit.storage.put('k', new Uint8Array([1]))
    commit.hold(() => events.push('send'))
    endTurn()
    expect(events).toEqual([])
    expect(failures).toEqual([1])
    storage.sync = sync
    commit.hold(() => events.push('send'))
    endTurn()
    expect(events).toEqual(['sync', 'send'])
  })
})

describe('OutputCommit release failures', () => {
  it('a frame that throws as it is released does not hold back the frames after it', () => {
    let flush: (() => void) | undefined
    const failed: unknown[] = []
    const commit = new OutputCommit(new MemoryStorage(), (f) => (flush = f), () => {}, (error) => failed.push(error))
    const sent: number[] = []
    commit.hold(() => sent.push(1))
    commit.hold(() => {
      throw new Error('the link broke')
    })
    commit.hold(() => sent.push(3))
    flush?.()
    expect(sent).toEqual([1, 3])
    expect(failed).toHaveLength(1)
  })
})
