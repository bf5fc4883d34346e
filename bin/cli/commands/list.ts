import { ConfigError } from '../../../core/errors.ts'
import { BENCH_ENTRIES } from '../../../bench/catalogue.ts'
import { SCENARIO_ENTRIES } from '../../../sim/scenarios/catalogue.ts'
import { formatDuration } from '../../../sim/format.ts'
import { parse } from '../args.ts'
import { LIST_FLAGS } from './flags.ts'

/** `vain list`: the scenarios with their defaults, and the benchmarks, from their catalogues (no simulator loaded). */
export function listCommand(argv: readonly string[]): number {
  const { positionals } = parse(argv, LIST_FLAGS)
  if (positionals.length > 0) throw new ConfigError(`unexpected argument '${positionals[0]}'`)
  console.log('scenarios:')
  for (const s of SCENARIO_ENTRIES) console.log(`  ${s.name.padEnd(20)} ${s.description} (default ${s.defaults.nodes} nodes, ${formatDuration(s.defaults.untilMs)})`)
  console.log('benchmarks:')
  for (const b of BENCH_ENTRIES) console.log(`  ${b.name.padEnd(20)} ${b.description}`)
  return 0
}
