/**
 * `vain/sim`: the deterministic simulator (package.json `exports`): a Simulation to run actors in, its
 * network model and fault schedules, invariants, and the scenarios the CLI runs.
 */
export { Simulation, type KeyHolder, type NetworkStats, type NodeOptions, type RunLimits, type RunResult, type SimulationOptions, type StopReason } from './simulation.ts'
export { DEFAULT_NETWORK, RELIABLE_NETWORK, type NetworkConfig } from './network.ts'
export type { LatencyModel } from './latency.ts'
export { FAULT_KINDS, FaultScheduleSchema, parseFaultSchedule, type Fault, type FaultKind, type FaultSchedule } from './faults.ts'
export type { Invariant, SimulationView, Violation } from './invariants.ts'
export type { Isolation } from './isolation.ts'
export type { TraceEvent, TraceKind } from './trace.ts'
export { runScenario, type Scenario, type ScenarioOptions } from './scenario.ts'
export { scenarioNamed, scenarios } from './scenarios/index.ts'
export { checkScenario, faultScheduleArbitrary, type ByzantineOption, type CheckOptions, type CheckReport } from './check.ts'
export { BehaviourSchema, type Behaviour, type BehaviourKind } from './adversaries/behaviours.ts'
export { BEHAVIOUR_KINDS, behaviourArbitrary, byzantineFaultsArbitrary } from './adversaries/arbitrary.ts'
export type { AdversaryCounts } from './adversaries/adversary.ts'
export { DEFAULT_SYNC_COST_MS, MEASURED_SYNC_COST_MS, parseEnvironment, type Environment } from './environment.ts'
export type { SwarmDraw } from './swarm.ts'
