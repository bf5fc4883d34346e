import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encode } from '../../core/codec.ts'
import { verify } from '../../core/sign.ts'
import { MAX_ENTRY_BYTES } from '../consensus/messages.ts'
import { LEDGER_KINDS, ledgerPayload, readLedgerEntry, type UnsignedEntry } from './entries.ts'
import { BODIES, equivocation, pub, stake, witnessed, type WitnessedKind } from './ledger.fixtures.ts'

const kinds = Object.keys(BODIES) as WitnessedKind[]

describe('ledger entries', () => {
  it('every kind round-trips through its bytes, and its signature is the witness’s over the payload', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.nat({ max: 2 ** 48 }), (kind, by, about, seq) => {
        const bytes = witnessed(kind, by, about, seq)
        expect(bytes.length).toBeLessThan(MAX_ENTRY_BYTES / 8)
        const reading = readLedgerEntry(bytes)
        if (reading.kind !== 'ledger') throw new Error(`read as ${reading.kind}`)
        expect(reading.entry).toMatchObject({ kind, by: pub(by), seq, ...BODIES[kind] })
        expect(verify(pub(by), ledgerPayload(reading.entry), reading.entry.sig)).toBe(true)
      }),
      { numRuns: 100 },
    )
    expect(readLedgerEntry(stake('stake/unbond', 1, 5, 2))).toMatchObject({ kind: 'ledger', entry: { kind: 'stake/unbond', amount: 5, seq: 2 } })
    expect(readLedgerEntry(equivocation(1, 2)).kind).toBe('evidence')
    expect(LEDGER_KINDS).toHaveLength(8)
  })

  it('a signature covers the kind and every field: the same fields under another kind, or one field changed, do not verify', () => {
    const reading = readLedgerEntry(witnessed('rep/task', 0, 1, 4))
    if (reading.kind !== 'ledger' || reading.entry.kind !== 'rep/task') throw new Error('not a task')
    const { sig, ...fields } = reading.entry
    const variants: UnsignedEntry[] = [{ ...fields, kind: 'rep/resource' } as never, { ...fields, ok: false }, { ...fields, seq: 5 }, { ...fields, about: pub(2) }]
    for (const v of variants) expect(verify(pub(0), ledgerPayload(v), sig)).toBe(false)
  })

  it('any bytes read as something, never a throw; only ledger and evidence tags are read as the ledger’s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(['ledger', 'evidence', 'malformed', 'foreign']).toContain(readLedgerEntry(bytes).kind)
      }),
      { numRuns: 500 },
    )
    expect(readLedgerEntry(encode({ kind: 'app/model', hash: 1 })).kind).toBe('foreign')
    expect(readLedgerEntry(encode({ kind: 'rep/task' })).kind).toBe('malformed')
    expect(readLedgerEntry(encode({ kind: 'stake/mint', by: pub(0) })).kind).toBe('malformed')
  })
})
