import { readFileSync } from 'node:fs'
import { ConfigError } from '../../../core/errors.ts'
import { parseFaultSchedule, type FaultSchedule } from '../../../sim/faults.ts'
import type { ScenarioOptions } from '../../../sim/scenario.ts'
import { parse, parseIsolation, parseSeed } from '../args.ts'
import { printSummary } from '../output.ts'
import { runSim, simExitStatus } from '../report.ts'
import { TraceWriter } from '../trace-writer.ts'
import { REPLAY_FLAGS, SIM_FLAGS } from './flags.ts'
import { nodesArg, scenarioArg, untilArg } from './scenario-args.ts'

/** `vain sim` and `vain replay` (the same run, with its trace written out); resolves with the exit status. */
export function simCommand(argv: readonly string[], replay: boolean): number {
  const { values, positionals } = parse(argv, replay ? REPLAY_FLAGS : SIM_FLAGS)
  const scenario = scenarioArg(positionals)
  if (replay && values.seed === undefined) throw new ConfigError('replay needs --seed: the seed of the run to replay')
  const options: ScenarioOptions = {
    seed: parseSeed(values.seed ?? SIM_FLAGS.seed.default),
    nodes: nodesArg(scenario, values.nodes),
    untilMs: untilArg(scenario, values.until),
    ...(values.faults === undefined ? {} : { faults: parseFaults(values.faults) }),
    ...(values.isolation === undefined ? {} : { isolation: parseIsolation(values.isolation) }),
  }
  const trace = replay ? (values as { trace?: string }).trace : undefined
  // Opened last: every argument has been checked, so bad usage leaves no empty trace file behind.
  const writer = replay ? new TraceWriter(trace) : undefined
  const json = values.json === true
  const report = runSim(scenario, writer === undefined ? options : { ...options, onTrace: writer.write }, {
    progress: !json && process.stderr.isTTY === true && !(replay && trace === undefined),
  })
  writer?.close()
  printSummary(report, json)
  return simExitStatus(report)
}

/** `--faults` takes JSON inline or `@path` to a JSON file. */
function parseFaults(text: string): FaultSchedule {
  if (!text.startsWith('@')) return parseFaultSchedule(text)
  let json: string
  try {
    json = readFileSync(text.slice(1), 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read fault schedule ${text.slice(1)}: ${(error as Error).message}`)
  }
  return parseFaultSchedule(json)
}
