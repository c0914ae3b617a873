/**
 * The analyst marks the outline's threads the text pays off or hints at (the LLM analyst, against
 * the test provider answering structured output): the ledger follows the text, not only the plan.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { processLease } from "../../actors/episodeWorker.ts"
import { storyStagesLayer } from "../../src/analyst/StoryStagesLayer.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import type { LlmConfig } from "../../src/llm/LlmConfig.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { routedLanguageModel } from "../../src/llm/RoutedLanguageModel.ts"
import { simulatorScoped } from "../../src/llm/Simulator.ts"
import { BeatSource } from "../../src/planner/BeatSource.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { outlineStoreLayer } from "../../src/planner/OutlineStoreLayer.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { PlanningSettings } from "../../src/planner/PlanningConfig.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"

const SLUG = "ring-road"
const empty = { charactersIntroduced: [], placesIntroduced: [], statusChanges: [], relations: [], facts: [], events: [] }

describe("threads marked by the analyst", () => {
  it.live("a thread the text pays off is paid in that episode; a hint is recorded; unknown threads are dropped", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({
        apiKey: "sk-threads",
        models: ["sim-korean"],
        respond: (request) => {
          const user = request.messages.map((m) => m.content).join("\n")
          const episode = Number(/## Episode (\d+)/.exec(user)?.[1] ?? 0)
          const text = user.split(/## Episode \d+\n/)[1] ?? ""
          const quote = text.trim().split("\n")[0]!.slice(0, 30)
          const lists = user.includes("## Open threads") && user.includes("lost-ring")
          const threads = !lists ? [] : episode === 2
            ? [{ thread: "lost-ring", mark: "hinted", quote }, { thread: "no-such-thread", mark: "paid", quote }]
            : episode === 3
            ? [{ thread: "lost-ring", mark: "paid", quote }]
            : []
          return JSON.stringify({ ...empty, threads })
        },
      })
      const llm: LlmConfig = {
        kind: "openai", baseUrl: sim.url, model: "sim-korean", apiKeyEnv: "SIM_KEY", timeoutMs: 10_000,
        retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
        stages: { writer: { kind: "offline" }, planner: { kind: "offline" }, summary: { kind: "offline" } },
      }
      const openai = yield* makeOpenAiLanguageModel(llm, { env: { SIM_KEY: "sk-threads" } })
      const model = Layer.succeed(LanguageModel, routedLanguageModel(llm, { offline: OfflineWriter.make, openai }))
      const layer = Layer.mergeAll(Projects.layer, FaultPoints.none, Layer.succeed(PipelineSettings, defaultConfig("/nonexistent").pipeline)).pipe(
        Layer.provideMerge(BeatSource.layer),
        Layer.provideMerge(Layer.mergeAll(outlineStoreLayer({ kind: "sqlite" }), Planner.offline, PlanningSettings.layer(undefined))),
        Layer.provideMerge(storyStagesLayer(llm).pipe(Layer.provideMerge(model))),
        Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
        Layer.provideMerge(Database.layer({ path: ":memory:" })),
        Layer.provideMerge(EventBus.layer()),
      )
      return yield* Effect.gen(function* () {
        const project = yield* Projects.use((p) => p.create({ slug: SLUG, genre: "romance_comedy" }))
        const outlines = yield* OutlineStore
        yield* outlines.seed(project)
        yield* outlines.upsertThread(SLUG, { id: "lost-ring", description: "잃어버린 반지의 행방", plantedIn: 1, hints: [], plannedPayoff: 9, state: "open" })
        const queue = yield* JobQueue
        yield* queue.enqueue(SLUG, [1, 2, 3])
        for (let i = 0; i < 3; i++) yield* processLease(Option.getOrThrow(yield* queue.claim("writer-1", { leaseMs: 600_000 })))
        const thread = Option.getOrThrow(yield* outlines.get(SLUG)).threads.find((t) => t.id === "lost-ring")
        expect(thread).toMatchObject({ state: "paid", paidOffIn: 3, hints: [2] })
      }).pipe(Effect.provide(layer))
    }).pipe(Effect.scoped), 60_000)
})
