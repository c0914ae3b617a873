/**
 * A refused answer (the provider's content filter) is not the end of a job: the writer is told why,
 * drafts again, and the episode commits with the refusal among its findings of the earlier draft.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { processLease } from "../../actors/episodeWorker.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import type { WriterBrief } from "../../src/domain/Brief.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { LanguageModel, LlmFatalError } from "../../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import * as Story from "../support/llmLikeStory.ts"

describe("a refused answer", () => {
  it.effect("goes back to the writer as a finding; the next draft commits", () => {
    const briefs: Array<WriterBrief> = []
    const writer = Layer.succeed(LanguageModel, LanguageModel.of({
      ...OfflineWriter.make,
      name: "filtering",
      complete: (request) => {
        briefs.push(request.brief!)
        return request.brief!.draft === 1
          ? Effect.fail(new LlmFatalError({ message: "writer → model: the provider's content filter stopped the answer", status: 200, refused: true }))
          : Effect.succeed({ text: Story.EPISODE_1, finishReason: "stop" as const, usage: { promptTokens: 10, cachedTokens: 0, completionTokens: 10 }, model: "m", provider: "p" })
      },
    }))
    return Effect.gen(function* () {
      yield* (yield* StoryStore).createProject(Story.storyProject(), Story.storyBible())
      const queue = yield* JobQueue
      yield* queue.enqueue(Story.STORY_SLUG, [1])
      yield* processLease(Option.getOrThrow(yield* queue.claim("writer-1", { leaseMs: 60_000 })))
      expect(Option.getOrThrow(yield* queue.get(`${Story.STORY_SLUG}:1`)).state).toBe("committed")
      expect(briefs.map((b) => b.draft)).toEqual([1, 2])
      expect(briefs[1]!.findingsToFix.map((f) => f.code)).toEqual(["writer.refused"])
      expect(briefs[1]!.findingsToFix[0]!.message).toMatch(/content filter/)
    }).pipe(Effect.provide(
      Layer.mergeAll(FaultPoints.none, writer, Layer.succeed(PipelineSettings, defaultConfig("/nonexistent").pipeline)).pipe(
        Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
        Layer.provideMerge(Database.layer({ path: ":memory:" })),
        Layer.provideMerge(EventBus.layer()),
      ),
    ))
  })
})
