import { describe, expect, it } from 'vitest'
import { EXIT_STATUSES, exitStatusesOf } from './exit-status.ts'
import { NODE_EXIT } from './node-failure.ts'
import { vain } from './vain.fixtures.ts'
import { EXIT_WRITE_FAILED } from './write-failure.ts'

// The statuses a help text lists, read back from its `Exit status:` block.
function listedStatuses(help: string): number[] {
  const block = help.slice(help.indexOf('Exit status:'))
  return [...block.matchAll(/^ {2}(\d+) /gm)].map((m) => Number(m[1]))
}

describe('exit statuses: one table, printed by every help', () => {
  it("vain node's statuses are NODE_EXIT's", () => {
    expect(exitStatusesOf('node').map((e) => e.status)).toEqual([...new Set([...Object.values(NODE_EXIT), EXIT_WRITE_FAILED])].sort((a, b) => a - b))
  })

  it('vain --help lists every status; each command help lists its own, 2 and the write failure included', async () => {
    const top = await vain('--help')
    expect(listedStatuses(top.stdout)).toEqual(EXIT_STATUSES.map((e) => e.status))
    const expected: Record<string, number[]> = {
      sim: [0, 1, 2, 3, EXIT_WRITE_FAILED],
      replay: [0, 1, 2, 3, EXIT_WRITE_FAILED],
      check: [0, 1, 2, EXIT_WRITE_FAILED],
      bench: [0, 2, EXIT_WRITE_FAILED],
      list: [0, 2, EXIT_WRITE_FAILED],
      node: [0, 1, 2, 4, 5, 6, EXIT_WRITE_FAILED],
    }
    const helps = await Promise.all(Object.keys(expected).map((command) => vain(command, '--help')))
    Object.keys(expected).forEach((command, i) => expect(listedStatuses(helps[i]!.stdout), command).toEqual(expected[command]))
  })
})
