import { Effect, Layer } from "effect"
import { FactoryConfig, type FactoryConfigData } from "../config/FactoryConfig.ts"
import { EventBus } from "../events/EventBus.ts"
import { FaultPoints } from "../factory/FaultPoints.ts"
import { Intake } from "../factory/Intake.ts"
import { PipelineSettings } from "../factory/PipelineSettings.ts"
import { Plugins } from "../plugins/Plugins.ts"
import { Projects } from "../factory/Projects.ts"
import { LanguageModel } from "../llm/LanguageModel.ts"
import { OfflineWriter } from "../llm/OfflineWriter.ts"
import { Stages } from "../pipeline/Stages.ts"
import { storyStagesLayer } from "../analyst/StoryStagesLayer.ts"
import { autoStageThreads, stageThreadsLayer } from "../pipeline/StageThreads.ts"
import { makeOpenAiLanguageModel } from "../llm/OpenAiLanguageModel.ts"
import { routedLanguageModel } from "../llm/RoutedLanguageModel.ts"
import { offlineForProjects, offlineProjectsOf } from "../ops/canary/CanaryRoute.ts"
import { financeLayer, meteredLanguageModelLayer } from "../finance/FinanceLayer.ts"
import type { JobQueue, QueueUnavailable } from "../queue/JobQueue.ts"
import { RedisJobQueue } from "../queue/RedisJobQueue.ts"
import { SqliteJobQueue } from "../queue/SqliteJobQueue.ts"
import { Database } from "../sqlite/Database.ts"
import { SqliteStoryStore } from "../story/SqliteStoryStore.ts"
import { Neo4jStoryStore } from "../story/Neo4jStoryStore.ts"
import type { StoreUnavailable, StoryStore } from "../story/StoryStore.ts"

export interface StorageOptions {
  /** A daemon starts while a networked queue is down and waits for it (see `RedisConnectionOptions.startWhileDown`). */
  readonly startWhileDown?: boolean
  /** WAL checkpoints on a thread of their own (see `src/sqlite/Checkpointer.ts`): for a running factory, not a one-off command. */
  readonly checkpointThread?: boolean
}

/** Database, story store and queue, as the config selects them. */
export const storageLayer = (config: FactoryConfigData, options: StorageOptions = {}) => {
  // The SQLite database is always there: the ledger, the singleton leases and backups live in it.
  const database = Database.layerIn(config.home, { checkpointThread: options.checkpointThread ?? false })
  const story: Layer.Layer<StoryStore, StoreUnavailable, Database> = config.story.kind === "sqlite"
    ? SqliteStoryStore.layer
    : Neo4jStoryStore.layer({ url: config.story.url, user: config.story.user })
  const queue: Layer.Layer<JobQueue, QueueUnavailable, Database> = config.queue.kind === "sqlite"
    ? SqliteJobQueue.layer({ maxDeliveries: config.pipeline.maxDeliveries })
    : RedisJobQueue.layer({
      url: config.queue.url,
      maxDeliveries: config.pipeline.maxDeliveries,
      keyPrefix: config.queue.keyPrefix ?? "novel-factory",
      startWhileDown: options.startWhileDown ?? false,
    })
  return Layer.mergeAll(story, queue).pipe(Layer.provideMerge(database))
}

/** The offline writer, composing where the stages run, paced by `latencyMs` on Effect's Clock when configured. */
const offlineLayer = (latencyMs: number): Layer.Layer<LanguageModel> =>
  Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const model = OfflineWriter.makeWith((yield* Stages).compose)
      return latencyMs <= 0
        ? model
        : { ...model, complete: (request) => Effect.andThen(Effect.sleep(latencyMs), model.complete(request)) }
    }),
  )

/**
 * The configured model, metered: every call is booked in the ledger at the configured
 * prices, and writer calls wait while today's spend is at the daily budget cap.
 */
export const languageModelLayer = (config: FactoryConfigData, env: Readonly<Record<string, string | undefined>> = process.env) => {
  const llm = config.llm
  // the canary never spends LLM money unless `canary.llm: configured`
  const offlineProjects = offlineProjectsOf(config.canary)
  const model = llm.kind === "offline"
    ? offlineLayer(llm.latencyMs ?? 0)
    : Layer.effect(
      LanguageModel,
      Effect.gen(function* () {
        const offline = OfflineWriter.makeWith((yield* Stages).compose)
        const openai = yield* makeOpenAiLanguageModel(llm, { env })
        return offlineForProjects(offlineProjects, { routed: routedLanguageModel(llm, { offline, openai }), offline })
      }),
    )
  return storyStagesLayer(llm, offlineProjects).pipe(
    Layer.provideMerge(meteredLanguageModelLayer(config.finance)),
    Layer.provide(model),
    Layer.provideMerge(financeLayer(config.finance)),
  )
}

/**
 * Every service the pipeline and the API need, built from the config. The supervision
 * tree (in `supervisors/`) runs the actors on top of it.
 */
export const infrastructureLayer = (config: FactoryConfigData, options: StorageOptions = {}) =>
  Layer.mergeAll(Intake.layer, Projects.layer, Plugins.layer({ home: config.home })).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        languageModelLayer(config).pipe(Layer.provideMerge(storageLayer(config, { checkpointThread: true, ...options }))),
        Layer.succeed(FactoryConfig, config),
        Layer.succeed(PipelineSettings, config.pipeline),
        FaultPoints.none,
      ),
    ),
    Layer.provideMerge(EventBus.layer()),
    Layer.provideMerge(stageThreadsLayer(stageThreadCount(config), { warmUp: config.pipeline.stageWarmUp ?? 0 })),
  )

/** `auto`: one thread per core, but no more than jobs run at once (a thread beyond them would idle). */
export const stageThreadCount = (config: FactoryConfigData): number => {
  const configured = config.pipeline.stageThreads ?? "auto"
  return configured === "auto" ? Math.min(autoStageThreads(), config.pipeline.concurrency) : configured
}

export const describeBackends = (config: FactoryConfigData): string =>
  config.queue.kind === "sqlite" && config.story.kind === "sqlite" ? "embedded" : `${config.queue.kind}/${config.story.kind}`

