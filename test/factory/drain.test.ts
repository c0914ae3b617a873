/**
 * The drain on SIGTERM, on TestClock with the real worker, SQLite queue and story store: two
 * workers hold a quick job (5 s of writing) and a slow one (60 s); the drain gives them 20 s. The
 * quick one commits within the grace; the slow one is still writing when the grace ends, so its
 * worker is interrupted and hands the job back: queued, its delivery not counted. No worker claims
 * once the drain began, and a job claimed as it began goes straight back.
 */
import { Effect, Fiber, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { episodeWorker } from "../../actors/episodeWorker.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { Drain, makeDrain } from "../../src/factory/Drain.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import * as Story from "../support/llmLikeStory.ts"

const QUICK = "quick-road"
const SLOW = "slow-road"
const GRACE_MS = 20_000

/** A writer that takes 5 s for the quick project and 60 s for the slow one (TestClock time). */
const timedWriter = Layer.succeed(LanguageModel, LanguageModel.of({
  ...OfflineWriter.make,
  name: "timed",
  complete: (request) =>
    Effect.as(Effect.sleep(request.brief?.project === SLOW ? 60_000 : 5_000), {
      text: Story.EPISODE_1,
      finishReason: "stop" as const,
      usage: { promptTokens: 100, cachedTokens: 0, completionTokens: 100 },
      model: "timed",
      provider: "test",
    }),
}))

const factory = () =>
  Layer.mergeAll(FaultPoints.none, timedWriter, Intake.layer, Layer.succeed(PipelineSettings, { ...defaultConfig("/nonexistent").pipeline, maxDrafts: 1 })).pipe(
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
    Layer.provideMerge(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(EventBus.layer()),
  )

/** Lets the forked fibers run as far as they can without time passing. */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})

describe("drain on shutdown", () => {
  it("a job finishing within the grace commits; one exceeding it is handed back, its delivery not counted", async () => {
    const outcome = await Effect.runPromise(Effect.gen(function* () {
      const store = yield* StoryStore
      const queue = yield* JobQueue
      for (const slug of [QUICK, SLOW]) {
        yield* store.createProject({ ...Story.storyProject(), slug, lengthBand: { min: 400, max: 2_000 } }, Story.storyBible())
        yield* queue.enqueue(slug, [1, 2])
      }
      const drain = yield* makeDrain
      const workers = yield* Effect.forEach(["writer-1", "writer-2"], (id) => Effect.forkChild(episodeWorker(id).pipe(Effect.provideService(Drain, drain))))
      // Both claim (each its own project: a project's episodes go one at a time).
      for (let i = 0; i < 20 && (yield* queue.projectStates()).reduce((n, p) => n + p.inFlight, 0) < 2; i++) {
        yield* settle
        yield* TestClock.adjust(10)
      }
      expect((yield* queue.projectStates()).map((p) => [p.project, p.inFlight]).sort()).toEqual([[QUICK, 1], [SLOW, 1]])

      let announced: ReadonlyArray<string> = []
      const draining = yield* Effect.forkChild(drain.drain(GRACE_MS, (inFlight) => Effect.sync(() => (announced = inFlight))))
      yield* settle
      for (let t = 0; t < GRACE_MS; t += 1_000) {
        yield* TestClock.adjust(1_000)
        yield* settle
      }
      const result = yield* Fiber.join(draining)
      // The factory's shutdown: the workers are interrupted, the slow one hands its job back.
      yield* Effect.forEach(workers, Fiber.interrupt)
      const job = (slug: string, n: number) => Effect.map(queue.get(`${slug}:${n}`), Option.getOrThrow)
      return {
        announced: [...announced].sort(),
        result,
        quick1: yield* job(QUICK, 1),
        quick2: yield* job(QUICK, 2),
        slow1: yield* job(SLOW, 1),
        committed: (yield* store.listEpisodes(QUICK)).map((e) => e.number),
        slowCommitted: (yield* store.listEpisodes(SLOW)).length,
      }
    }).pipe(Effect.provide(factory()), Effect.provide(TestClock.layer())))

    expect(outcome.announced).toEqual([`${QUICK}:1`, `${SLOW}:1`])
    expect(outcome.result).toEqual({ inFlight: expect.any(Array), finished: [`${QUICK}:1`], handedBack: [`${SLOW}:1`] })
    expect(outcome.quick1.state).toBe("committed")
    expect(outcome.committed).toEqual([1])
    // No claim once the drain began: the quick project's next episode was not started.
    expect(outcome.quick2).toMatchObject({ state: "queued", deliveries: 0 })
    expect(outcome.quick2.reason ?? null, "claimed, then handed back").toBeNull()
    // Back in the queue, claimable at once, and the interrupted delivery not counted.
    expect(outcome.slow1).toMatchObject({ state: "queued", deliveries: 0 })
    expect(outcome.slowCommitted).toBe(0)
  })

  it("a job claimed as the drain begins is not started: handed straight back", async () => {
    const handedBack = await Effect.runPromise(Effect.gen(function* () {
      const drain = yield* makeDrain
      expect(yield* drain.begin("a:1")).toBe(true)
      const waiting = yield* Effect.forkChild(drain.drain(GRACE_MS))
      yield* settle
      expect(yield* drain.draining).toBe(true)
      expect(yield* drain.begin("b:1")).toBe(false)
      yield* drain.end("a:1")
      return yield* Fiber.join(waiting)
    }).pipe(Effect.provide(TestClock.layer())))
    // a:1 ended before the grace: the drain returned without waiting it out
    expect(handedBack).toEqual({ inFlight: ["a:1"], finished: ["a:1"], handedBack: [] })
  })
})
