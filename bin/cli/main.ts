import { ConfigError } from '../../core/errors.ts'
import { benchNamed, benches } from '../../bench/index.ts'
import { checkScenario } from '../../sim/check.ts'
import { runScenario, type Scenario, type ScenarioOptions } from '../../sim/scenario.ts'
import { scenarioNamed, scenarios } from '../../sim/scenarios/index.ts'
import { parse, parseDuration, parseFaults, parseIsolation, parsePositiveInt, parseSeed } from './args.ts'
import { nodeCommand } from './node.ts'
import { printSummary } from './output.ts'
import { ProgressBar } from './progress.ts'
import { TraceWriter } from './trace-writer.ts'

const USAGE = `vain — simulate and run a decentralized peer-to-peer AI network

usage:
  vain sim <scenario> [--seed N] [--nodes N] [--until 60s] [--faults JSON|@file] [--isolation bytes|frozen] [--json]
  vain replay <scenario> --seed N [same flags as sim] [--trace FILE]
  vain check <scenario> [--runs 100] [--seed N] [--nodes N] [--until 10s] [--json]
  vain bench <name> [--quick] [--json]
  vain node --listen HOST:PORT --data-dir DIR [--bootstrap wss://HOST:PORT]... [--json-logs] [--kdf interactive|moderate]
            (the identity is sealed with the passphrase in VAIN_PASSPHRASE; see docs/cli.md for every flag)
  vain node --data-dir DIR --repair    salvage a damaged store (keeps what verifies, moves the original aside)
  vain list

Exit status: 0 success, 1 an invariant was violated (or check found a failing run), 2 bad usage.`

const RUN_FLAGS = {
  seed: { type: 'string' },
  nodes: { type: 'string' },
  until: { type: 'string' },
  faults: { type: 'string' },
  isolation: { type: 'string' },
  json: { type: 'boolean' },
} as const

/** Runs the CLI; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'sim':
        return simCommand(rest, false)
      case 'replay':
        return simCommand(rest, true)
      case 'check':
        return checkCommand(rest)
      case 'bench':
        return await benchCommand(rest)
      case 'node':
        return await nodeCommand(rest)
      case 'list':
        return listCommand()
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE)
        return command === undefined ? 2 : 0
      default:
        throw new ConfigError(`unknown command '${command}'`)
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`vain: ${error.message}\n\n${USAGE}`)
    return 2
  }
}

function scenarioArg(positionals: readonly string[]): Scenario {
  if (positionals.length !== 1) throw new ConfigError(`expected one scenario name (known: ${[...scenarios.keys()].join(', ')})`)
  return scenarioNamed(positionals[0] as string)
}

function nodesArg(scenario: Scenario, text: string | undefined): number {
  const nodes = text === undefined ? scenario.defaults.nodes : parsePositiveInt(text, '--nodes')
  if (nodes < scenario.minNodes) throw new ConfigError(`scenario ${scenario.name} needs at least ${scenario.minNodes} nodes`)
  return nodes
}

function simCommand(argv: readonly string[], replay: boolean): number {
  const { values, positionals } = parse(argv, { ...RUN_FLAGS, ...(replay ? { trace: { type: 'string' } } : {}) })
  const scenario = scenarioArg(positionals)
  if (replay && values.seed === undefined) throw new ConfigError('replay needs --seed')
  const writer = replay ? new TraceWriter(values.trace as string | undefined) : undefined
  const options: ScenarioOptions = {
    seed: parseSeed((values.seed as string | undefined) ?? '1'),
    nodes: nodesArg(scenario, values.nodes as string | undefined),
    untilMs: values.until === undefined ? scenario.defaults.untilMs : parseDuration(values.until as string),
    ...(values.faults === undefined ? {} : { faults: parseFaults(values.faults as string) }),
    ...(values.isolation === undefined ? {} : { isolation: parseIsolation(values.isolation as string) }),
    ...(writer === undefined ? {} : { onTrace: writer.write }),
  }
  const json = values.json === true
  const bar = new ProgressBar(scenario.name, !json && process.stderr.isTTY === true && !(replay && values.trace === undefined))
  const summary = runScenario(scenario, options, (now, events) => bar.update(now / options.untilMs, `t=${(now / 1000).toFixed(1)}s events=${events}`))
  bar.done()
  writer?.close()
  printSummary(summary, json)
  return summary.violations.length === 0 ? 0 : 1
}

function checkCommand(argv: readonly string[]): number {
  const { values, positionals } = parse(argv, { runs: { type: 'string' }, seed: { type: 'string' }, nodes: { type: 'string' }, until: { type: 'string' }, json: { type: 'boolean' } })
  const scenario = scenarioArg(positionals)
  const report = checkScenario({
    scenario,
    nodes: nodesArg(scenario, values.nodes as string | undefined),
    untilMs: values.until === undefined ? scenario.defaults.untilMs : parseDuration(values.until as string),
    runs: values.runs === undefined ? 100 : parsePositiveInt(values.runs as string, '--runs'),
    ...(values.seed === undefined ? {} : { checkSeed: parsePositiveInt(values.seed as string, '--seed') }),
  })
  if (values.json === true) console.log(JSON.stringify(report))
  else if (report.ok) console.log(`${scenario.name}: ${report.runs} runs under generated fault schedules, no violation`)
  else {
    const violation = report.summary.violations[0]
    console.log(`${scenario.name}: FAILED on generated run ${report.runs}`)
    console.log(`first failing schedule: ${report.firstFailure.faults.length} faults (seed ${report.firstFailure.seed})`)
    console.log(`shrunk in ${report.shrinks} steps to ${report.minimal.faults.length} faults (seed ${report.minimal.seed}):`)
    console.log(`  ${JSON.stringify(report.minimal.faults)}`)
    console.log(`violation of '${violation?.invariant}': ${violation?.message}`)
    console.log(`replay with:\n  ${report.replay}`)
  }
  return report.ok ? 0 : 1
}

async function benchCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, quick: { type: 'boolean' } })
  if (positionals.length !== 1) throw new ConfigError(`expected one benchmark name (known: ${[...benches.keys()].join(', ')})`)
  const bench = benchNamed(positionals[0] as string)
  const json = values.json === true
  const report = await bench.run({ quick: values.quick === true, log: (line) => console.error(line) })
  if (json) console.log(JSON.stringify({ bench: report.bench, results: report.results }))
  else console.log(`${bench.name}: ${bench.description}\n\n${report.table}`)
  return 0
}

function listCommand(): number {
  console.log('scenarios:')
  for (const s of scenarios.values()) console.log(`  ${s.name.padEnd(20)} ${s.description} (default ${s.defaults.nodes} nodes, ${s.defaults.untilMs / 1000}s)`)
  console.log('benchmarks:')
  for (const b of benches.values()) console.log(`  ${b.name.padEnd(20)} ${b.description}`)
  return 0
}
