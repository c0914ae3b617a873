import { Schema } from "effect"

/**
 * Every event of the factory, one union on one PubSub: supervision (the kernel),
 * circuit breakers, and the life of jobs. The dashboard, metrics, the journal and
 * alerts all read this stream. `at` is epoch milliseconds from Effect's Clock.
 */

export const ExitOutcome = Schema.Literals(["success", "failure", "interrupted"])
export type ExitOutcome = typeof ExitOutcome.Type

export const ChildStarted = Schema.TaggedStruct("ChildStarted", {
  at: Schema.Number,
  supervisor: Schema.String,
  child: Schema.String,
})
export const ChildExited = Schema.TaggedStruct("ChildExited", {
  at: Schema.Number,
  supervisor: Schema.String,
  child: Schema.String,
  outcome: ExitOutcome,
  /** Pretty-printed cause when the outcome is a failure. */
  cause: Schema.NullOr(Schema.String),
})
export const ChildRestarting = Schema.TaggedStruct("ChildRestarting", {
  at: Schema.Number,
  supervisor: Schema.String,
  child: Schema.String,
  attempt: Schema.Int,
  delayMs: Schema.Number,
})
export const SupervisorEscalated = Schema.TaggedStruct("SupervisorEscalated", {
  at: Schema.Number,
  supervisor: Schema.String,
  /** The original cause that exhausted the intensity, carried up to the root. */
  cause: Schema.String,
})
export const BreakerState = Schema.Literals(["closed", "open", "half-open"])
export type BreakerState = typeof BreakerState.Type
export const BreakerChanged = Schema.TaggedStruct("BreakerChanged", {
  at: Schema.Number,
  breaker: Schema.String,
  from: BreakerState,
  to: BreakerState,
  reason: Schema.NullOr(Schema.String),
})

export const JobEnqueued = Schema.TaggedStruct("JobEnqueued", {
  at: Schema.Number,
  job: Schema.String,
  project: Schema.String,
  episode: Schema.Int,
})
export const PipelineStage = Schema.Literals(["writer", "guard", "critic", "editor", "analyst", "summary", "commit"])
export type PipelineStage = typeof PipelineStage.Type
/** One stage of one job finished (successfully or not): the latency panels and histograms read it. */
export const StageFinished = Schema.TaggedStruct("StageFinished", {
  at: Schema.Number,
  job: Schema.String,
  stage: PipelineStage,
  ms: Schema.Number,
  ok: Schema.Boolean,
})
export const JobRejected = Schema.TaggedStruct("JobRejected", {
  at: Schema.Number,
  job: Schema.String,
  draft: Schema.Int,
  reward: Schema.Number,
  findings: Schema.Int,
})
export const JobCommitted = Schema.TaggedStruct("JobCommitted", {
  at: Schema.Number,
  job: Schema.String,
  project: Schema.String,
  episode: Schema.Int,
  durationMs: Schema.Number,
  reward: Schema.Number,
})
export const JobRetrying = Schema.TaggedStruct("JobRetrying", {
  at: Schema.Number,
  job: Schema.String,
  reason: Schema.String,
})
/** A project's next episode has no beat it may be written from (planner failing, or waiting for approval). */
export const ProjectHeld = Schema.TaggedStruct("ProjectHeld", {
  at: Schema.Number,
  project: Schema.String,
  episode: Schema.Int,
  reason: Schema.String,
})
export const OperatorAction = Schema.Literals(["retry", "skip", "cancel", "hold", "resume", "delete"])
export type OperatorAction = typeof OperatorAction.Type

/** An operator acted on a project (CLI, API or dashboard). */
export const OperatorActed = Schema.TaggedStruct("OperatorActed", {
  at: Schema.Number,
  action: OperatorAction,
  project: Schema.String,
  episode: Schema.optionalKey(Schema.Int),
  detail: Schema.String,
})
export const JobDead = Schema.TaggedStruct("JobDead", {
  at: Schema.Number,
  job: Schema.String,
  project: Schema.String,
  episode: Schema.Int,
  reason: Schema.String,
})
export const IntakeChanged = Schema.TaggedStruct("IntakeChanged", {
  at: Schema.Number,
  paused: Schema.Boolean,
})
/** The wall clock jumped by \`stepMs\` (negative: back) against the monotonic clock (\`runtime/ClockStep.ts\`); \`at\` is after the step. */
export const ClockStepped = Schema.TaggedStruct("ClockStepped", {
  at: Schema.Number,
  stepMs: Schema.Number,
})
export const Alert = Schema.TaggedStruct("Alert", {
  at: Schema.Number,
  rule: Schema.String,
  state: Schema.Literals(["firing", "resolved"]),
  message: Schema.String,
})

export const SupervisionEvent = Schema.Union([ChildStarted, ChildExited, ChildRestarting, SupervisorEscalated, BreakerChanged])
export type SupervisionEvent = typeof SupervisionEvent.Type

export const FactoryEvent = Schema.Union([
  ChildStarted,
  ChildExited,
  ChildRestarting,
  SupervisorEscalated,
  BreakerChanged,
  JobEnqueued,
  StageFinished,
  JobRejected,
  JobCommitted,
  JobRetrying,
  JobDead,
  ProjectHeld,
  OperatorActed,
  IntakeChanged,
  ClockStepped,
  Alert,
])
export type FactoryEvent = typeof FactoryEvent.Type
