/**
 * Prompt caching: the share of the writer's input tokens the provider serves from its cache.
 *
 * One project (the `fantasy_kr` template), 10 episodes, the real episode worker in-process with
 * the real OpenAI provider against the loopback simulator, which caches prompt prefixes as
 * OpenAI does: from 1,024 tokens on, in blocks of 128. The simulator answers the writer with the
 * offline writer's episode for the brief the prompt was rendered from (handed to it beside the
 * request, so the guard accepts the draft), the analyst with its schema's sample.
 *
 * Measured: cached ÷ prompt tokens over the writer's requests of episodes 2–10 (episode 1 has
 * nothing to share a prefix with), for the simulator caching the longest shared prefix of the
 * serialized prompt (what OpenAI does) and, as the baseline, only whole leading messages seen
 * before (the simulator's former model). Target: >= 60 % with prefix caching.
 */
import { Effect, Layer, Option } from "effect"
import { storyStagesLayer } from "../src/analyst/StoryStagesLayer.ts"
import { defaultConfig } from "../src/config/FactoryConfig.ts"
import type { WriterBrief } from "../src/domain/Brief.ts"
import { EventBus } from "../src/events/EventBus.ts"
import { FaultPoints } from "../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../src/factory/PipelineSettings.ts"
import { Projects } from "../src/factory/Projects.ts"
import { LanguageModel, type TokenUsage } from "../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../src/llm/LlmConfig.ts"
import { composeEpisode } from "../src/llm/OfflineWriter.ts"
import { makeOpenAiLanguageModel } from "../src/llm/OpenAiLanguageModel.ts"
import { type CacheMode, type SimRequest, startSimulator } from "../src/llm/Simulator.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../src/queue/SqliteJobQueue.ts"
import { Database } from "../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../src/story/SqliteStoryStore.ts"
import { processLease } from "../actors/episodeWorker.ts"
import type { BenchResult } from "./BenchResult.ts"

const EPISODES = 10
const SLUG = "cache-bench"
const KEY = "sk-cache-bench"

interface WriterCall {
  readonly episode: number
  readonly usage: TokenUsage
}

/** Serializes EPISODES episodes; returns the writer's usage per call. */
export const measureWriterCache = async (cacheMode: CacheMode): Promise<ReadonlyArray<WriterCall>> => {
  const briefs = new Map<string, WriterBrief>()
  const respond = (request: SimRequest): string => {
    const brief = briefs.get(JSON.stringify(request.messages))
    if (brief === undefined) throw new Error("the bench's simulator got a writer prompt it was not handed the brief of")
    return composeEpisode(brief)
  }
  const sim = await startSimulator({ apiKey: KEY, models: ["bench-model"], respond: (r) => (r.responseFormat ? "{}" : respond(r)), cacheMode })
  try {
    const config: OpenAiLlmConfig = {
      kind: "openai",
      baseUrl: sim.url,
      model: "bench-model",
      apiKeyEnv: "BENCH_KEY",
      stages: { analyst: { kind: "offline" }, summary: { kind: "offline" } },
    }
    const calls: Array<WriterCall> = []
    const model = Layer.effect(
      LanguageModel,
      Effect.gen(function* () {
        const openai = yield* makeOpenAiLanguageModel(config, { env: { BENCH_KEY: KEY } })
        return LanguageModel.of({
          name: openai.name,
          complete: (request) => {
            if (request.brief !== undefined) briefs.set(JSON.stringify(request.messages), request.brief)
            return openai.complete(request).pipe(
              Effect.tap((c) =>
                Effect.sync(() => {
                  if (request.stage === "writer" && request.brief) calls.push({ episode: request.brief.episode, usage: c.usage })
                })
              ),
            )
          },
        })
      }),
    )
    const layer = Layer.mergeAll(Projects.layer, FaultPoints.none, Layer.succeed(PipelineSettings, defaultConfig("/nonexistent").pipeline)).pipe(
      Layer.provideMerge(storyStagesLayer(config).pipe(Layer.provideMerge(model))),
      Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
      Layer.provideMerge(Database.layer({ path: ":memory:" })),
      Layer.provideMerge(EventBus.layer()),
    )
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* Projects.use((p) => p.create({ slug: SLUG, genre: "fantasy_kr" }))
        const queue = yield* JobQueue
        yield* queue.enqueue(SLUG, Array.from({ length: EPISODES }, (_, i) => i + 1))
        for (let n = 1; n <= EPISODES; n++) {
          const lease = Option.getOrThrow(yield* queue.claim("bench", { leaseMs: 600_000 }))
          yield* processLease(lease)
        }
      }).pipe(Effect.provide(layer)),
    )
    return calls
  } finally {
    await sim.close()
  }
}

export const cachedShareFrom = (calls: ReadonlyArray<WriterCall>, firstEpisode: number): number => {
  const counted = calls.filter((c) => c.episode >= firstEpisode)
  const prompt = counted.reduce((n, c) => n + c.usage.promptTokens, 0)
  return prompt === 0 ? 0 : counted.reduce((n, c) => n + c.usage.cachedTokens, 0) / prompt
}

export const run = async (): Promise<ReadonlyArray<BenchResult>> => {
  const prefix = await measureWriterCache("prefix")
  const messages = await measureWriterCache("messages")
  const share = cachedShareFrom(prefix, 2)
  const baseline = cachedShareFrom(messages, 2)
  const promptPerCall = prefix.filter((c) => c.episode >= 2).reduce((n, c) => n + c.usage.promptTokens, 0) / Math.max(1, prefix.filter((c) => c.episode >= 2).length)
  return [{
    name: `writer input cached, episodes 2–${EPISODES}`,
    value: share * 100,
    unit: "%",
    baseline: baseline * 100,
    note: `target >= 60 %; baseline: whole-message caching; ${prefix.length} writer calls, ${Math.round(promptPerCall)} prompt tokens each on average`,
  }]
}

if (import.meta.main) {
  for (const r of await run()) console.log(JSON.stringify(r))
}
