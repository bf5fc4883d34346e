import { readdirSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FileStorage } from './file-storage.ts'
import { printUntilKilled } from './sigkill.fixtures.ts'
import { tempDir } from '../core/temp-dir.fixtures.ts'

// The writer: batches of four overwrites of 32 rotating keys plus a counter, the identity state (an
// atomic key) every third batch, a sync, then the acknowledgement `n` on stdout (a pipe write on Linux
// is synchronous, so an ack is out before the next write starts). A 16 KiB compaction threshold makes
// it compact every dozen batches, so kills land inside compactions and atomic replacements too.
const KEYS = 32
const IDENTITY_EVERY = 12
const writer = (dir: string) => `
  import { FileStorage } from ${JSON.stringify(new URL('./file-storage.ts', import.meta.url).pathname)}
  const store = FileStorage.open(${JSON.stringify(dir)}, { compactAboveBytes: 16384 })
  let n = Number(Buffer.from(store.get('counter') ?? Buffer.from('0')).toString())
  const pad = ':' + 'x'.repeat(200)
  for (;;) {
    for (let j = 0; j < 4; j++) { n++; store.put('k' + (n % ${KEYS}), Buffer.from(n + pad)) }
    store.put('counter', Buffer.from(String(n)))
    if (n % ${IDENTITY_EVERY} === 0) store.put('identity/own', Buffer.from(String(n)))
    store.sync()
    process.stdout.write(n + '\\n')
  }`

/** Runs the writer on `dir` and kills it with SIGKILL `delayMs` after its first ack; resolves with the last ack. */
const writeUntilKilled = async (dir: string, delayMs: number) => Number((await printUntilKilled(writer(dir), delayMs)).at(-1) ?? 0)

const numberIn = (value: Uint8Array | undefined) => Number(Buffer.from(value ?? Buffer.from('0')).toString().split(':')[0])

describe('FileStorage killed with SIGKILL at random instants', () => {
  it('opens after every kill with every acknowledged write, identity state and compactions included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 1, maxLength: 3 }), async (delays) => {
        const dir = tempDir('kill')
        for (const delay of delays) {
          const acked = await writeUntilKilled(dir, delay)
          const store = FileStorage.open(dir) // it must open: a kill leaves at most a torn final record
          expect(numberIn(store.get('counter'))).toBeGreaterThanOrEqual(acked)
          for (let key = 0; key < KEYS; key++) {
            const lastAcked = acked - ((((acked - key) % KEYS) + KEYS) % KEYS) // the last n ≤ acked with n % KEYS === key
            if (lastAcked > 0) expect(numberIn(store.get(`k${key}`))).toBeGreaterThanOrEqual(lastAcked)
          }
          expect(numberIn(store.get('identity/own'))).toBeGreaterThanOrEqual(acked - (acked % IDENTITY_EVERY))
          store.close()
        }
        expect(readdirSync(dir).filter((name) => !['store.log', 'atomic.state'].includes(name))).toEqual([])
      }),
      { numRuns: 6 },
    )
  }, 180_000)
})
