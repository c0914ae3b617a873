import { Clock, Context, Effect, Layer } from "effect"
import { episodeWorker } from "../actors/episodeWorker.ts"
import type { FactoryConfigData } from "../src/config/FactoryConfig.ts"
import { currentWriterStatus, FactoryStatus, packageVersion } from "../src/factory/FactoryStatus.ts"
import { PipelineSettings } from "../src/factory/PipelineSettings.ts"
import { CommitRelay, type CommitRecorder, relayCommits } from "../src/factory/CommitRelay.ts"
import { LanguageModel, LlmTransientError } from "../src/llm/LanguageModel.ts"
import { recordMetrics } from "../src/metrics/FactoryMetrics.ts"
import { JobQueue, QueueUnavailable } from "../src/queue/JobQueue.ts"
import { watchClockSteps } from "../src/runtime/ClockStep.ts"
import { StoreUnavailable, StoryStore } from "../src/story/StoryStore.ts"
import { classifyCause } from "../src/http/NotReadyCause.ts"
import * as Backoff from "./Backoff.ts"
import { Breakers } from "./Breakers.ts"
import { ChildSpec } from "./ChildSpec.ts"
import type { BreakerOpen } from "./CircuitBreaker.ts"
import { guardService, guardServiceFailFast } from "./Guarded.ts"
import * as Supervisor from "./Supervisor.ts"
import * as WorkerPool from "./WorkerPool.ts"

/** Which typed errors mean "the dependency is down" (and so count against its breaker). */
const outage = (tag: string) => (error: unknown) =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === tag

/** The three dependency breakers (created on first use, shared by the actors' and the API's views). */
const dependencyBreakers = Effect.gen(function* () {
  const breakers = yield* Breakers
  return {
    // The queue is cheap to probe (a dead Redis refuses a command at once: no offline queue)
    // and every worker waits on it, so it is probed every second: work resumes within ~1.2 s
    // of Redis returning (the reconnect delay, ≤ 0.2 s, plus at most one cool-down) instead
    // of up to 5 s. A 10 s window (not 60 s): it opens once the failures since the outage
    // began match the successes of the seconds before it — within 10 s at most, instead of
    // up to a minute after busy traffic.
    queue: yield* breakers.get("queue", { isFailure: outage("QueueUnavailable"), window: "10 seconds", cooldown: "1 second" }),
    store: yield* breakers.get("story-store", { isFailure: outage("StoreUnavailable"), cooldown: "5 seconds" }),
    llm: yield* breakers.get("llm", { isFailure: outage("LlmTransientError"), cooldown: "10 seconds" }),
  }
})

/**
 * Puts the queue, the story store and the language model behind their circuit breakers:
 * during an outage the workers that need a dependency park instead of failing jobs.
 */
export const guardedDependencies = Layer.effectContext(
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const store = yield* StoryStore
    const model = yield* LanguageModel
    const breaker = yield* dependencyBreakers
    return Context.make(JobQueue, guardService(queue, breaker.queue)).pipe(
      Context.add(StoryStore, guardService(store, breaker.store)),
      Context.add(LanguageModel, guardService(model, breaker.llm)),
    )
  }),
)

const openMessage = (open: BreakerOpen) =>
  `circuit breaker '${open.breaker}' is ${open.state}${open.retryAfterMs > 0 ? `; next probe in ${open.retryAfterMs} ms` : ""}`

/**
 * The same breakers for callers that must answer now (the HTTP API, the dashboard): an
 * open breaker fails the call at once with the dependency's own "unavailable" error, which
 * the API answers with 503, instead of parking the request until the dependency returns.
 */
export const failFastDependencies = Layer.effectContext(
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const store = yield* StoryStore
    const model = yield* LanguageModel
    const breaker = yield* dependencyBreakers
    return Context.make(
      JobQueue,
      guardServiceFailFast(queue, breaker.queue, (open) => new QueueUnavailable({ message: openMessage(open), cause: open })),
    ).pipe(
      Context.add(StoryStore, guardServiceFailFast(store, breaker.store, (open) => new StoreUnavailable({ message: openMessage(open), cause: open }))),
      Context.add(
        LanguageModel,
        guardServiceFailFast(model, breaker.llm, (open) => new LlmTransientError({ message: openMessage(open), retryAfterMs: open.retryAfterMs })),
      ),
    )
  }),
)

export interface FactoryTreeOptions<R = never> {
  readonly supervision: FactoryConfigData["supervision"]
  /**
   * Names this process in the queue (`host:pid`): a worker claims as `<instance>/writer-n`, so a
   * job held by one of several `serve` processes says which. Absent in simulations.
   */
  readonly instance?: string | undefined
  /** More permanent children after the workers, e.g. the backup singleton. */
  readonly extraChildren?: ReadonlyArray<ChildSpec<any, R>> | undefined
  /** Where the commit relay records each `JobCommitted` before the outbox lets go of it (the event journal). */
  readonly commitRecorder?: Effect.Effect<CommitRecorder, unknown, R> | undefined
}

/**
 * The factory's supervision tree:
 *
 *     factory (one-for-one)
 *     ├── metrics            events → Prometheus metrics
 *     ├── clock              wall-clock steps → a warning, `ClockStepped`, the `clock.stepped` alert
 *     ├── commit-relay       the story store's outbox → `JobCommitted` on the bus (nudged by each commit)
 *     ├── writers            worker pool: `concurrency` episode workers (writer → guard → editor → commit)
 *     └── backup …           extra children: singletons such as the backup scheduler
 *
 * Every worker is permanent: a crashed worker is restarted after its back-off, and its
 * job (whose delivery the crash spent) is claimed again.
 */
export const factoryTree = Effect.fn("FactoryTree.start")(function* <R>(options: FactoryTreeOptions<R>) {
  const settings = yield* PipelineSettings
  const { supervision } = options
  const backoff = Backoff.exponential({ base: supervision.backoffBaseMs, max: supervision.backoffMaxMs })
  const intensity = { maxRestarts: supervision.maxRestarts, within: `${supervision.withinSeconds} seconds` as const }
  // Outside the children, so a restarted relay still hears the workers' nudges.
  const commitRelay = yield* CommitRelay.make
  const root = yield* Supervisor.start({
    name: "factory",
    strategy: "one-for-one",
    intensity,
    backoff,
    resetAfter: supervision.resetAfterMs,
    children: [
      ChildSpec.permanent("metrics", recordMetrics),
      ChildSpec.permanent("clock", watchClockSteps()),
      ChildSpec.permanent(
        "commit-relay",
        relayCommits(options.commitRecorder === undefined ? {} : { recorder: options.commitRecorder }).pipe(
          Effect.provideService(CommitRelay, commitRelay),
        ),
        { graceMs: 5_000 },
      ),
      ChildSpec.permanent(
        "writers",
        Effect.gen(function* () {
          const pool = yield* WorkerPool.start({
            name: "writer",
            min: settings.concurrency,
            max: settings.concurrency,
            intensity,
            backoff,
            resetAfter: supervision.resetAfterMs,
            worker: (id) => ChildSpec.permanent(id, episodeWorker(options.instance === undefined ? id : `${options.instance}/${id}`), { graceMs: 5_000 }),
          })
          // The pool escalating (its workers crashed past its intensity) fails this child, so
          // the root restarts it with a fresh pool after its back-off — never a pool left dead.
          return yield* pool.supervisor.await
        }).pipe(Effect.provideService(CommitRelay, commitRelay)),
        { graceMs: Number.POSITIVE_INFINITY },
      ),
      ...(options.extraChildren ?? []),
    ],
  })
  return root
})

/** FactoryStatus for a running tree: its snapshot and the breakers' states. */
export const factoryStatusLayer = (mode: string, root: Supervisor.Supervisor<any>) =>
  Layer.effect(
    FactoryStatus,
    Effect.gen(function* () {
      const breakers = yield* Breakers
      const startedAt = yield* Clock.currentTimeMillis
      return FactoryStatus.of({
        version: packageVersion,
        mode,
        startedAt,
        supervision: root.snapshot,
        dependencies: Effect.map(breakers.all, (all) =>
          all.map((b) => {
            const cause = b.lastFailure === undefined ? undefined : classifyCause(b.lastFailure)
            return { name: b.name, state: b.state, ...(cause === undefined ? {} : { cause }) }
          })),
        writer: yield* currentWriterStatus,
      })
    }),
  )

