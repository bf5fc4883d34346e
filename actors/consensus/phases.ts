import { assign, createActor, setup, type Actor, type AnyStateNode, type StateValue } from 'xstate'
import { ReasonedError } from '../../core/errors.ts'
import { STEP_PRECOMMIT, STEP_PREVOTE, STEP_PROPOSE } from './durable.ts'

/**
 * The voter's phases as an xstate statechart (docs/consensus.md, *Phases: an xstate statechart*): a
 * height's lifecycle (idle → height → decided, the block interval → the next height) and, inside a
 * height, a round's steps (propose → prevote → precommit) beside whether the round's precommit timeout
 * is armed. The voter (voter.ts) raises an event when one of its rules fires; the rules themselves
 * (conditions over the vote tallies) stay plain code there, and so do timeouts (on ctx's clock) and
 * durable writes. The chart is the one record of the voter's step and of whether a height is running,
 * and it checks the order of what the rules do: an event the chart does not accept in its state is a
 * broken invariant (PhaseError), except the late ones each state names and ignores.
 *
 * About five events a member-height, never one per vote: an event costs 8 µs of xstate in a tight
 * loop and ~100 µs cold inside a simulation (docs/consensus.md measures it); a vote's rules read what
 * the last transition left in fields.
 */

export type PhaseEvent =
  /** A height starts: at the voter's start (at the round its state record holds) or after the block interval (round 0). */
  | { readonly type: 'HEIGHT_START'; readonly height: number; readonly round: number }
  /** A blocking weight of members is in a later round: jump to it. */
  | { readonly type: 'NEW_ROUND'; readonly round: number }
  /** The precommit timeout (armed by PRECOMMIT_QUORUM_ANY) ended the round: the next one starts. */
  | { readonly type: 'TIMEOUT_PRECOMMIT'; readonly round: number }
  /** The round's backstop timeout (proposal timeout + ROUND_TIMEOUT_VOTES vote timeouts) ended it. */
  | { readonly type: 'TIMEOUT_ROUND'; readonly round: number }
  /** The round's proposal took the prevote rule: the voter prevotes it (or nil, when locked elsewhere or invalid). */
  | { readonly type: 'PROPOSAL' }
  /** The proposal timeout: in propose the voter prevotes nil; later in the round it is only slow (the collector mode resends). */
  | { readonly type: 'TIMEOUT_PROPOSE' }
  /** Prevotes of a quorum, for anything, seen in the prevote step: the prevote timeout is armed. */
  | { readonly type: 'PREVOTE_QUORUM_ANY' }
  /** A prevote quorum for the round's proposal: the voter locks and precommits it (or, past prevote, takes it as its valid block). */
  | { readonly type: 'POLKA' }
  /** A prevote quorum for nil: the voter precommits nil. */
  | { readonly type: 'NIL_POLKA' }
  /** The prevote timeout: the voter precommits nil. */
  | { readonly type: 'TIMEOUT_PREVOTE' }
  /** Precommits of a quorum, for anything, in any step: the precommit timeout is armed. */
  | { readonly type: 'PRECOMMIT_QUORUM_ANY' }
  /** A block of `height` is committed (a precommit quorum, or a checked commit certificate). */
  | { readonly type: 'DECIDED'; readonly height: number }

export type PhaseEventType = PhaseEvent['type']

/** The height and round the chart is in: -1 before the first height starts. Checked, never the voter's source of them (its durable state is). */
interface PhaseContext {
  readonly height: number
  readonly round: number
}

/**
 * `illegal-event`: an event the chart's state does not accept; `step-mismatch`: a vote signed outside
 * its step; `delayed-transition`: the chart tried to schedule a delay (its timeouts are the voter's).
 */
export type PhaseFailure = 'illegal-event' | 'step-mismatch' | 'delayed-transition'

/**
 * A voter rule fired out of order: a bug in the voter, never bad input (inputs reach the chart only
 * through the rules). Thrown, it stops the voter; the simulator reports it as a violation (actor-error).
 */
export class PhaseError extends ReasonedError<PhaseFailure> {
  readonly _tag = 'PhaseError' as const
  override readonly name = 'PhaseError'
}

/** The round-ending events and NEW_ROUND start a round afresh: every step and timer of the old one is left. */
const TO_ROUND = '#bft-phases.height.round'

/** The chart's definition, for the voter and for tools that render it (xstate's inspectors, @xstate/graph). */
export const phaseChart = setup({
  types: { context: {} as PhaseContext, events: {} as PhaseEvent },
  guards: {
    laterHeight: ({ context, event }) => event.type === 'HEIGHT_START' && event.height > context.height,
    nextHeightFromZero: ({ context, event }) => event.type === 'HEIGHT_START' && event.height === context.height + 1 && event.round === 0,
    laterRound: ({ context, event }) => 'round' in event && event.round > context.round,
    nextRound: ({ context, event }) => 'round' in event && event.round === context.round + 1,
    thisHeight: ({ context, event }) => event.type === 'DECIDED' && event.height === context.height,
    nextHeight: ({ context, event }) => event.type === 'DECIDED' && event.height === context.height + 1,
  },
  actions: {
    enterHeight: assign(({ event }) => (event.type === 'HEIGHT_START' ? { height: event.height, round: event.round } : {})),
    enterRound: assign(({ event }) => ('round' in event ? { round: event.round } : {})),
    decideNext: assign(({ context }) => ({ height: context.height + 1, round: -1 })),
  },
}).createMachine({
  id: 'bft-phases',
  context: { height: -1, round: -1 },
  initial: 'idle',
  // Whatever no state below accepts: the chart stops in `broken`, which the Phases wrapper refuses to enter.
  on: { '*': '.broken' },
  states: {
    idle: { on: { HEIGHT_START: { guard: 'laterHeight', target: 'height', actions: 'enterHeight' } } },
    height: {
      initial: 'round',
      on: {
        NEW_ROUND: { guard: 'laterRound', target: TO_ROUND, reenter: true, actions: 'enterRound' },
        TIMEOUT_ROUND: { guard: 'nextRound', target: TO_ROUND, reenter: true, actions: 'enterRound' },
        DECIDED: { guard: 'thisHeight', target: 'decided' },
      },
      states: {
        round: {
          type: 'parallel',
          states: {
            step: {
              initial: 'propose',
              states: {
                propose: { on: { PROPOSAL: 'prevote', TIMEOUT_PROPOSE: 'prevote' } },
                prevote: {
                  initial: 'waiting',
                  on: {
                    // The member locks and precommits the block: the round's polka is taken.
                    POLKA: '#bft-phases.height.round.step.precommit.polka',
                    NIL_POLKA: 'precommit',
                    // Late in the round: no nil prevote any more (the collector mode resends its votes).
                    TIMEOUT_PROPOSE: {},
                  },
                  states: {
                    waiting: { on: { PREVOTE_QUORUM_ANY: 'armed' } },
                    // Only an armed prevote timeout can fire in the prevote step.
                    armed: { on: { TIMEOUT_PREVOTE: '#bft-phases.height.round.step.precommit' } },
                  },
                },
                precommit: {
                  initial: 'waiting',
                  on: {
                    // Late: the step it would have ended is over.
                    TIMEOUT_PREVOTE: {},
                    TIMEOUT_PROPOSE: {},
                  },
                  states: {
                    // Precommitted nil (or refused to sign): a polka for the proposal may still come, and becomes the valid block.
                    waiting: { on: { POLKA: 'polka' } },
                    polka: {},
                  },
                },
              },
            },
            commitWait: {
              initial: 'idle',
              states: {
                idle: { on: { PRECOMMIT_QUORUM_ANY: 'armed' } },
                armed: { on: { TIMEOUT_PRECOMMIT: { guard: 'nextRound', target: TO_ROUND, reenter: true, actions: 'enterRound' } } },
              },
            },
          },
        },
      },
    },
    // The block interval: the next height's messages are tallied, no rule runs. A checked commit of the
    // next height may still arrive (catch-up) and decide it.
    decided: {
      on: {
        HEIGHT_START: { guard: 'nextHeightFromZero', target: 'height', actions: 'enterHeight' },
        DECIDED: { guard: 'nextHeight', target: 'decided', reenter: true, actions: 'decideNext' },
      },
    },
    broken: { type: 'final' },
  },
})

type Step = typeof STEP_PROPOSE | typeof STEP_PREVOTE | typeof STEP_PRECOMMIT

/** A state value as a dotted path per region (`height.round.{step.prevote.armed, commitWait.idle}`), for messages and tests. */
export function describePhase(value: StateValue): string {
  if (typeof value === 'string') return value
  const parts = Object.entries(value).map(([key, inner]) => (inner === undefined ? key : `${key}.${describePhase(inner)}`))
  return parts.length === 1 ? (parts[0] as string) : `{${parts.join(', ')}}`
}

/** The event types some active state of `value` names (guards aside; the root's catch-all left out). */
function acceptedIn(value: StateValue): ReadonlySet<PhaseEventType> {
  const types = new Set<PhaseEventType>()
  const visit = (node: AnyStateNode, inner: StateValue | undefined): void => {
    for (const type of node.transitions.keys()) if (type !== '*') types.add(type as PhaseEventType)
    if (typeof inner === 'string') visit(node.states[inner] as AnyStateNode, undefined)
    else if (inner !== undefined) for (const [key, deeper] of Object.entries(inner)) visit(node.states[key] as AnyStateNode, deeper)
  }
  visit(phaseChart.root, value)
  return types
}

/**
 * One voter's phases: the chart's current snapshot, moved by `raise`. The step, whether a height is
 * running and which events the state takes are read from the snapshot once per transition and kept,
 * so the voter's rules, evaluated after every vote, read them for the cost of a field.
 */
export class Phases {
  private actor = Phases.run()
  private currentStep: Step | undefined
  private inHeight = false
  private accepted = acceptedIn(this.value)

  /**
   * The chart as a started xstate actor (from `snapshot`, to restore one), with a clock that refuses:
   * its timeouts are the voter's, on ctx's clock, and the chart has no delays, so xstate never asks
   * (were one added, it would throw here rather than fall back to the host's timers). A live actor,
   * not the pure `transition` function: that builds an actor scope per call, 23 µs an event against 6.5.
   */
  private static run(snapshot?: ReturnType<Actor<typeof phaseChart>['getSnapshot']>): Actor<typeof phaseChart> {
    const clock = {
      setTimeout: (): never => {
        throw new PhaseError('delayed-transition', 'the phase chart has no delayed transitions: its timeouts are the voter\'s, on ctx\'s clock')
      },
      clearTimeout: (): void => {},
    }
    const actor = createActor(phaseChart, snapshot === undefined ? { clock } : { clock, snapshot })
    actor.start()
    return actor
  }

  /** The step of the running round; undefined outside a height (idle, or the block interval). */
  get step(): Step | undefined {
    return this.currentStep
  }

  /** Whether a height is running (false before the first starts and in the block interval). */
  get running(): boolean {
    return this.inHeight
  }

  get value(): StateValue {
    return this.actor.getSnapshot().value
  }

  /**
   * Whether the state takes `type` (guards aside): how a rule that fires once per round or step asks
   * whether it is still due (a prevote quorum in prevote.waiting, a polka before precommit.polka, a
   * precommit quorum in commitWait.idle). The chart is that memory; the voter keeps no flag beside it.
   */
  accepts(type: PhaseEventType): boolean {
    return this.accepted.has(type)
  }

  /** Moves the chart by `event`; throws PhaseError, and changes nothing, when its state does not accept it. */
  raise(event: PhaseEvent): void {
    const before = this.actor.getSnapshot()
    this.actor.send(event)
    const next = this.actor.getSnapshot()
    if (next.value === 'broken') {
      // `broken` is final: the actor stopped there. The chart goes back to where it was, whole.
      this.actor = Phases.run(before)
      const { height, round } = before.context
      throw new PhaseError('illegal-event', `broken invariant: the voter raised ${describeEvent(event)} in phase ${describePhase(before.value)} (height ${height}, round ${round})`)
    }
    this.accepted = acceptedIn(next.value)
    this.inHeight = next.matches('height')
    this.currentStep = !this.inHeight ? undefined : next.matches({ height: { round: { step: 'propose' } } }) ? STEP_PROPOSE : next.matches({ height: { round: { step: 'precommit' } } }) ? STEP_PRECOMMIT : STEP_PREVOTE
  }
}

function describeEvent(event: PhaseEvent): string {
  const { type, ...fields } = event
  const args = Object.entries(fields).map(([k, v]) => `${k} ${String(v)}`)
  return args.length === 0 ? type : `${type}(${args.join(', ')})`
}
