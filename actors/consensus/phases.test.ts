import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AnyStateNode } from 'xstate'
import { ManualContext } from '../../core/manual-context.ts'
import { signedProposal, signedVote, testCommittee, testKeys } from './consensus.fixtures.ts'
import { STEP_PRECOMMIT, STEP_PREVOTE, STEP_PROPOSE } from './durable.ts'
import { GENESIS_PARENT, blockHash, type Block } from './messages.ts'
import { outlineChart } from './phases-outline.ts'
import { PhaseError, Phases, describePhase, phaseChart, type PhaseEvent } from './phases.ts'
import { BftVoter } from './voter.ts'

/** Raises each event in turn and returns the phase after each (calling `after` after each too). */
function walk(phases: Phases, events: readonly PhaseEvent[], after: () => void = () => {}): string[] {
  return events.map((event) => {
    phases.raise(event)
    after()
    return describePhase(phases.value)
  })
}

const inRound = (step: string, commitWait = 'idle') => `height.round.{step.${step}, commitWait.${commitWait}}`

describe('the phase chart', () => {
  it('walks a normal height: propose, prevote, precommit, decided, the next height', () => {
    const phases = new Phases()
    expect(phases.running).toBe(false)
    const steps: (number | undefined)[] = []
    const walked = walk(phases, [
        { type: 'HEIGHT_START', height: 0, round: 0 },
        { type: 'PROPOSAL' },
        { type: 'PREVOTE_QUORUM_ANY' },
        { type: 'POLKA' },
        { type: 'PRECOMMIT_QUORUM_ANY' },
        { type: 'DECIDED', height: 0 },
        { type: 'HEIGHT_START', height: 1, round: 0 },
      ], () => steps.push(phases.step))
    expect(walked).toEqual([inRound('propose'), inRound('prevote.waiting'), inRound('prevote.armed'), inRound('precommit.polka'), inRound('precommit.polka', 'armed'), 'decided', inRound('propose')])
    // The step numbers are the ones the durable record orders signed messages by.
    expect(steps).toEqual([STEP_PROPOSE, STEP_PREVOTE, STEP_PREVOTE, STEP_PRECOMMIT, STEP_PRECOMMIT, undefined, STEP_PROPOSE])
  })

  it('walks a failed round: nil by timeouts, the late timeouts taken as late, then the next rounds', () => {
    const phases = new Phases()
    expect(
      walk(phases, [
        { type: 'HEIGHT_START', height: 3, round: 0 },
        { type: 'TIMEOUT_PROPOSE' },
        { type: 'PREVOTE_QUORUM_ANY' },
        { type: 'TIMEOUT_PREVOTE' },
        // Both timeouts again, late: the chart stays where it is.
        { type: 'TIMEOUT_PROPOSE' },
        { type: 'TIMEOUT_PREVOTE' },
        { type: 'PRECOMMIT_QUORUM_ANY' },
        { type: 'TIMEOUT_PRECOMMIT', round: 1 },
        // Round 1: a blocking weight is in round 3 (a jump), whose backstop timeout ends it.
        { type: 'NEW_ROUND', round: 3 },
        { type: 'TIMEOUT_PROPOSE' },
        { type: 'NIL_POLKA' },
        { type: 'TIMEOUT_ROUND', round: 4 },
        // A commit certificate decides the height in round 4, before its proposal.
        { type: 'DECIDED', height: 3 },
        // In the block interval a checked commit of the next height decides it too.
        { type: 'DECIDED', height: 4 },
        { type: 'HEIGHT_START', height: 5, round: 0 },
      ]),
    ).toEqual([
      inRound('propose'),
      inRound('prevote.waiting'),
      inRound('prevote.armed'),
      inRound('precommit.waiting'),
      inRound('precommit.waiting'),
      inRound('precommit.waiting'),
      inRound('precommit.waiting', 'armed'),
      inRound('propose'),
      inRound('propose'),
      inRound('prevote.waiting'),
      inRound('precommit.waiting'),
      inRound('propose'),
      'decided',
      'decided',
      inRound('propose'),
    ])
  })

  it('asserts on an event its state does not accept, and changes nothing', () => {
    const start: PhaseEvent = { type: 'HEIGHT_START', height: 2, round: 1 }
    const cases: [string, readonly PhaseEvent[], PhaseEvent][] = [
      ['a rule before the first height', [], { type: 'PROPOSAL' }],
      ['a second proposal rule in a round', [start, { type: 'PROPOSAL' }], { type: 'PROPOSAL' }],
      ['a polka before the prevote step', [start], { type: 'POLKA' }],
      ['a second polka in a round', [start, { type: 'PROPOSAL' }, { type: 'POLKA' }], { type: 'POLKA' }],
      ['a second prevote quorum in a step', [start, { type: 'PROPOSAL' }, { type: 'PREVOTE_QUORUM_ANY' }], { type: 'PREVOTE_QUORUM_ANY' }],
      ['a second precommit quorum in a round', [start, { type: 'PRECOMMIT_QUORUM_ANY' }], { type: 'PRECOMMIT_QUORUM_ANY' }],
      ['a prevote timeout that was never armed', [start, { type: 'PROPOSAL' }], { type: 'TIMEOUT_PREVOTE' }],
      ['a precommit timeout that was never armed', [start], { type: 'TIMEOUT_PRECOMMIT', round: 2 }],
      ['a round that skips one on a timeout', [start, { type: 'PRECOMMIT_QUORUM_ANY' }], { type: 'TIMEOUT_PRECOMMIT', round: 3 }],
      ['a jump back to an earlier round', [start], { type: 'NEW_ROUND', round: 1 }],
      ['a height started while one runs', [start], { type: 'HEIGHT_START', height: 3, round: 0 }],
      ['a decision of another height', [start], { type: 'DECIDED', height: 3 }],
      ['a round rule in the block interval', [start, { type: 'DECIDED', height: 2 }], { type: 'PROPOSAL' }],
      ['the next height at a round past 0', [start, { type: 'DECIDED', height: 2 }], { type: 'HEIGHT_START', height: 3, round: 1 }],
      ['a height skipped', [start, { type: 'DECIDED', height: 2 }], { type: 'HEIGHT_START', height: 4, round: 0 }],
    ]
    for (const [what, before, event] of cases) {
      const phases = new Phases()
      walk(phases, before)
      const value = phases.value
      const step = phases.step
      expect(() => phases.raise(event), what).toThrow(PhaseError)
      expect(() => phases.raise(event), what).toThrow(expect.objectContaining({ reason: 'illegal-event', message: expect.stringContaining(event.type) }))
      expect(phases.value, what).toEqual(value)
      expect(phases.step, what).toBe(step)
    }
  })

  it('whatever events arrive: refused ones change nothing, steps only go forward within a round, heights and rounds only up', () => {
    const small = fc.integer({ min: 0, max: 4 })
    const event: fc.Arbitrary<PhaseEvent> = fc.oneof(
      fc.constantFrom<PhaseEvent>(...(['PROPOSAL', 'TIMEOUT_PROPOSE', 'PREVOTE_QUORUM_ANY', 'POLKA', 'NIL_POLKA', 'TIMEOUT_PREVOTE', 'PRECOMMIT_QUORUM_ANY'] as const).map((type) => ({ type }))),
      fc.record({ type: fc.constantFrom('NEW_ROUND' as const, 'TIMEOUT_PRECOMMIT' as const, 'TIMEOUT_ROUND' as const), round: small }),
      fc.record({ type: fc.constant('HEIGHT_START' as const), height: small, round: small }),
      fc.record({ type: fc.constant('DECIDED' as const), height: small }),
    )
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const phases = new Phases()
        let height = -1
        let round = -1
        for (const e of events) {
          const [value, step] = [phases.value, phases.step]
          try {
            phases.raise(e)
          } catch (error) {
            expect(error).toBeInstanceOf(PhaseError)
            expect([phases.value, phases.step]).toEqual([value, step])
            continue
          }
          expect(phases.step !== undefined).toBe(phases.running)
          if (e.type === 'HEIGHT_START') {
            expect(e.height).toBeGreaterThan(height)
            ;[height, round] = [e.height, e.round]
          } else if (e.type === 'DECIDED') {
            // The running height, or (in the block interval) the next one, by a checked commit.
            expect(e.height).toBe(step !== undefined ? height : height + 1)
            height = e.height
          } else if ('round' in e) {
            expect(e.round).toBeGreaterThan(round)
            round = e.round
          }
          if ('round' in e) expect(phases.step).toBe(STEP_PROPOSE)
          else if (step !== undefined && phases.step !== undefined) expect(phases.step).toBeGreaterThanOrEqual(step)
        }
      }),
    )
  })

  it('tells the rules which once-only events are still due', () => {
    const phases = new Phases()
    walk(phases, [{ type: 'HEIGHT_START', height: 0, round: 0 }])
    expect(['PROPOSAL', 'PREVOTE_QUORUM_ANY', 'POLKA', 'PRECOMMIT_QUORUM_ANY'].map((t) => phases.accepts(t as PhaseEvent['type']))).toEqual([true, false, false, true])
    walk(phases, [{ type: 'PROPOSAL' }, { type: 'PRECOMMIT_QUORUM_ANY' }])
    expect(['PROPOSAL', 'PREVOTE_QUORUM_ANY', 'POLKA', 'PRECOMMIT_QUORUM_ANY'].map((t) => phases.accepts(t as PhaseEvent['type']))).toEqual([false, true, true, false])
    walk(phases, [{ type: 'PREVOTE_QUORUM_ANY' }, { type: 'TIMEOUT_PREVOTE' }])
    // Precommitted nil: a polka may still come (the valid block), once.
    expect([phases.accepts('PREVOTE_QUORUM_ANY'), phases.accepts('POLKA'), phases.accepts('TIMEOUT_PREVOTE')]).toEqual([false, true, true])
    phases.raise({ type: 'POLKA' })
    expect(phases.accepts('POLKA')).toBe(false)
  })

  it('has no delayed transitions: its timeouts stay on the voter\'s timers, on ctx\'s clock', () => {
    const delayed: string[] = []
    const visit = (node: AnyStateNode): void => {
      if (node.after.length > 0) delayed.push(node.path.join('.'))
      Object.values(node.states).forEach(visit)
    }
    visit(phaseChart.root)
    expect(delayed).toEqual([])
  })

  it('is drawn in docs/consensus.md as it is defined', () => {
    const docs = readFileSync(new URL('../../docs/consensus.md', import.meta.url), 'utf8')
    expect(docs).toContain(outlineChart(phaseChart))
  })
})

describe('the voter runs on the chart', () => {
  const committee = testCommittee([1, 1, 1, 1])
  const block: Block = { h: 0, parent: GENESIS_PARENT, by: 0, entries: [] }
  const started = () => {
    const ctx = new ManualContext('n3')
    const voter = new BftVoter({ committee, key: testKeys(3) })
    voter.start(ctx)
    return { ctx, voter }
  }

  it('moves through a height as the rules fire, and pauses for the block interval', () => {
    const { ctx, voter } = started()
    expect(voter.phase).toBe(inRound('propose'))
    voter.receive(signedProposal(0, 0, 0, block), 'n0', ctx)
    expect(voter.phase).toBe(inRound('prevote.waiting'))
    for (const m of [0, 1]) voter.receive(signedVote(m, 'prevote', 0, 0, blockHash(block)), `n${m}`, ctx)
    expect(voter.phase).toBe(inRound('precommit.polka'))
    for (const m of [0, 1]) voter.receive(signedVote(m, 'precommit', 0, 0, blockHash(block)), `n${m}`, ctx)
    expect([voter.phase, voter.height]).toEqual(['decided', 1])
    voter.timer('next:1:0', ctx)
    expect([voter.phase, voter.height, voter.round]).toEqual([inRound('propose'), 1, 0])
  })

  it('moves through a failed round on its timeouts into the next round', () => {
    const { ctx, voter } = started()
    voter.timer('propose:0:0', ctx)
    expect(voter.phase).toBe(inRound('prevote.waiting'))
    for (const m of [0, 1]) voter.receive(signedVote(m, 'prevote', 0, 0, null), `n${m}`, ctx)
    expect(voter.phase).toBe(inRound('precommit.waiting'))
    for (const m of [0, 1]) voter.receive(signedVote(m, 'precommit', 0, 0, null), `n${m}`, ctx)
    expect(voter.phase).toBe(inRound('precommit.waiting', 'armed'))
    // Late: the prevote step is over.
    voter.timer('prevote:0:0', ctx)
    expect(voter.phase).toBe(inRound('precommit.waiting', 'armed'))
    voter.timer('precommit:0:0', ctx)
    expect([voter.phase, voter.round]).toEqual([inRound('propose'), 1])
  })

  it('throws PhaseError on a broken invariant and changes nothing: a next height while one runs', () => {
    const { ctx, voter } = started()
    const sent = ctx.sent.length
    expect(() => voter.timer('next:0:0', ctx)).toThrow(expect.objectContaining({ _tag: 'PhaseError', reason: 'illegal-event' }))
    expect([voter.phase, voter.height, voter.round, ctx.sent.length]).toEqual([inRound('propose'), 0, 0, sent])
  })
})
