/**
 * A draft's facts enter the Bible as provisional until the episode commits: staged beside the
 * Bible while the job is in the pipeline, never written from, gone at the commit, discarded
 * when the job dies.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { processLease } from "../../actors/episodeWorker.ts"

const SLUG = "rain-city"
const pipeline = { ...defaultConfig("/nonexistent").pipeline, maxDrafts: 2 }

const factory = (faults: Layer.Layer<FaultPoints>, model: Layer.Layer<LanguageModel>) =>
  Layer.mergeAll(Projects.layer, faults, model, Layer.succeed(PipelineSettings, pipeline)).pipe(
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
    Layer.provideMerge(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(EventBus.layer()),
  )

/** Creates the project, queues episode 1 and claims it. */
const claimFirstEpisode = Effect.gen(function* () {
  yield* Projects.use((p) => p.create({ slug: SLUG, genre: "modern_noir" }))
  const queue = yield* JobQueue
  yield* queue.enqueue(SLUG, [1])
  return Option.getOrThrow(yield* queue.claim("writer-1", { leaseMs: 60_000 }))
})

describe("provisional Bible facts", () => {
  it.effect("are staged while the episode is in the pipeline and replaced by the commit's own changes", () => {
    const editorReached = Deferred.makeUnsafe<void>()
    const release = Deferred.makeUnsafe<void>()
    // Park the job at the editor: the guard has accepted the draft, nothing is committed yet.
    const faults = Layer.succeed(FaultPoints, FaultPoints.of({
      reach: (point) => point === "editor" ? Deferred.succeed(editorReached, undefined).pipe(Effect.andThen(Deferred.await(release))) : Effect.void,
    }))
    return Effect.gen(function* () {
      const lease = yield* claimFirstEpisode
      const store = yield* StoryStore
      const before = yield* store.getBible(SLUG)
      const worker = yield* Effect.forkChild(processLease(lease))
      yield* Deferred.await(editorReached)

      const staged = yield* store.provisionalFacts(SLUG)
      expect(staged.map((f) => [f.episode, f.draft])).toEqual([[1, 1]])
      expect(staged[0]!.changes.appearances.length).toBeGreaterThan(0)
      expect(staged[0]!.changes.events.length).toBeGreaterThan(0)
      expect(new Set(staged[0]!.changes.events.map((e) => e.episode))).toEqual(new Set([1]))
      // The Bible itself is untouched until the commit.
      expect(yield* store.getBible(SLUG)).toEqual(before)

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(worker)
      expect(yield* store.provisionalFacts(SLUG)).toEqual([])
      const after = yield* store.getBible(SLUG)
      // the commit's own changes: the beat's event the draft staged, and what the analyst read in the final text
      expect(after.events.filter((e) => e.episode === 1)).toEqual(expect.arrayContaining([...staged[0]!.changes.events]))
      expect(Option.isSome(yield* store.getEpisode(SLUG, 1))).toBe(true)
    }).pipe(Effect.provide(factory(faults, OfflineWriter.layer)))
  })

  it.effect("of a job the guard gives up on are discarded with it", () => {
    // A writer whose every draft is far too short: the guard rejects both drafts.
    const terse = Layer.succeed(LanguageModel, LanguageModel.of({
      ...OfflineWriter.make,
      complete: (request) => Effect.map(OfflineWriter.make.complete(request), (c) => ({ ...c, text: c.text.slice(0, 400) })),
    }))
    return Effect.gen(function* () {
      const lease = yield* claimFirstEpisode
      const store = yield* StoryStore
      yield* processLease(lease)
      const job = Option.getOrThrow(yield* JobQueue.use((q) => q.get(lease.job.id)))
      expect(job.state).toBe("dead")
      expect(job.reason).toMatch(/guard rejected 2 drafts/)
      expect(yield* store.provisionalFacts(SLUG)).toEqual([])
    }).pipe(Effect.provide(factory(FaultPoints.none, terse)))
  })
})
