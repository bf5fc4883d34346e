import { ConfigError } from '../../../core/errors.ts'
import { benchNamed, benches } from '../../../bench/index.ts'
import { parse } from '../args.ts'
import { BENCH_FLAGS } from './flags.ts'

/** `vain bench <name>`: resolves with the exit status. */
export async function benchCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, BENCH_FLAGS)
  if (positionals.length === 0) throw new ConfigError(`expected a benchmark name (known: ${[...benches.keys()].join(', ')})`)
  if (positionals.length > 1) throw new ConfigError(`unexpected argument '${positionals[1]}' (one benchmark name, then flags)`)
  const bench = benchNamed(positionals[0] as string)
  const report = await bench.run({ quick: values.quick === true, log: (line) => console.error(line) })
  if (values.json === true) console.log(JSON.stringify({ bench: report.bench, results: report.results }))
  else console.log(`${bench.name}: ${bench.description}\n\n${report.table}`)
  return 0
}
