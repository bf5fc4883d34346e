import { readFileSync } from 'node:fs'
import { ConfigError } from '../../../core/errors.ts'
import { parseEnvironment } from '../../../sim/environment.ts'
import { parseFaultSchedule, type Fault, type FaultSchedule } from '../../../sim/faults.ts'
import type { Scenario, ScenarioOptions } from '../../../sim/scenario.ts'
import { formatDuration } from '../../../sim/format.ts'
import { parse, parseIsolation, parseSeed } from '../args.ts'
import { printSummary } from '../output.ts'
import { runSim, simExitStatus } from '../report.ts'
import { TraceWriter } from '../trace-writer.ts'
import { REPLAY_FLAGS, SIM_FLAGS } from './flags.ts'
import { nodesArg, refuseAddedNodes, scenarioArg, untilArg } from './scenario-args.ts'
import { presetArgs } from './adversary-args.ts'

/** `vain sim` and `vain replay` (the same run, with its trace written out); resolves with the exit status. */
export function simCommand(argv: readonly string[], replay: boolean): number {
  const { values, positionals } = parse(argv, replay ? REPLAY_FLAGS : SIM_FLAGS)
  const scenario = scenarioArg(positionals)
  if (replay && values.seed === undefined) throw new ConfigError('replay needs --seed: the seed of the run to replay')
  const options: ScenarioOptions = {
    seed: parseSeed(values.seed ?? SIM_FLAGS.seed.default),
    nodes: nodesArg(scenario, values.nodes),
    untilMs: untilArg(scenario, values.until),
    ...faultsArg(values, scenario, values.seed),
    ...(values.isolation === undefined ? {} : { isolation: parseIsolation(values.isolation) }),
    ...(values.env === undefined ? {} : { environment: withFlag('--env', () => parseEnvironment(values.env!)) }),
  }
  refuseFaultsAfterUntil(options)
  refuseAddedNodes(scenario, options.nodes, options.faults ?? [])
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

/** The schedule: --faults, after the faults that --byzantine and --adversary stand for (so the replay command names them all). */
function faultsArg(values: { faults?: string; byzantine?: string; adversary?: string; nodes?: string }, scenario: Scenario, seed: string | undefined): { faults?: FaultSchedule } {
  const preset = presetArgs(values.byzantine, values.adversary, scenario, nodesArg(scenario, values.nodes), parseSeed(seed ?? SIM_FLAGS.seed.default))
  const given = values.faults === undefined ? [] : parseFaults(values.faults)
  return preset.length === 0 && values.faults === undefined ? {} : { faults: [...preset, ...given] }
}

// Why a --faults @FILE could not be read, in words; another code is shown as it is.
const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of its path is not a directory',
  EACCES: 'permission denied',
}

/** `--faults` takes JSON inline or `@path` to a JSON file; every problem is one line naming the flag. */
function parseFaults(text: string): FaultSchedule {
  if (!text.startsWith('@')) return withFlag('--faults', () => parseFaultSchedule(text))
  const path = text.slice(1)
  if (path === '') throw new ConfigError('--faults @ needs a file name after the @ (--faults @faults.json)')
  let json: string
  try {
    json = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new ConfigError(`--faults @${path}: cannot read it: ${READ_PROBLEMS[code] ?? `read failed (${code})`}`)
  }
  return withFlag(`--faults @${path}`, () => parseFaultSchedule(json))
}

// A fault after --until would never be injected, and pending, it keeps the run from ever going quiet.
function refuseFaultsAfterUntil({ faults = [], untilMs }: ScenarioOptions): void {
  const late = faults.findIndex((f) => f.at > untilMs)
  if (late < 0) return
  const fault = faults[late] as Fault
  throw new ConfigError(`--faults: fault ${late + 1} of ${faults.length} is at ${formatDuration(fault.at)}, after --until ${formatDuration(untilMs)}: it would never be injected`)
}

function withFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${flag}: ${error.message}`)
    throw error
  }
}
