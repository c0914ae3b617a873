/**
 * No permanent holes: with a provider that answers episode 4 unusably every time, 4 dies and 5–6 do
 * not commit (the project is held behind it); after the provider recovers, the operator's `retry`
 * commits 4–6 in order. A `skip` leaves an explicit gap and lets the project go on.
 */
import { Effect, Layer, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { processLease } from "../../actors/episodeWorker.ts"
import { cancelCommand, holdCommand, resumeCommand, retryCommand, skipCommand } from "../../src/cli/commands/operator.ts"
import { statusCommand } from "../../src/cli/commands/story.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { makeEventJournal } from "../../src/ops/journal/EventJournal.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"
import * as Story from "../support/llmLikeStory.ts"

const data = makeDataDir("nf-operator-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) =>
  runCommand([retryCommand, skipCommand, cancelCommand, holdCommand, resumeCommand, statusCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

/** The writer's answers by episode; episode 4's is the draft in which the dead 도하 acts, until `recovered`. */
let recovered = false
const answerFor = (episode: number): string =>
  [Story.EPISODE_1, Story.EPISODE_2_WRAPPED, Story.EPISODE_3, recovered ? Story.EPISODE_4 : Story.EPISODE_4_DEAD_ACTS, Story.EPISODE_5, Story.EPISODE_6, Story.EPISODE_4_DEAD_ACTS, Story.EPISODE_8][episode - 1] ??
    Story.EPISODE_8

const writer = Layer.succeed(LanguageModel, LanguageModel.of({
  ...OfflineWriter.make,
  name: "scripted",
  complete: (request) =>
    Effect.succeed({
      text: answerFor(request.brief?.episode ?? 0),
      finishReason: "stop" as const,
      usage: { promptTokens: 100, cachedTokens: 0, completionTokens: 100 },
      model: "scripted",
      provider: "test",
    }),
}))

const factory = () =>
  Layer.mergeAll(FaultPoints.none, writer, Layer.succeed(PipelineSettings, { ...defaultConfig(data.dir).pipeline, maxDrafts: 2 })).pipe(
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
    Layer.provideMerge(Database.layerIn(data.dir)),
    Layer.provideMerge(EventBus.layer()),
  )

/** Runs every delivery the queue hands out until it hands out none. */
const drain = Effect.gen(function* () {
  const queue = yield* JobQueue
  for (;;) {
    const lease = yield* queue.claim("writer-1", { leaseMs: 600_000 })
    if (Option.isNone(lease)) return
    yield* processLease(lease.value)
  }
})

const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.runPromise(effect.pipe(Effect.provide(factory())) as Effect.Effect<A, E>)

describe("a dead episode holds its project until the operator acts", () => {
  it("4 dies, 5–6 wait; retry after the provider recovers commits 4–6 in order; skip leaves a gap", async () => {
    await run(Effect.gen(function* () {
      yield* (yield* StoryStore).createProject({ ...Story.storyProject(), lengthBand: { min: 400, max: 2_000 } }, Story.storyBible())
      yield* (yield* JobQueue).enqueue(Story.STORY_SLUG, [1, 2, 3, 4, 5, 6])
      yield* drain
    }))
    const committed = () => run(Effect.map(StoryStore.use((s) => s.listEpisodes(Story.STORY_SLUG)), (es) => es.map((e) => e.number)))
    const stateOf = (n: number) => run(Effect.map(JobQueue.use((q) => q.get(`${Story.STORY_SLUG}:${n}`)), (j) => Option.getOrThrow(j).state))
    expect(await committed()).toEqual([1, 2, 3])
    expect(await stateOf(4)).toBe("dead")
    expect([await stateOf(5), await stateOf(6)]).toEqual(["queued", "queued"])
    const status = await cli("status")
    expect(status.out).toContain(`held: ${Story.STORY_SLUG} behind dead episode 4 — retry or skip it`)

    // The provider recovers; the operator retries 4.
    recovered = true
    const retried = await cli("retry", Story.STORY_SLUG, "4")
    expect(retried.code, retried.err).toBe(0)
    expect(retried.out).toContain(`${Story.STORY_SLUG}:4: back in the queue`)
    await run(drain)
    expect(await committed()).toEqual([1, 2, 3, 4, 5, 6])

    // Episode 7 dies too; the operator skips it, and 8 goes on.
    recovered = false
    await run(Effect.gen(function* () {
      yield* (yield* JobQueue).enqueue(Story.STORY_SLUG, [7, 8])
    }))
    expect((await cli("skip", Story.STORY_SLUG, "7")).code).toBe(2)
    // 7 is the head but not dead yet: skipping a queued head is allowed too.
    const skipped = await cli("skip", Story.STORY_SLUG, "7", "--reason", "the chapter was cut")
    expect(skipped.code, skipped.err).toBe(0)
    await run(drain)
    expect(await committed()).toEqual([1, 2, 3, 4, 5, 6, 8])
    expect(await stateOf(7)).toBe("skipped")
    expect((await cli("status")).out).toContain("1 skipped")

    // Unknown jobs and projects are named; the actions were journalled.
    const unknown = await cli("retry", Story.STORY_SLUG, "99")
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/99/)
    const journalled = await run(Effect.gen(function* () {
      const journal = yield* makeEventJournal(yield* Database)
      return (yield* journal.read({ from: 0, to: Number.MAX_SAFE_INTEGER })).events.filter((e) => e._tag === "OperatorActed")
    }))
    expect(journalled.map((e) => (e as { action: string }).action)).toEqual(["retry", "skip"])
  }, 60_000)

  it("hold and resume: a held project hands out nothing until it is resumed", async () => {
    expect((await cli("hold", Story.STORY_SLUG, "--reason", "editor on holiday")).out).toContain("held")
    await run(Effect.gen(function* () {
      yield* (yield* JobQueue).enqueue(Story.STORY_SLUG, [9])
    }))
    expect((await cli("status")).out).toContain(`held: ${Story.STORY_SLUG} by the operator — editor on holiday`)
    const claimed = await run(Effect.map(JobQueue.use((q) => q.claim("writer-1", { leaseMs: 1_000 })), Option.isSome))
    expect(claimed).toBe(false)
    expect((await cli("resume", Story.STORY_SLUG)).out).toContain("resumed")
    const cancelled = await cli("cancel", Story.STORY_SLUG, "--from", "9")
    expect(cancelled.out).toContain("cancelled episodes 9")
  })
})
