import { Clock, Context, Effect, Layer } from "effect"
import { episodeWorker } from "../actors/episodeWorker.ts"
import type { FactoryConfigData } from "../src/config/FactoryConfig.ts"
import { FactoryStatus, packageVersion } from "../src/factory/FactoryStatus.ts"
import { PipelineSettings } from "../src/factory/PipelineSettings.ts"
import { LanguageModel } from "../src/llm/LanguageModel.ts"
import { recordMetrics } from "../src/metrics/FactoryMetrics.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { StoryStore } from "../src/story/StoryStore.ts"
import * as Backoff from "./Backoff.ts"
import { Breakers } from "./Breakers.ts"
import { ChildSpec } from "./ChildSpec.ts"
import { guardService } from "./Guarded.ts"
import * as Supervisor from "./Supervisor.ts"
import * as WorkerPool from "./WorkerPool.ts"

/** Which typed errors mean "the dependency is down" (and so count against its breaker). */
const outage = (tag: string) => (error: unknown) =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === tag

/**
 * Puts the queue, the story store and the language model behind their circuit breakers:
 * during an outage the workers that need a dependency park instead of failing jobs.
 */
export const guardedDependencies = Layer.effectContext(
  Effect.gen(function* () {
    const breakers = yield* Breakers
    const queue = yield* JobQueue
    const store = yield* StoryStore
    const model = yield* LanguageModel
    const queueBreaker = yield* breakers.get("queue", { isFailure: outage("QueueUnavailable"), cooldown: "5 seconds" })
    const storeBreaker = yield* breakers.get("story-store", { isFailure: outage("StoreUnavailable"), cooldown: "5 seconds" })
    const llmBreaker = yield* breakers.get("llm", { isFailure: outage("LlmTransientError"), cooldown: "10 seconds" })
    return Context.make(JobQueue, guardService(queue, queueBreaker)).pipe(
      Context.add(StoryStore, guardService(store, storeBreaker)),
      Context.add(LanguageModel, guardService(model, llmBreaker)),
    )
  }),
)

export interface FactoryTreeOptions<R = never> {
  readonly supervision: FactoryConfigData["supervision"]
  /** More permanent children after the workers, e.g. the backup singleton. */
  readonly extraChildren?: ReadonlyArray<ChildSpec<any, R>> | undefined
}

/**
 * The factory's supervision tree:
 *
 *     factory (one-for-one)
 *     ├── metrics            events → Prometheus metrics
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
  const root = yield* Supervisor.start({
    name: "factory",
    strategy: "one-for-one",
    intensity,
    backoff,
    resetAfter: supervision.resetAfterMs,
    children: [
      ChildSpec.permanent("metrics", recordMetrics),
      ChildSpec.permanent(
        "writers",
        Effect.gen(function* () {
          yield* WorkerPool.start({
            name: "writer",
            min: settings.concurrency,
            max: settings.concurrency,
            intensity,
            backoff,
            resetAfter: supervision.resetAfterMs,
            worker: (id) => ChildSpec.permanent(id, episodeWorker(id), { graceMs: 5_000 }),
          })
          return yield* Effect.never
        }),
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
        dependencies: Effect.map(breakers.all, (all) => all.map((b) => ({ name: b.name, state: b.state }))),
      })
    }),
  )

