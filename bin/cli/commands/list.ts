import { ConfigError } from '../../../core/errors.ts'
import { benches } from '../../../bench/index.ts'
import { scenarios } from '../../../sim/scenarios/index.ts'
import { parse } from '../args.ts'
import { LIST_FLAGS } from './flags.ts'
import { scenarioDefaults } from './scenario-args.ts'

/** `vain list`: the scenarios with their defaults, and the benchmarks. */
export function listCommand(argv: readonly string[]): number {
  const { positionals } = parse(argv, LIST_FLAGS)
  if (positionals.length > 0) throw new ConfigError(`unexpected argument '${positionals[0]}'`)
  console.log('scenarios:')
  for (const s of scenarios.values()) console.log(`  ${s.name.padEnd(20)} ${s.description} (default ${scenarioDefaults(s)})`)
  console.log('benchmarks:')
  for (const b of benches.values()) console.log(`  ${b.name.padEnd(20)} ${b.description}`)
  return 0
}
