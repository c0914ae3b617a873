import { Effect, Metric, PubSub } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { EventBus } from "../events/EventBus.ts"
import { syntheticSourceOf } from "../domain/Project.ts"
import { type FactoryEvent, PipelineStage } from "../events/FactoryEvent.ts"
import { JobQueue } from "../queue/JobQueue.ts"

const jobsEnqueued = Metric.counter("novel_factory_jobs_enqueued_total", { description: "Episode jobs accepted", incremental: true })
const jobsCompleted = Metric.counter("novel_factory_jobs_completed_total", { description: "Episode jobs committed", incremental: true })
const jobsFailed = Metric.counter("novel_factory_jobs_failed_total", { description: "Episode jobs dead-lettered", incremental: true })
const jobsRetried = Metric.counter("novel_factory_jobs_retried_total", { description: "Deliveries handed back to the queue", incremental: true })
const draftsRejected = Metric.counter("novel_factory_drafts_rejected_total", { description: "Drafts the guard rejected", incremental: true })
const restarts = Metric.counter("novel_factory_restarts_total", { description: "Supervised restarts", incremental: true })
const escalations = Metric.counter("novel_factory_escalations_total", { description: "Supervisor escalations", incremental: true })
const breakerOpens = Metric.counter("novel_factory_breaker_opened_total", { description: "Circuit breakers opened", incremental: true })
const stageFailures = Metric.counter("novel_factory_stage_failures_total", {
  description: "Pipeline stage attempts that failed (a crash, a timeout, an outage), by stage",
  incremental: true,
})
const stageSeconds = Metric.histogram("novel_factory_stage_duration_seconds", {
  description: "Duration of one successful pipeline stage of one job (failed attempts: novel_factory_stage_failures_total)",
  boundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
})
const jobSeconds = Metric.histogram("novel_factory_job_duration_seconds", {
  description: "Claim-to-commit duration of a job",
  boundaries: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600],
})
/**
 * The factory's own synthetic work (the canary, load tests: projects in the reserved `nf-`
 * namespace) is counted here and nowhere else, so it never moves the real job counters, stage
 * latencies or what is alerted on them.
 */
const syntheticJobs = Metric.counter("novel_factory_synthetic_jobs_total", {
  description: "Job events of the factory's own synthetic work (canary, load tests), by source and event; not in novel_factory_jobs_*",
  incremental: true,
})
const SYNTHETIC_SOURCES = ["canary", "load"] as const
const SYNTHETIC_EVENTS = ["enqueued", "committed", "dead"] as const

/** The project of a job id (`project:episode`, as `jobIdOf` spells it). */
const projectOfJob = (job: string): string => job.slice(0, Math.max(0, job.lastIndexOf(":")))

/** `canary`, `load` … for a synthetic project's event; undefined for real work (and for events of no job). */
export const syntheticSourceOfEvent = (event: FactoryEvent): string | undefined => {
  switch (event._tag) {
    case "JobEnqueued":
    case "JobCommitted":
    case "JobDead":
      return syntheticSourceOf(event.project)
    case "StageFinished":
    case "JobRejected":
    case "JobRetrying":
      return syntheticSourceOf(projectOfJob(event.job))
    default:
      return undefined
  }
}

const syntheticEvent = (event: FactoryEvent): string | undefined => {
  switch (event._tag) {
    case "JobEnqueued":
      return "enqueued"
    case "JobCommitted":
      return "committed"
    case "JobDead":
      return "dead"
    case "JobRetrying":
      return "retried"
    case "JobRejected":
      return "rejected"
    default:
      return undefined
  }
}

const queueDepth = Metric.gauge("novel_factory_queue_depth", { description: "Jobs waiting to be claimed" })
const jobsInFlight = Metric.gauge("novel_factory_jobs_in_flight", { description: "Jobs held by a worker" })
const jobsDead = Metric.gauge("novel_factory_jobs_dead", { description: "Jobs on the dead-letter list" })

/**
 * The breakers of the factory's dependencies (`supervisors/FactoryTree.ts` names them; `src/`
 * cannot import it): their series exist from start-up.
 */
export const DEPENDENCY_BREAKERS: ReadonlyArray<string> = ["queue", "story-store", "llm"]

/**
 * Registers every counter and labelled series at 0 (histograms empty): a series that first appears
 * at its first increment hides that increment from `increase()`/`rate()`, which need two samples,
 * so the first failures after a restart would never alert. Idempotent.
 */
export const registerMetrics: Effect.Effect<void> = Effect.forEach(
  [
    jobsEnqueued,
    jobsCompleted,
    jobsFailed,
    jobsRetried,
    draftsRejected,
    restarts,
    escalations,
    jobSeconds,
    ...PipelineStage.literals.flatMap((stage) => [
      Metric.withAttributes(stageSeconds, { stage }),
      Metric.withAttributes(stageFailures, { stage }),
    ]),
    ...DEPENDENCY_BREAKERS.map((breaker) => Metric.withAttributes(breakerOpens, { breaker })),
    ...SYNTHETIC_SOURCES.flatMap((source) => SYNTHETIC_EVENTS.map((event) => Metric.withAttributes(syntheticJobs, { source, event }))),
  ] as ReadonlyArray<Metric.Metric<never, unknown>>,
  Metric.value,
  { discard: true },
)

/** Every metric is derived from the event stream: one source of truth for metrics, dashboard and journal. */
export const recordEvent = (event: FactoryEvent): Effect.Effect<void> => {
  const source = syntheticSourceOfEvent(event)
  if (source !== undefined) {
    const name = syntheticEvent(event)
    return name === undefined ? Effect.void : Metric.update(Metric.withAttributes(syntheticJobs, { source, event: name }), 1)
  }
  switch (event._tag) {
    case "JobEnqueued":
      return Metric.update(jobsEnqueued, 1)
    case "JobCommitted":
      return Effect.andThen(Metric.update(jobsCompleted, 1), Metric.update(jobSeconds, event.durationMs / 1000))
    case "JobDead":
      return Metric.update(jobsFailed, 1)
    case "JobRetrying":
      return Metric.update(jobsRetried, 1)
    case "JobRejected":
      return Metric.update(draftsRejected, 1)
    case "StageFinished":
      // a failed attempt (often a timeout) would drag the latency of the work done into its tail
      return event.ok
        ? Metric.update(Metric.withAttributes(stageSeconds, { stage: event.stage }), event.ms / 1000)
        : Metric.update(Metric.withAttributes(stageFailures, { stage: event.stage }), 1)
    case "ChildRestarting":
      return Metric.update(restarts, 1)
    case "SupervisorEscalated":
      return Metric.update(escalations, 1)
    case "BreakerChanged":
      return event.to === "open" ? Metric.update(Metric.withAttributes(breakerOpens, { breaker: event.breaker }), 1) : Effect.void
    default:
      return Effect.void
  }
}

/** Feeds the metrics from the bus for as long as it runs (fork it in the factory's scope). */
export const recordMetrics = Effect.gen(function* () {
  yield* registerMetrics
  const bus = yield* EventBus
  const subscription = yield* bus.subscribe
  return yield* Effect.forever(Effect.flatMap(PubSub.take(subscription), recordEvent))
}).pipe(Effect.scoped)

/** Prometheus text exposition; the queue gauges are read at scrape time. */
export const renderMetrics = Effect.gen(function* () {
  // also here: a scrape may come before the metrics actor has started
  yield* registerMetrics
  const queue = yield* JobQueue
  const stats = yield* Effect.option(queue.stats)
  if (stats._tag === "Some") {
    yield* Metric.update(queueDepth, stats.value.queued)
    yield* Metric.update(jobsInFlight, stats.value.inFlight)
    yield* Metric.update(jobsDead, stats.value.dead)
  }
  return yield* PrometheusMetrics.format()
})
