import { describe, expect, it } from 'vitest'
import { vain } from './vain.fixtures.ts'

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string)

/** The words of a printed replay command, its single-quoted arguments unquoted (they hold no quote). */
const words = (command: string) => [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!)

describe('vain check --swarm', () => {
  it("prints the failing run's drawn environment, and its replay command reproduces the run exactly", async () => {
    const text = await vain('check', 'replication-unsafe', '--swarm', '--runs', '40', '--seed', '2')
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/^in the drawn environment \{"loss":[^\n]*\}, fault mix [a-z, -]+ \(twins and Sybils are always kept\)$/m)
    const report = lastJson((await vain('check', 'replication-unsafe', '--swarm', '--runs', '40', '--seed', '2', '--json')).stdout)
    expect(report.replay).toContain(`--env '${JSON.stringify(report.minimal.swarm.environment)}'`)
    const [, , , ...args] = words(report.replay) // npx vain replay <args>
    const replayed = await vain('sim', ...args, '--json')
    expect(lastJson(replayed.stdout)).toMatchObject({ traceHash: report.summary.traceHash, environment: report.minimal.swarm.environment })
  })

  it('a bad --env is one line naming the flag', async () => {
    const result = await vain('sim', 'replication', '--env', '{"loss":3}')
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toMatch(/^vain: --env: .*loss/)
  })
})
