/**
 * The supervision kernel: OTP supervisors, worker pools and circuit breakers on
 * Effect fibers. Every start, exit, restart, escalation and breaker change is a
 * `FactoryEvent` on the `EventBus`; `snapshot` gives the tree as plain data.
 */
export * as Backoff from "./Backoff.ts"
export { Breakers, type BreakersShape } from "./Breakers.ts"
export { ChildSpec, type ChildOptions, defaultGraceMs, type RestartType, type Shutdown } from "./ChildSpec.ts"
export * as CircuitBreaker from "./CircuitBreaker.ts"
export * as DynamicSupervisor from "./DynamicSupervisor.ts"
export * as Intensity from "./Intensity.ts"
export * as RestartDecision from "./RestartDecision.ts"
export { type ChildSnapshot, type ChildState, flattenSnapshot, type SupervisorSnapshot } from "./Snapshot.ts"
export * as Supervisor from "./Supervisor.ts"
export {
  ChildExitedUnexpectedly,
  escalationPath,
  rootCause,
  SupervisorEscalation,
} from "./SupervisorEscalation.ts"
export { DuplicateChild, SupervisorStopped, TooManyChildren, UnknownChild } from "./SupervisorErrors.ts"
export * as WorkerPool from "./WorkerPool.ts"
