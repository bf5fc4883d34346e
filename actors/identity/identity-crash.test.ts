import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { printUntilKilled } from '../../runtime/sigkill.fixtures.ts'
import { tempDir } from '../../core/temp-dir.fixtures.ts'

/*
 * The node's own identity state under kill -9 (issue 9: a node whose store was lost came back at
 * sequence 0, and its peers refused its announcements as replays). A child process runs an identity stack
 * over a real FileStorage and seals envelopes as fast as it can, printing each one's sequence number
 * once sealed: what a peer could have received. It is killed with SIGKILL at a random instant, one to
 * three times; after every restart, the next envelope's number must be above every one printed.
 */
const sealer = (dir: string) => `
  import { FileStorage } from ${JSON.stringify(new URL('../../runtime/file-storage.ts', import.meta.url).pathname)}
  import { OsRandom } from ${JSON.stringify(new URL('../../runtime/os-random.ts', import.meta.url).pathname)}
  import { identityStack } from ${JSON.stringify(new URL('./identity-stack.ts', import.meta.url).pathname)}
  import { MemoryKeyStore } from ${JSON.stringify(new URL('./key-store.ts', import.meta.url).pathname)}
  const storage = FileStorage.open(${JSON.stringify(dir)}, { compactAboveBytes: 16384 })
  const ctx = { self: 'me', now: () => Date.now(), random: new OsRandom(), send() {}, broadcast() {}, setTimer: () => 0, cancelTimer() {}, storage, trace() {} }
  const identity = identityStack({ keys: new MemoryKeyStore(new Uint8Array(32).fill(7)) })
  identity.start(ctx)
  for (let i = 0; ; i++) {
    const envelope = identity.seal('test/1', { i })
    if (i % 8 === 0) storage.put('filler/' + (i % 64), Buffer.alloc(300)) // compactions too
    process.stdout.write(envelope.seq + '\\n')
  }`

/** Runs the sealer, kills it `delayMs` after its first envelope; resolves with every sequence number printed. */
const sealUntilKilled = async (dir: string, delayMs: number) => (await printUntilKilled(sealer(dir), delayMs)).map(Number)

describe('a node identity killed with SIGKILL at random instants', () => {
  it('never numbers an envelope at or below one it sealed before the kill (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 3 }), async (delays) => {
        const dir = tempDir('identity-kill')
        let highest = -1
        for (const delay of delays) {
          const sealed = await sealUntilKilled(dir, delay)
          expect(sealed.length).toBeGreaterThan(0)
          expect(sealed[0]!).toBeGreaterThan(highest)
          for (let i = 1; i < sealed.length; i++) expect(sealed[i]!).toBeGreaterThan(sealed[i - 1]!)
          highest = sealed.at(-1)!
        }
      }),
      { numRuns: 5 },
    )
  }, 180_000)
})
