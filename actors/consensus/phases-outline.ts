import type { AnyStateMachine, AnyStateNode } from 'xstate'

/**
 * A statechart as indented text, from its definition: one line per state (`(initial)`, `(parallel)`,
 * `(final)`), under it one line per transition: `EVENT [guard] → target` (`(reenter)`), or `EVENT stays`
 * for a transition that leaves the state as it is (an event the state takes on purpose: a late one). Targets
 * are paths below the machine's root. docs/consensus.md shows the phase chart so (a test keeps the two
 * equal), and any chart renders the same way.
 */
export function outlineChart(machine: AnyStateMachine): string {
  const lines: string[] = []
  const walk = (node: AnyStateNode, depth: number): void => {
    const pad = '  '.repeat(depth)
    const parent = node.parent
    const marks = [parent?.type === 'compound' && parent.initial.target[0] === node ? 'initial' : undefined, node.type === 'parallel' || node.type === 'final' ? node.type : undefined].filter((m) => m !== undefined)
    lines.push(`${pad}${node.key}${marks.length === 0 ? '' : ` (${marks.join(', ')})`}`)
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions) {
        const guard = t.guard === undefined ? '' : ` [${typeof t.guard === 'string' ? t.guard : String((t.guard as { type?: unknown }).type)}]`
        const target = t.target === undefined ? 'stays' : `→ ${t.target.map((s) => s.path.join('.')).join(', ')}${t.reenter ? ' (reenter)' : ''}`
        lines.push(`${pad}  ${event}${guard} ${target}`)
      }
    }
    for (const child of Object.values(node.states)) walk(child, depth + 1)
  }
  walk(machine.root, 0)
  return lines.join('\n')
}
