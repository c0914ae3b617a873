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
import { BeatSource } from "../planner/BeatSource.ts"
import { outlineStoreLayer } from "../planner/OutlineStoreLayer.ts"
import { Planner } from "../planner/Planner.ts"
import { PlanningSettings } from "../planner/PlanningConfig.ts"
import { autoStageThreads, stageThreadsLayer } from "../pipeline/StageThreads.ts"
import { makeOpenAiLanguageModel } from "../llm/OpenAiLanguageModel.ts"
import { routedLanguageModel } from "../llm/RoutedLanguageModel.ts"
import { withJournalLayer } from "../llm/CallJournal.ts"
import { DEFAULT_JOURNAL_RETENTION_DAYS, journalPrunerLayer } from "../llm/JournalPruner.ts"
import { SqliteCallJournal } from "../llm/SqliteCallJournal.ts"
import { stageRoute } from "../llm/LlmConfig.ts"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { loadConfig } from "../config/LoadConfig.ts"
import type { FinanceConfig } from "../finance/FinanceConfig.ts"
import { offlineForProjects, offlineProjectsOf } from "../ops/canary/CanaryRoute.ts"
import { financeLayer, meteredLanguageModelLayer } from "../finance/FinanceLayer.ts"
import { financeReloadLayer } from "../finance/FinanceReload.ts"
import { Prices } from "../finance/PriceBook.ts"
import { BatchLane, makeBatchLane } from "../llm/BatchLane.ts"
import { type JobQueue, QueueUnavailable } from "../queue/JobQueue.ts"
import { checkDeployment } from "../queue/DeploymentIdentity.ts"
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
  /**
   * How the running factory re-reads its `finance` section (budget cap and prices, every 30 s):
   * default, `factory.yaml` in the data directory when there is one; pass the loader of a
   * `--config` file, or `false` for none.
   */
  readonly reloadFinance?: Effect.Effect<FinanceConfig, { readonly message: string }> | false
}

/**
 * The finance section of `<home>/factory.yaml` as it is now — when that file is the one the
 * factory was configured from (its finance section is the running one). A factory started with
 * `--config` elsewhere must not take its budget from another file: it gets no reload unless its
 * launcher passes `reloadFinance`.
 */
const homeFinanceLoader = (config: FactoryConfigData): Effect.Effect<FinanceConfig, { readonly message: string }> | undefined => {
  const file = join(config.home, "factory.yaml")
  if (!existsSync(file)) return undefined
  const load = Effect.map(loadConfig({ env: process.env, cwd: process.cwd(), configFile: file }), (c) => c.finance)
  const now = Effect.runSyncExit(load)
  return now._tag === "Success" && JSON.stringify(now.value) === JSON.stringify(config.finance) ? load : undefined
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
  return Layer.mergeAll(story, queue, deploymentCheckLayer(config, options)).pipe(Layer.provideMerge(database))
}

/**
 * A Redis queue with the embedded story store: the queue must be this data directory's (see
 * `DeploymentIdentity`). A daemon that starts while Redis is down cannot check; it says so and starts.
 */
const deploymentCheckLayer = (config: FactoryConfigData, options: StorageOptions): Layer.Layer<never, QueueUnavailable, Database> =>
  config.queue.kind !== "redis" || config.story.kind !== "sqlite"
    ? Layer.empty
    : Layer.effectDiscard(
      checkDeployment({ url: config.queue.url, keyPrefix: config.queue.keyPrefix ?? "novel-factory" }).pipe(
        Effect.catchTag("DeploymentUnchecked", (unchecked) =>
          options.startWhileDown === true
            ? Effect.logWarning(`the queue's deployment identity is not checked: ${unchecked.message}`)
            : Effect.fail(new QueueUnavailable({ message: unchecked.message, cause: unchecked }))),
        Effect.catchTag("DeploymentMismatch", (mismatch) => Effect.fail(new QueueUnavailable({ message: mismatch.message, cause: mismatch }))),
      ),
    )

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
export const languageModelLayer = (
  config: FactoryConfigData,
  env: Readonly<Record<string, string | undefined>> = process.env,
  reloadFinance?: Effect.Effect<FinanceConfig, { readonly message: string }>,
) => {
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
  const metered = meteredLanguageModelLayer(config.finance).pipe(Layer.provide(model))
  // The journal sits outside the metering: a replayed answer waits on no budget and books nothing.
  const journaled = llm.kind === "offline" || llm.journal?.enabled === false
    ? metered
    : withJournalLayer({ modelOf: (stage) => { const route = stageRoute(llm, stage); return route.kind === "openai" ? route.settings.model : "offline" } }).pipe(
      Layer.provide(metered),
      Layer.provideMerge(SqliteCallJournal.layer),
    )
  const reload = reloadFinance === undefined ? Layer.empty : financeReloadLayer({ load: reloadFinance, initial: config.finance })
  // The batch lane, when configured: a service for work off the publishing path (nothing in the pipeline calls it).
  const batch = llm.kind === "openai" && llm.batch !== undefined
    ? Layer.effect(BatchLane, Effect.flatMap(Prices, (prices) => makeBatchLane(llm, { env, prices: prices.table })))
    : Layer.empty
  return Layer.mergeAll(storyStagesLayer(llm, offlineProjects), reload, batch).pipe(
    Layer.provideMerge(journaled),
    Layer.provideMerge(financeLayer(config.finance)),
  )
}

/** Drops the journal entries of committed episodes past `llm.journal.retentionDays` (hourly). Needs the queue. */
export const journalPruningLayer = (config: FactoryConfigData) =>
  config.llm.kind === "offline" || config.llm.journal?.enabled === false
    ? Layer.empty
    : journalPrunerLayer(config.llm.journal?.retentionDays ?? DEFAULT_JOURNAL_RETENTION_DAYS).pipe(Layer.provide(SqliteCallJournal.layer))

/**
 * Every service the pipeline and the API need, built from the config. The supervision
 * tree (in `supervisors/`) runs the actors on top of it.
 */
export const infrastructureLayer = (config: FactoryConfigData, options: StorageOptions = {}) =>
  Layer.mergeAll(Intake.layer, Projects.layer, Plugins.layer({ home: config.home })).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        planningLayer(config).pipe(
          Layer.provideMerge(Layer.mergeAll(
            languageModelLayer(config, process.env, options.reloadFinance === false ? undefined : options.reloadFinance ?? homeFinanceLoader(config)),
            journalPruningLayer(config),
          )),
          Layer.provideMerge(storageLayer(config, { checkpointThread: true, ...options })),
        ),
        Layer.succeed(FactoryConfig, config),
        Layer.succeed(PipelineSettings, config.pipeline),
        FaultPoints.none,
      ),
    ),
    Layer.provideMerge(EventBus.layer()),
    Layer.provideMerge(stageThreadsLayer(stageThreadCount(config), { warmUp: config.pipeline.stageWarmUp ?? 0 })),
  )

/** The outline (in the story store's kind of database), the planner the config routes to, and the worker's `BeatSource`. */
export const planningLayer = (config: FactoryConfigData) =>
  BeatSource.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(outlineStoreLayer(config.story), Planner.layerFor(config.llm), PlanningSettings.layer(config.planning))),
  )

/** `auto`: one thread per core, but no more than jobs run at once (a thread beyond them would idle). */
export const stageThreadCount = (config: FactoryConfigData): number => {
  const configured = config.pipeline.stageThreads ?? "auto"
  return configured === "auto" ? Math.min(autoStageThreads(), config.pipeline.concurrency) : configured
}

export const describeBackends = (config: FactoryConfigData): string =>
  config.queue.kind === "sqlite" && config.story.kind === "sqlite" ? "embedded" : `${config.queue.kind}/${config.story.kind}`

