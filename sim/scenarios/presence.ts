import { NodeIdentity } from '../../actors/identity/identity.ts'
import { Presence } from '../../actors/node/presence.ts'
import { DEFAULT_NETWORK } from '../network.ts'
import { runSettings, type Scenario, type ScenarioOptions, type ScenarioRun } from '../scenario.ts'
import { Simulation } from '../simulation.ts'

const address = (i: number) => `n${i}`

function build(options: ScenarioOptions): ScenarioRun {
  const members = Array.from({ length: options.nodes }, (_, i) => address(i))
  const sim = new Simulation({
    ...runSettings(options),
    network: DEFAULT_NETWORK,
    invariants: [
      {
        name: 'everyone sees everyone',
        when: 'end',
        check: (view) => {
          for (const m of members) {
            const presence = view.actor<Presence>(m)
            if (presence === undefined) continue // down at the end
            const missing = members.filter((o) => o !== m && view.actor(o) !== undefined && !presence.seen(view.now).includes(o))
            if (missing.length > 0) return `${m} does not see ${missing.join(', ')}`
          }
          return undefined
        },
      },
    ],
  })
  // Each node is introduced to n0 only; it finds the rest through n0's answer.
  members.forEach((m, i) =>
    sim.addNode(m, () => new Presence({ listen: m, bootstrap: i === 0 ? [] : [address(0)], identity: new NodeIdentity() }), { bootAt: i * 10 }),
  )
  return {
    sim,
    summarize: (result) => {
      const seen = members.map((m) => sim.actor<Presence>(m)?.seen(result.virtualTimeMs).length ?? 0)
      return { seenMin: Math.min(...seen), seenMax: Math.max(...seen), pairsSeen: seen.reduce((a, b) => a + b, 0), pairs: members.length * (members.length - 1) }
    },
  }
}

export const presence: Scenario = {
  name: 'presence',
  description: 'nodes introduce themselves to one bootstrap node, learn the others from it, and ping each other with signed envelopes',
  defaults: { nodes: 20, untilMs: 30_000 },
  minNodes: 2,
  faultTargets: (nodes) => Array.from({ length: nodes - 1 }, (_, i) => address(i + 1)),
  build,
}
