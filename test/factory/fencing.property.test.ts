/**
 * Fenced commits: a delivery paused past its lease (a GC pause, SIGSTOP, a slow disk) around its
 * commit, while another delivery of the same job takes over, never stores a stale episode. On
 * TestClock, with the real worker, SQLite queue and story store; fast-check picks where the first
 * delivery stops, when it wakes up relative to the second one, and how many episodes follow.
 *
 * Each delivery writes a title of its own (its writer marks it), so the stored row tells which
 * delivery committed: it must be one whose token was the newest when it committed, the episode is
 * stored once, every commit yields exactly one `JobCommitted` (through the store's outbox and the
 * relay; the journal holds one per commit), and episodes stay in order.
 */
import { Deferred, Effect, Exit, Fiber, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { type FaultPoint, FaultPoints } from "../../src/factory/FaultPoints.ts"
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
import { CommitRelay, DEFAULT_RELAY_POLL_MS, relayCommits } from "../../src/factory/CommitRelay.ts"
import { journalActor, journalAppender, makeEventJournal } from "../../src/ops/journal/EventJournal.ts"

const RUNS = Math.max(50, Number(process.env["CHAOS_RUNS"] ?? "60"))
const SLUG = "fence-city"
const LEASE_MS = 10_000
const PAUSE_POINTS: ReadonlyArray<FaultPoint> = ["editor", "analyst", "summary", "commit", "committed"]

/** The offline writer, with the delivery's mark in the title line. */
const markedWriter = (mark: string) =>
  Layer.succeed(LanguageModel, LanguageModel.of({
    ...OfflineWriter.make,
    complete: (request) => Effect.map(OfflineWriter.make.complete(request), (c) => ({ ...c, text: c.text.replace(/^(# .*)$/m, `$1 ${mark}`) })),
  }))

interface Case {
  readonly pauseAt: FaultPoint
  /** When the paused delivery wakes: before the second one claims, after it fenced but before it commits, or after it finished. */
  readonly wake: "before-takeover" | "during-takeover" | "after-takeover"
  readonly episodes: number
}

const runCase = (c: Case) =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    // The factory's commit relay and event journal, as the supervision tree runs them.
    yield* Effect.forkChild(relayCommits({ recorder: journalAppender }))
    yield* Effect.forkChild(journalActor())
    yield* Projects.use((p) => p.create({ slug: SLUG, genre: "modern_noir" }))
    const queue = yield* JobQueue
    const store = yield* StoryStore
    yield* queue.enqueue(SLUG, Array.from({ length: c.episodes }, (_, i) => i + 1))

    // Delivery A stops at `pauseAt` until released.
    const aReached = yield* Deferred.make<void>()
    const aRelease = yield* Deferred.make<void>()
    const pauseA = Layer.succeed(FaultPoints, FaultPoints.of({
      reach: (point) => point === c.pauseAt ? Deferred.succeed(aReached, undefined).pipe(Effect.andThen(Deferred.await(aRelease))) : Effect.void,
    }))
    const leaseA = Option.getOrThrow(yield* queue.claim("writer-a", { leaseMs: LEASE_MS }))
    const a = yield* Effect.forkChild(processLease(leaseA).pipe(Effect.provide(Layer.merge(pauseA, markedWriter("[A]")))))
    yield* Deferred.await(aReached)

    // Its lease runs out while it is stopped.
    yield* TestClock.adjust(LEASE_MS + 1)
    if (c.wake === "before-takeover") {
      yield* Deferred.succeed(aRelease, undefined)
      yield* Fiber.await(a)
    }

    // Delivery B takes the job over (if it is still to be done) and stops before its commit.
    const bReached = yield* Deferred.make<void>()
    const bRelease = yield* Deferred.make<void>()
    const pauseB = Layer.succeed(FaultPoints, FaultPoints.of({
      reach: (point) => point === "commit" && c.wake === "during-takeover" ? Deferred.succeed(bReached, undefined).pipe(Effect.andThen(Deferred.await(bRelease))) : Effect.void,
    }))
    const leaseB = c.wake === "before-takeover" ? Option.none() : yield* queue.claim("writer-b", { leaseMs: LEASE_MS })
    if (Option.isSome(leaseB)) {
      expect(leaseB.value.job.episode).toBe(1)
      const b = yield* Effect.forkChild(processLease(leaseB.value).pipe(Effect.provide(Layer.merge(pauseB, markedWriter("[B]")))))
      if (c.wake === "during-takeover") {
        // B stops before its commit — unless A had committed already, and B only completes the job.
        yield* Effect.raceFirst(Deferred.await(bReached), Effect.asVoid(Fiber.await(b)))
        yield* Deferred.succeed(aRelease, undefined)
        yield* Fiber.await(a)
        yield* Deferred.succeed(bRelease, undefined)
      }
      const bExit = yield* Fiber.await(b)
      expect(Exit.isSuccess(bExit), `B: ${Exit.isFailure(bExit) ? String(bExit.cause) : ""}`).toBe(true)
    }
    if (c.wake === "after-takeover") yield* Deferred.succeed(aRelease, undefined)
    const aExit = yield* Fiber.await(a)

    // The rest of the project, one delivery each.
    for (;;) {
      const next = yield* queue.claim("writer-c", { leaseMs: LEASE_MS })
      if (Option.isNone(next)) break
      yield* processLease(next.value).pipe(Effect.provide(Layer.merge(FaultPoints.none, markedWriter("[C]"))))
    }

    const stored = yield* store.getEpisode(SLUG, 1)
    const title = Option.getOrThrow(stored).title
    // A committed only if it woke before anyone took over; otherwise its commit was refused.
    if (c.wake === "before-takeover" || c.pauseAt === "committed") {
      expect(title).toContain("[A]")
    } else {
      expect(title, `a stale delivery stored episode 1 (A stopped at ${c.pauseAt}, woke ${c.wake})`).toContain("[B]")
      expect(Exit.isFailure(aExit)).toBe(true)
      const failure = Exit.isFailure(aExit) ? aExit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      expect(failure && failure._tag === "Fail" ? failure.error._tag : "none").toMatch(/StaleCommit|LeaseLost/)
    }
    const numbers = (yield* store.listEpisodes(SLUG)).map((e) => e.number)
    expect(numbers).toEqual(Array.from({ length: c.episodes }, (_, i) => i + 1))
    for (const n of numbers) expect(Option.getOrThrow(yield* queue.get(`${SLUG}:${n}`)).state).toBe("committed")
    // Whatever was nudged is out; a commit whose nudge was lost goes out at the relay's next poll.
    yield* TestClock.adjust(DEFAULT_RELAY_POLL_MS)
    expect(yield* store.pendingCommits(100)).toEqual([])
    const committedEvents = (yield* bus.recent()).filter((e) => e._tag === "JobCommitted")
    expect(committedEvents.map((e) => (e as { episode: number }).episode).sort((x, y) => x - y)).toEqual(numbers)
    // The journal holds exactly one per commit, though the relay and the journal's subscription both wrote it.
    const journal = yield* makeEventJournal(yield* Database)
    const journaled = (yield* journal.read({ from: 0, to: Number.MAX_SAFE_INTEGER, tags: ["JobCommitted"] })).events
    expect(journaled.map((e) => (e as { job: string }).job).sort()).toEqual(numbers.map((n) => `${SLUG}:${n}`).sort())
  })

const factory = () =>
  Layer.mergeAll(
    Projects.layer,
    Layer.succeed(PipelineSettings, { ...defaultConfig("/nonexistent").pipeline, leaseMs: LEASE_MS }),
    Layer.effect(CommitRelay, CommitRelay.make),
  ).pipe(
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 5 }))),
    Layer.provideMerge(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(EventBus.layer()),
  )

describe("fenced commits", () => {
  it(`an overtaken delivery paused around its commit never stores a stale episode (${RUNS} cycles)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          pauseAt: fc.constantFrom(...PAUSE_POINTS),
          wake: fc.constantFrom("before-takeover", "during-takeover", "after-takeover") as fc.Arbitrary<Case["wake"]>,
          episodes: fc.integer({ min: 1, max: 3 }),
        }),
        (c) => Effect.runPromise(runCase(c).pipe(Effect.provide(factory()), Effect.provide(TestClock.layer()))),
      ),
      { numRuns: RUNS, verbose: 1 },
    )
  })
})
