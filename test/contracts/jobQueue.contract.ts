/**
 * The `JobQueue` contract: every adapter (SQLite, Redis …) runs these cases.
 *
 *   jobQueueContract("sqlite :memory:", {
 *     makeLayer: ({ maxDeliveries }) => SqliteJobQueue.layer({ maxDeliveries }).pipe(Layer.provide(Database.layer({ path: ":memory:" }))),
 *     makeDurable: () => { const path = tempFile(); return (cfg) => … same path … },
 *   })
 *
 * Time is `TestClock`'s (it starts at 0): adapters must read time from Effect's `Clock`.
 * A lease is live while `now < expiresAt`; a job is claimable again from `now >= expiresAt`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import type { GuardFinding } from "../../src/domain/Episode.ts"
import { jobIdOf, type Lease } from "../../src/domain/Job.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { makeSteppedClock, withWallClockStepper } from "../../chaos/SteppedClock.ts"

export interface QueueConfig {
  readonly maxDeliveries: number
}

export interface JobQueueHarness<E> {
  /** A fresh, empty queue (called once per case). */
  readonly makeLayer: (config: QueueConfig) => Layer.Layer<JobQueue, E>
  /**
   * For durable adapters: allocates one storage location and returns an opener for it; every
   * layer the opener returns is a new "process" on the same storage (a restart).
   */
  readonly makeDurable?: () => (config: QueueConfig) => Layer.Layer<JobQueue, E>
}

const LEASE = 30_000
const MAX = 3
const HOUR = 3_600_000

const finding: GuardFinding = {
  code: "timeline.dead-character-speaks",
  category: "timeline-plot",
  severity: "error",
  message: "서윤 died in episode 3 but speaks here",
  evidence: { start: 10, end: 14, text: "서윤이" },
}

const claimSome = (worker: string, leaseMs = LEASE) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const lease = yield* queue.claim(worker, { leaseMs })
    expect(Option.isSome(lease), `${worker} expected to claim a job`).toBe(true)
    return Option.getOrThrow(lease)
  })

const claimNone = (worker: string, leaseMs = LEASE) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const lease = yield* queue.claim(worker, { leaseMs })
    expect(Option.map(lease, (l) => l.job.id), `${worker} expected nothing to claim`).toEqual(Option.none())
  })

const getJob = (id: string) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    return Option.getOrThrow(yield* queue.get(id))
  })

export const jobQueueContract = <E>(name: string, harness: JobQueueHarness<E>): void => {
  const withQueue =
    (config: QueueConfig = { maxDeliveries: MAX }) =>
    <A, E2>(self: Effect.Effect<A, E2, JobQueue>) =>
      Effect.provide(self, harness.makeLayer(config))

  describe(`JobQueue contract: ${name}`, () => {
    it.effect("enqueue is idempotent per (project, episode)", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const first = yield* queue.enqueue("alpha", [1, 2, 3])
        expect(first.map((e) => [e.job.episode, e.created])).toEqual([[1, true], [2, true], [3, true]])
        expect(first[0].job).toMatchObject({ id: jobIdOf("alpha", 1), project: "alpha", state: "queued", deliveries: 0, reason: null, findings: [] })

        const again = yield* queue.enqueue("alpha", [3, 2, 4, 4])
        expect(again.map((e) => [e.job.episode, e.created])).toEqual([[2, false], [3, false], [4, true]])
        expect(again[0].job).toEqual(first[1].job)

        expect((yield* queue.list({ project: "alpha" })).length).toBe(4)
        expect(yield* queue.enqueue("alpha", [])).toEqual([])
        expect(Option.isNone(yield* queue.get(jobIdOf("alpha", 5)))).toBe(true)
      }).pipe(withQueue()))

    it.effect("refuses an enqueue that would leave a gap, checked as a whole", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const fresh = yield* Effect.flip(queue.enqueue("alpha", [2]))
        expect(fresh).toMatchObject({ _tag: "EpisodeGap", project: "alpha", requested: 2, nextExpected: 1 })

        yield* queue.enqueue("alpha", [1, 2])
        const gap = yield* Effect.flip(queue.enqueue("alpha", [4]))
        expect(gap).toMatchObject({ _tag: "EpisodeGap", project: "alpha", requested: 4, nextExpected: 3 })
        expect(gap.message).toContain("gap")

        // 3 would be fine on its own, but the request as a whole has a hole at 5: nothing is inserted.
        const whole = yield* Effect.flip(queue.enqueue("alpha", [3, 5]))
        expect(whole).toMatchObject({ _tag: "EpisodeGap", requested: 5, nextExpected: 3 })
        expect(Option.isNone(yield* queue.get(jobIdOf("alpha", 3)))).toBe(true)

        // Re-enqueueing existing numbers together with the next ones is fine, in any order.
        const ok = yield* queue.enqueue("alpha", [5, 1, 4, 3])
        expect(ok.map((e) => [e.job.episode, e.created])).toEqual([[1, false], [3, true], [4, true], [5, true]])

        // A finished job still counts for the sequence.
        const lease = yield* claimSome("w1")
        yield* queue.complete(lease)
        expect(yield* Effect.flip(queue.enqueue("alpha", [7]))).toMatchObject({ _tag: "EpisodeGap", nextExpected: 6 })
      }).pipe(withQueue()))

    it.effect("hands a project's episodes out in order and one at a time", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3])
        const l1 = yield* claimSome("w1")
        expect(l1.job.episode).toBe(1)
        expect(l1).toMatchObject({ worker: "w1", expiresAt: LEASE })
        expect(l1.job).toMatchObject({ state: "writing", deliveries: 1 })
        yield* claimNone("w2")

        yield* queue.setStage(l1, "guarding")
        expect((yield* getJob(l1.job.id)).state).toBe("guarding")
        yield* claimNone("w2")

        // Even a retried head blocks the rest of its project until it is claimable again.
        yield* queue.retry(l1, { reason: "guard rejected", delayMs: 1_000, transient: false })
        yield* claimNone("w2")
        yield* TestClock.adjust(1_000)
        const l1b = yield* claimSome("w2")
        expect(l1b.job.episode).toBe(1)
        const done = yield* queue.complete(l1b)
        expect(done).toMatchObject({ state: "committed", episode: 1 })

        const l2 = yield* claimSome("w1")
        expect(l2.job.episode).toBe(2)
        yield* queue.complete(l2)
        const l3 = yield* claimSome("w1")
        expect(l3.job.episode).toBe(3)
        yield* queue.complete(l3)
        yield* claimNone("w1")

        // Appending to a finished project makes it claimable again.
        yield* queue.enqueue("alpha", [4])
        expect((yield* claimSome("w1")).job.episode).toBe(4)
      }).pipe(withQueue()))

    it.effect("serves different projects in parallel, oldest first", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2])
        yield* TestClock.adjust(10)
        yield* queue.enqueue("beta", [1, 2])
        yield* TestClock.adjust(10)
        yield* queue.enqueue("gamma", [1])
        const a = yield* claimSome("w1")
        const b = yield* claimSome("w2")
        const c = yield* claimSome("w3")
        expect([a.job.id, b.job.id, c.job.id]).toEqual([jobIdOf("alpha", 1), jobIdOf("beta", 1), jobIdOf("gamma", 1)])
        yield* claimNone("w4")
        yield* queue.complete(b)
        expect((yield* claimSome("w4")).job.id).toBe(jobIdOf("beta", 2))
      }).pipe(withQueue()))

    it.effect("is fair across projects: a finished head's successor goes to the back of the line", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        for (const p of ["alpha", "beta", "gamma"]) yield* queue.enqueue(p, [1, 2, 3])
        const order: Array<string> = []
        for (let i = 0; i < 9; i++) {
          const lease = yield* claimSome("solo")
          order.push(lease.job.id)
          yield* queue.complete(lease)
        }
        yield* claimNone("solo")
        expect(order).toEqual([1, 2, 3].flatMap((n) => ["alpha", "beta", "gamma"].map((p) => jobIdOf(p, n))))
      }).pipe(withQueue()))

    it.effect("an expired lease is reclaimed with a new token and the old holder gets LeaseLost", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2])
        const old = yield* claimSome("w1", 1_000)
        yield* TestClock.adjust(999)
        yield* claimNone("w2", 1_000)
        yield* TestClock.adjust(1)
        const fresh = yield* claimSome("w2", 1_000)
        expect(fresh.job.id).toBe(old.job.id)
        expect(fresh.token).toBeGreaterThan(old.token)
        expect(fresh).toMatchObject({ worker: "w2", expiresAt: 2_000 })
        expect(fresh.job.deliveries).toBe(2)

        for (const stale of [
          queue.heartbeat(old, 1_000),
          queue.setStage(old, "editing"),
          queue.complete(old),
          queue.retry(old, { reason: "x", delayMs: 0, transient: true }),
          queue.deadLetter(old, "x"),
        ]) {
          const error = yield* Effect.flip(stale as Effect.Effect<unknown, { readonly _tag: string }>)
          expect(error).toMatchObject({ _tag: "LeaseLost", job: old.job.id, token: old.token })
        }
        // The stale holder changed nothing.
        expect(yield* getJob(old.job.id)).toMatchObject({ state: "writing", deliveries: 2 })
        yield* queue.complete(fresh)
        // A final job's lease is lost too.
        expect((yield* Effect.flip(queue.complete(fresh)))._tag).toBe("LeaseLost")
        expect((yield* Effect.flip(queue.heartbeat(fresh, 1_000)))._tag).toBe("LeaseLost")
      }).pipe(withQueue()))

    it.effect("heartbeat keeps a lease alive, even just after it ran out if nobody claimed it", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1])
        let lease = yield* claimSome("w1", 1_000)
        for (let i = 0; i < 5; i++) {
          yield* TestClock.adjust(800)
          lease = yield* queue.heartbeat(lease, 1_000)
          yield* claimNone("w2", 1_000)
        }
        expect(lease.expiresAt).toBe(5 * 800 + 1_000)
        expect(lease.token).toBe(1)
        // Ran out, but nobody claimed it meanwhile: the token is unchanged, so the heartbeat renews it.
        yield* TestClock.adjust(1_500)
        lease = yield* queue.heartbeat(lease, 1_000)
        yield* claimNone("w2", 1_000)
        yield* TestClock.adjust(1_000)
        const other = yield* claimSome("w2", 1_000)
        expect(other.token).toBe(lease.token + 1)
        expect((yield* Effect.flip(queue.heartbeat(lease, 1_000)))._tag).toBe("LeaseLost")
      }).pipe(withQueue()))

    it.effect("retry hands the job back after its delay, with its reason", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1])
        const lease = yield* claimSome("w1")
        const back = yield* queue.retry(lease, { reason: "LLM timed out", delayMs: 5_000, transient: false })
        expect(back).toMatchObject({ state: "queued", reason: "LLM timed out", deliveries: 1 })
        // Handing the job back ends the lease at once, before anyone claims it again.
        expect((yield* Effect.flip(queue.heartbeat(lease, 1_000)))._tag).toBe("LeaseLost")
        expect((yield* Effect.flip(queue.complete(lease)))._tag).toBe("LeaseLost")
        expect((yield* Effect.flip(queue.retry(lease, { reason: "again", delayMs: 0, transient: true })))._tag).toBe("LeaseLost")
        yield* TestClock.adjust(4_999)
        yield* claimNone("w2")
        yield* TestClock.adjust(1)
        const again = yield* claimSome("w2")
        expect(again.job).toMatchObject({ id: lease.job.id, deliveries: 2, reason: "LLM timed out" })
        expect(again.token).toBeGreaterThan(lease.token)
        // The retried lease is spent.
        expect((yield* Effect.flip(queue.complete(lease)))._tag).toBe("LeaseLost")
      }).pipe(withQueue()))

    it.effect("a transient retry gives the delivery back: it never dead-letters", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1])
        for (let i = 0; i < MAX * 4; i++) {
          const lease = yield* claimSome("w1")
          expect(lease.job.deliveries).toBe(1)
          const back = yield* queue.retry(lease, { reason: "redis down", delayMs: 100, transient: true })
          expect(back).toMatchObject({ state: "queued", deliveries: 0, reason: "redis down" })
          yield* TestClock.adjust(100)
        }
        const lease = yield* claimSome("w1")
        expect((yield* queue.complete(lease)).state).toBe("committed")
      }).pipe(withQueue()))

    it.effect("dead-letters a job after maxDeliveries crashed deliveries, with the cause; the dead episode holds its project", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2])
        for (let i = 1; i <= MAX; i++) {
          const lease = yield* claimSome(`w${i}`, 1_000)
          expect(lease.job).toMatchObject({ episode: 1, deliveries: i })
          yield* TestClock.adjust(1_000) // the worker "crashes": its lease runs out
        }
        // The next claim finds episode 1 spent: dead-lettered, and episode 2 waits behind it.
        yield* claimNone("w9", 1_000)
        const dead = yield* getJob(jobIdOf("alpha", 1))
        expect(dead.state).toBe("dead")
        expect(dead.deliveries).toBe(MAX)
        expect(dead.reason).toContain(`delivered ${MAX} times without finishing`)
        expect(dead.reason).toContain("lease expired")
      }).pipe(withQueue()))

    it.effect("a non-transient retry with its deliveries spent dead-letters at once with its reason", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1])
        for (let i = 1; i < MAX; i++) {
          const lease = yield* claimSome("w1")
          expect((yield* queue.retry(lease, { reason: `boom ${i}`, delayMs: 0, transient: false })).state).toBe("queued")
        }
        const last = yield* claimSome("w1")
        expect(last.job.deliveries).toBe(MAX)
        const dead = yield* queue.retry(last, { reason: "boom 3", delayMs: 0, transient: false })
        expect(dead.state).toBe("dead")
        expect(dead.reason).toContain("boom 3")
        expect(dead.reason).toContain(`delivered ${MAX} times`)
        yield* claimNone("w1")
        expect(yield* queue.stats).toEqual({ queued: 0, inFlight: 0, committed: 0, dead: 1, skipped: 0, held: 1 })
      }).pipe(withQueue()))

    it.effect("deadLetter gives up at once, keeping the reason and the guard's findings", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2])
        const lease = yield* claimSome("w1")
        const dead = yield* queue.deadLetter(lease, "guard rejected 5 drafts", [finding])
        expect(dead).toMatchObject({ state: "dead", reason: "guard rejected 5 drafts" })
        expect(dead.findings).toEqual([finding])
        expect(yield* getJob(lease.job.id)).toEqual(dead)
        expect((yield* Effect.flip(queue.complete(lease)))._tag).toBe("LeaseLost")
        expect((yield* Effect.flip(queue.heartbeat(lease, LEASE)))._tag).toBe("LeaseLost")
        yield* claimNone("w1")
        expect((yield* queue.list({ states: ["dead"] })).map((j) => j.id)).toEqual([lease.job.id])
      }).pipe(withQueue()))

    it.effect("stats count queued, in flight, committed and dead jobs", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        expect(yield* queue.stats).toEqual({ queued: 0, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
        yield* queue.enqueue("alpha", [1, 2, 3])
        yield* queue.enqueue("beta", [1, 2])
        expect(yield* queue.stats).toEqual({ queued: 5, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
        const a = yield* claimSome("w1", 1_000)
        const b = yield* claimSome("w2", 1_000)
        yield* queue.setStage(b, "editing")
        expect(yield* queue.stats).toEqual({ queued: 3, inFlight: 2, committed: 0, dead: 0, skipped: 0, held: 0 })
        yield* queue.complete(a)
        yield* queue.deadLetter(b, "poison")
        expect(yield* queue.stats).toEqual({ queued: 3, inFlight: 0, committed: 1, dead: 1, skipped: 0, held: 1 })
        yield* claimSome("w1", 1_000)
        expect(yield* queue.stats).toEqual({ queued: 2, inFlight: 1, committed: 1, dead: 1, skipped: 0, held: 1 })
        // An expired lease no longer counts as in flight: the job is waiting to be reclaimed.
        yield* TestClock.adjust(1_000)
        expect(yield* queue.stats).toEqual({ queued: 3, inFlight: 0, committed: 1, dead: 1, skipped: 0, held: 1 })
      }).pipe(withQueue()))

    it.effect("list is newest first, with filters; get finds a job by id", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2])
        yield* TestClock.adjust(5)
        yield* queue.enqueue("beta", [1])
        yield* TestClock.adjust(5)
        yield* queue.enqueue("alpha", [3])
        const all = yield* queue.list()
        expect(all.map((j) => j.id)).toEqual([jobIdOf("alpha", 3), jobIdOf("beta", 1), jobIdOf("alpha", 2), jobIdOf("alpha", 1)])
        expect(all[0].enqueuedAt).toBe(10)
        expect((yield* queue.list({ project: "alpha" })).map((j) => j.episode)).toEqual([3, 2, 1])
        expect((yield* queue.list({ project: "alpha", limit: 2 })).map((j) => j.episode)).toEqual([3, 2])
        expect((yield* queue.list({ limit: 1 })).map((j) => j.id)).toEqual([jobIdOf("alpha", 3)])
        const lease = yield* claimSome("w1")
        expect((yield* queue.list({ states: ["writing"] })).map((j) => j.id)).toEqual([lease.job.id])
        expect((yield* queue.list({ states: ["queued", "committed"], project: "alpha" })).map((j) => j.episode)).toEqual([3, 2])
        expect(yield* queue.list({ states: [] })).toEqual([])
        expect(yield* queue.list({ project: "nope" })).toEqual([])
        expect(Option.getOrThrow(yield* queue.get(jobIdOf("beta", 1)))).toMatchObject({ project: "beta", episode: 1, state: "queued", enqueuedAt: 5 })
        expect(Option.isNone(yield* queue.get(jobIdOf("beta", 2)))).toBe(true)
      }).pipe(withQueue()))

    /** Episode `episode` of `project` dead-lettered by its first holder; the others stay queued. */
    const killEpisode = (project: string, episode: number) =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        for (let n = 1; n < episode; n++) yield* queue.complete(yield* claimSome("w-before"))
        const lease = yield* claimSome("w-dead")
        expect(lease.job.episode).toBe(episode)
        yield* queue.deadLetter(lease, "guard rejected every draft", [finding])
        return lease
      })

    it.effect("a dead episode holds its project: nothing later is claimable, other projects go on", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3, 4, 5, 6])
        yield* killEpisode("alpha", 4)
        yield* queue.enqueue("beta", [1])
        const beta = yield* claimSome("w1")
        expect(beta.job.id).toBe(jobIdOf("beta", 1))
        yield* claimNone("w2")
        yield* queue.complete(beta)
        yield* TestClock.adjust(LEASE * 10)
        yield* claimNone("w3")
        expect(yield* getJob(jobIdOf("alpha", 5))).toMatchObject({ state: "queued", deliveries: 0 })
        // Enqueueing more behind the dead episode is fine; it waits too.
        expect((yield* queue.enqueue("alpha", [6, 7])).map((e) => e.created)).toEqual([false, true])
        yield* claimNone("w3")
        const [alpha] = yield* queue.projectStates("alpha")
        expect(alpha).toEqual({
          project: "alpha",
          held: { by: "dead-episode", episode: 4, reason: "guard rejected every draft" },
          queued: 3,
          inFlight: 0,
          committed: 3,
          dead: 1,
          skipped: 0,
          next: 4,
        })
        expect((yield* queue.stats).held).toBe(1)
      }).pipe(withQueue()))

    it.effect("retryJob puts a dead episode back, fresh, and the project resumes from it in order", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3, 4, 5, 6])
        const old = yield* killEpisode("alpha", 4)
        yield* TestClock.adjust(5)
        const retried = yield* queue.retryJob("alpha", 4)
        expect(retried).toMatchObject({ id: jobIdOf("alpha", 4), state: "queued", deliveries: 0, reason: null, findings: [], updatedAt: 5 })
        expect(yield* getJob(jobIdOf("alpha", 4))).toEqual(retried)
        const again = yield* claimSome("w1")
        expect(again.job).toMatchObject({ episode: 4, deliveries: 1 })
        // The lease from before the death stays fenced off.
        expect(again.token).toBeGreaterThan(old.token)
        expect((yield* Effect.flip(queue.complete(old)))._tag).toBe("LeaseLost")
        yield* claimNone("w2")
        yield* queue.complete(again)
        expect((yield* claimSome("w2")).job.episode).toBe(5)
        const [alpha] = yield* queue.projectStates("alpha")
        expect(alpha).toMatchObject({ held: null, committed: 4, dead: 0, inFlight: 1, queued: 1, next: 5 })
        expect(yield* queue.stats).toMatchObject({ dead: 0, held: 0, committed: 4 })
      }).pipe(withQueue()))

    it.effect("retryJob refuses what is not dead or queued, and names unknown jobs", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2])
        yield* queue.complete(yield* claimSome("w1"))
        const busy = yield* claimSome("w1")
        expect(yield* Effect.flip(queue.retryJob("alpha", 1))).toMatchObject({ _tag: "JobStateConflict", action: "retry", state: "committed" })
        const inFlight = yield* Effect.flip(queue.retryJob("alpha", 2))
        expect(inFlight).toMatchObject({ _tag: "JobStateConflict", state: "writing" })
        expect(inFlight.message).toContain("episode 2 of 'alpha'")
        expect(yield* Effect.flip(queue.retryJob("alpha", 3))).toMatchObject({ _tag: "JobNotFound", project: "alpha", episode: 3 })
        expect(yield* Effect.flip(queue.skipJob("nope", 1, "x"))).toMatchObject({ _tag: "JobNotFound", project: "nope" })
        // A queued job that was retried before starts over: no deliveries, no reason, available now.
        yield* queue.retry(busy, { reason: "429", delayMs: 60_000, transient: false })
        expect(yield* getJob(busy.job.id)).toMatchObject({ deliveries: 1, reason: "429" })
        expect(yield* queue.retryJob("alpha", 2)).toMatchObject({ state: "queued", deliveries: 0, reason: null })
        expect((yield* claimSome("w2")).job).toMatchObject({ episode: 2, deliveries: 1 })
      }).pipe(withQueue()))

    it.effect("skipJob leaves a visible gap and later episodes proceed", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3, 4, 5, 6])
        yield* killEpisode("alpha", 4)
        const skipped = yield* queue.skipJob("alpha", 4, "rewritten by hand later")
        expect(skipped).toMatchObject({ state: "skipped", reason: "rewritten by hand later", findings: [] })
        expect((yield* claimSome("w1")).job.episode).toBe(5)
        // A queued episode the project waits on can be skipped too; not one in flight, nor a committed one.
        expect(yield* Effect.flip(queue.skipJob("alpha", 5, "x"))).toMatchObject({ _tag: "JobStateConflict", action: "skip", state: "writing" })
        expect(yield* Effect.flip(queue.skipJob("alpha", 2, "x"))).toMatchObject({ _tag: "JobStateConflict", state: "committed" })
        expect(yield* Effect.flip(queue.skipJob("alpha", 6, "x"))).toMatchObject({ _tag: "JobStateConflict", state: "queued" })
        expect(yield* queue.stats).toEqual({ queued: 1, inFlight: 1, committed: 3, dead: 0, skipped: 1, held: 0 })
        const [alpha] = yield* queue.projectStates("alpha")
        expect(alpha).toMatchObject({ held: null, skipped: 1, next: 5 })
        expect((yield* queue.list({ project: "alpha", states: ["skipped"] })).map((j) => j.episode)).toEqual([4])
      }).pipe(withQueue()))

    it.effect("skipping the last dead episode frees the project for what is enqueued next", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1])
        yield* killEpisode("alpha", 1)
        yield* queue.skipJob("alpha", 1, "bad premise")
        expect((yield* queue.projectStates("alpha"))[0]).toMatchObject({ held: null, skipped: 1 })
        expect((yield* queue.projectStates("alpha"))[0]?.next).toBeUndefined()
        yield* queue.enqueue("alpha", [2])
        expect((yield* claimSome("w1")).job.episode).toBe(2)
      }).pipe(withQueue()))

    it.effect("cancel removes queued episodes from a point; enqueue continues from the highest left", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3, 4, 5])
        const busy = yield* claimSome("w1")
        // The episode in flight stays, whatever the starting point.
        expect(yield* queue.cancel("alpha", 4)).toEqual({ project: "alpha", episodes: [4, 5] })
        expect(yield* Effect.flip(queue.enqueue("alpha", [5]))).toMatchObject({ _tag: "EpisodeGap", nextExpected: 4 })
        expect((yield* queue.enqueue("alpha", [4])).map((e) => e.created)).toEqual([true])
        expect(yield* queue.cancel("alpha")).toEqual({ project: "alpha", episodes: [2, 3, 4] })
        expect(yield* queue.cancel("alpha")).toEqual({ project: "alpha", episodes: [] })
        expect(yield* queue.cancel("nope")).toEqual({ project: "nope", episodes: [] })
        yield* queue.complete(busy)
        yield* claimNone("w1")
        expect((yield* queue.enqueue("alpha", [2, 3])).map((e) => e.created)).toEqual([true, true])
        expect((yield* claimSome("w1")).job.episode).toBe(2)
        expect(yield* queue.stats).toMatchObject({ queued: 1, inFlight: 1, committed: 1 })
        // A head that was claimed before stays (its tokens must not start over); one never claimed goes, and the project is idle.
        yield* queue.enqueue("gamma", [1, 2])
        yield* queue.retry(yield* claimSome("w3"), { reason: "429", delayMs: 0, transient: true })
        expect(yield* queue.cancel("gamma")).toEqual({ project: "gamma", episodes: [2] })
        yield* queue.enqueue("beta", [1, 2])
        expect(yield* queue.cancel("beta")).toEqual({ project: "beta", episodes: [1, 2] })
        expect(yield* queue.projectStates("beta")).toEqual([])
        expect((yield* queue.enqueue("beta", [1])).map((e) => e.created)).toEqual([true])
      }).pipe(withQueue()))

    it.effect("hold and resume: claims skip a held project, the job in flight finishes", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3])
        yield* queue.enqueue("beta", [1, 2])
        const a1 = yield* claimSome("w1", 1_000)
        expect(a1.job.id).toBe(jobIdOf("alpha", 1))
        expect(yield* queue.hold("alpha", "rewriting the outline")).toEqual({ project: "alpha", changed: true })
        expect(yield* queue.hold("alpha", "again")).toEqual({ project: "alpha", changed: false })
        expect(yield* Effect.flip(queue.hold("nope", "x"))).toMatchObject({ _tag: "ProjectNotFound", project: "nope" })
        yield* queue.heartbeat(a1, 1_000)
        yield* queue.complete(a1)
        expect((yield* claimSome("w2")).job.id).toBe(jobIdOf("beta", 1))
        yield* claimNone("w3")
        expect((yield* queue.projectStates()).map((p) => [p.project, p.held])).toEqual([
          ["alpha", { by: "operator", reason: "rewriting the outline" }],
          ["beta", null],
        ])
        expect((yield* queue.stats).held).toBe(1)
        // An expired lease of a held project is not reclaimed either.
        yield* queue.resume("alpha")
        const a2 = yield* claimSome("w1", 1_000)
        expect(a2.job.id).toBe(jobIdOf("alpha", 2))
        yield* queue.hold("alpha", "pause")
        yield* TestClock.adjust(5_000)
        yield* claimNone("w3")
        // A retry of a held project's job waits for the resume.
        expect((yield* queue.retry(a2, { reason: "x", delayMs: 0, transient: true })).state).toBe("queued")
        yield* claimNone("w3")
        expect(yield* queue.resume("alpha")).toEqual({ project: "alpha", changed: true })
        expect(yield* queue.resume("alpha")).toEqual({ project: "alpha", changed: false })
        expect((yield* claimSome("w3")).job.id).toBe(jobIdOf("alpha", 2))
        expect((yield* queue.stats).held).toBe(0)
      }).pipe(withQueue()))

    it.effect("a held project stays held through new enqueues, deaths and retries", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1])
        yield* queue.complete(yield* claimSome("w1"))
        yield* queue.hold("alpha", "pause")
        yield* queue.enqueue("alpha", [2, 3])
        yield* claimNone("w1")
        yield* queue.resume("alpha")
        const a2 = yield* claimSome("w1")
        yield* queue.deadLetter(a2, "poison")
        yield* queue.hold("alpha", "looking into it")
        // The dead episode comes first in the project's state; stats count the project once.
        expect((yield* queue.projectStates("alpha"))[0]?.held).toMatchObject({ by: "dead-episode", episode: 2 })
        expect((yield* queue.stats).held).toBe(1)
        yield* queue.retryJob("alpha", 2)
        expect((yield* queue.projectStates("alpha"))[0]?.held).toEqual({ by: "operator", reason: "looking into it" })
        yield* claimNone("w1")
        yield* queue.resume("alpha")
        expect((yield* claimSome("w1")).job.episode).toBe(2)
      }).pipe(withQueue()))

    it.effect("deleteProject removes every job, refused while one is in flight unless forced", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        yield* queue.enqueue("alpha", [1, 2, 3])
        yield* queue.enqueue("beta", [1])
        const a1 = yield* claimSome("w1", 1_000)
        expect(yield* Effect.flip(queue.deleteProject("alpha"))).toMatchObject({ _tag: "ProjectBusy", project: "alpha", episode: 1 })
        expect(yield* Effect.flip(queue.deleteProject("nope"))).toMatchObject({ _tag: "ProjectNotFound" })
        expect(yield* queue.deleteProject("alpha", { force: true })).toEqual({ project: "alpha", jobs: 3 })
        expect((yield* Effect.flip(queue.complete(a1)))._tag).toBe("LeaseLost")
        expect(yield* queue.list({ project: "alpha" })).toEqual([])
        expect((yield* queue.projectStates()).map((p) => p.project)).toEqual(["beta"])
        expect(yield* queue.stats).toEqual({ queued: 1, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
        // A lease whose time ran out does not keep a project from being deleted.
        const b1 = yield* claimSome("w2", 1_000)
        expect(b1.job.id).toBe(jobIdOf("beta", 1))
        yield* TestClock.adjust(1_000)
        expect(yield* queue.deleteProject("beta")).toEqual({ project: "beta", jobs: 1 })

        // The project starts over from episode 1, and leases from before the delete stay fenced off.
        expect((yield* queue.enqueue("alpha", [1, 2])).map((e) => e.created)).toEqual([true, true])
        const reborn = yield* claimSome("w1", 1_000)
        expect(reborn.job.id).toBe(a1.job.id)
        expect(reborn.token).not.toBe(a1.token)
        expect((yield* Effect.flip(queue.complete(a1)))._tag).toBe("LeaseLost")
        yield* queue.complete(reborn)
        const second = yield* claimSome("w1", 1_000)
        expect(second.job.episode).toBe(2)
        // A dead, held project can be deleted without force.
        yield* queue.deadLetter(second, "poison")
        yield* queue.hold("alpha", "x")
        expect(yield* queue.deleteProject("alpha")).toEqual({ project: "alpha", jobs: 2 })
        expect(yield* queue.stats).toEqual({ queued: 0, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
        expect(yield* queue.projectStates()).toEqual([])
      }).pipe(withQueue()))

    // Wall-clock steps (an operator's `date -s`, NTP, faketime): the wall reading jumps, the monotonic clock and timers do not.
    it.effect("after the wall clock steps back an hour, queued work is claimable at once and a retry delay keeps its length", () =>
      withWallClockStepper((wall) =>
        Effect.gen(function* () {
          const queue = yield* JobQueue
          yield* queue.enqueue("alpha", [1, 2])
          yield* queue.enqueue("beta", [1])
          const a = yield* claimSome("w1")
          expect(a.job.id).toBe(jobIdOf("alpha", 1))
          yield* queue.retry(a, { reason: "guard rejected", delayMs: 5_000, transient: false })
          yield* wall.step(-HOUR)
          yield* queue.enqueue("gamma", [1])
          // Work queued before the step and after it, in the order it was queued.
          expect((yield* claimSome("w2")).job.id).toBe(jobIdOf("beta", 1))
          expect((yield* claimSome("w3")).job.id).toBe(jobIdOf("gamma", 1))
          // The retry's delay runs its 5 s, not 5 s plus the hour.
          yield* TestClock.adjust(4_999)
          yield* claimNone("w4")
          yield* TestClock.adjust(1)
          const again = yield* claimSome("w4")
          expect(again.job).toMatchObject({ id: jobIdOf("alpha", 1), deliveries: 2 })
          // A lease is measured on its holder's (stepped) wall clock.
          expect(again.expiresAt).toBe((yield* Clock.currentTimeMillis) + LEASE)
          expect((yield* queue.stats).inFlight).toBe(3)
        })
      ).pipe(withQueue()))

    it.effect("a holder that dies before the wall clock steps back an hour loses its lease within one lease length", () =>
      withWallClockStepper((wall) =>
        Effect.gen(function* () {
          const queue = yield* JobQueue
          yield* queue.enqueue("alpha", [1])
          const dead = yield* claimSome("w1")
          yield* TestClock.adjust(1_000)
          yield* wall.step(-HOUR)
          yield* claimNone("w2")
          yield* TestClock.adjust(LEASE - 1_001)
          yield* claimNone("w2")
          yield* TestClock.adjust(1)
          const again = yield* claimSome("w2")
          expect(again).toMatchObject({ token: dead.token + 1, job: { id: dead.job.id, deliveries: 2 } })
          expect(yield* Effect.flip(queue.heartbeat(dead, LEASE))).toMatchObject({ _tag: "LeaseLost" })
        })
      ).pipe(withQueue()))

    it.effect("after the wall clock steps forward an hour, live leases live on and claim order is kept", () =>
      withWallClockStepper((wall) =>
        Effect.gen(function* () {
          const queue = yield* JobQueue
          yield* queue.enqueue("alpha", [1, 2])
          yield* queue.enqueue("beta", [1, 2])
          yield* queue.enqueue("gamma", [1])
          const a = yield* claimSome("w1")
          const b = yield* claimSome("w2")
          yield* TestClock.adjust(10_000)
          yield* wall.step(HOUR)
          // Nothing in flight is handed out again: the next claim takes the next project in line.
          const g = yield* claimSome("w3")
          expect(g.job.id).toBe(jobIdOf("gamma", 1))
          yield* claimNone("w4")
          expect((yield* queue.stats).inFlight).toBe(3)
          const renewed = yield* queue.heartbeat(a, LEASE)
          expect(renewed.token).toBe(a.token)
          // A lease nobody renews runs out one lease length after its claim, not at the step.
          yield* TestClock.adjust(LEASE - 10_001)
          yield* claimNone("w4")
          yield* TestClock.adjust(1)
          const b2 = yield* claimSome("w4")
          expect(b2).toMatchObject({ token: b.token + 1, job: { id: b.job.id } })
          // Finished heads' successors join the back of the line in the order they finished.
          yield* queue.complete(renewed)
          yield* queue.complete(b2)
          yield* queue.complete(g)
          expect((yield* claimSome("w1")).job.id).toBe(jobIdOf("alpha", 2))
          expect((yield* claimSome("w2")).job.id).toBe(jobIdOf("beta", 2))
          yield* claimNone("w3")
        })
      ).pipe(withQueue()))

    if (harness.makeDurable !== undefined) {
      const makeDurable = harness.makeDurable
      it.effect("a restart after the wall clock stepped back an hour: the dead holder's lease runs out within one lease length", () =>
        withWallClockStepper((wall) =>
          Effect.gen(function* () {
            const open = makeDurable()
            const config = { maxDeliveries: MAX }
            const dead = yield* Effect.gen(function* () {
              const queue = yield* JobQueue
              yield* queue.enqueue("alpha", [1, 2])
              yield* queue.enqueue("beta", [1])
              return yield* claimSome("w1")
            }).pipe(Effect.provide(open(config)))
            // The process is killed; the clock is stepped back; a new process starts on the same storage.
            yield* TestClock.adjust(1_000)
            yield* wall.step(-HOUR)
            yield* Effect.gen(function* () {
              const queue = yield* JobQueue
              expect((yield* claimSome("w2")).job.id).toBe(jobIdOf("beta", 1))
              yield* claimNone("w3")
              yield* TestClock.adjust(LEASE)
              const again = yield* claimSome("w3")
              expect(again).toMatchObject({ token: dead.token + 1, job: { id: dead.job.id, deliveries: 2 } })
              expect((yield* queue.stats).inFlight).toBe(1)
            }).pipe(Effect.provide(open(config)))
          })
        ))

      it.effect("two processes that see a step at different moments agree on leases and order", () =>
        Effect.scoped(
          Effect.gen(function* () {
            const open = makeDurable()
            const config = { maxDeliveries: MAX }
            const serviceOf = (layer: Layer.Layer<JobQueue, E>) => Effect.map(Layer.build(layer), (context) => Context.get(context, JobQueue))
            const inner = yield* Clock.clockWith(Effect.succeed)
            const [clockA, clockB] = [makeSteppedClock(inner), makeSteppedClock(inner)]
            const processA = yield* serviceOf(open(config))
            const processB = yield* serviceOf(open(config))
            const asA = <A2, E2>(f: (queue: typeof processA) => Effect.Effect<A2, E2>) => Effect.provideService(f(processA), Clock.Clock, clockA.clock)
            const asB = <A2, E2>(f: (queue: typeof processB) => Effect.Effect<A2, E2>) => Effect.provideService(f(processB), Clock.Clock, clockB.clock)
            const claimed = (lease: Option.Option<Lease>) => Option.getOrUndefined(Option.map(lease, (l) => l.job.id))
            yield* asA((q) => Effect.forEach(["alpha", "beta", "gamma", "delta"], (p) => q.enqueue(p, [1])))
            expect(claimed(yield* asA((q) => q.claim("a1", { leaseMs: LEASE })))).toBe(jobIdOf("alpha", 1))
            expect(claimed(yield* asB((q) => q.claim("b1", { leaseMs: LEASE })))).toBe(jobIdOf("beta", 1))
            // A's clock steps back an hour; B's has not yet.
            yield* clockA.step(-HOUR)
            expect(claimed(yield* asA((q) => q.claim("a2", { leaseMs: LEASE })))).toBe(jobIdOf("gamma", 1))
            expect(claimed(yield* asB((q) => q.claim("b2", { leaseMs: LEASE })))).toBe(jobIdOf("delta", 1))
            expect(claimed(yield* asB((q) => q.claim("b3", { leaseMs: LEASE })))).toBeUndefined()
            yield* TestClock.adjust(5_000)
            // Now B's steps too, and A's goes forward again past B's: no lease runs out early on either side.
            yield* clockB.step(-HOUR)
            yield* clockA.step(2 * HOUR)
            expect(claimed(yield* asA((q) => q.claim("a3", { leaseMs: LEASE })))).toBeUndefined()
            expect(claimed(yield* asB((q) => q.claim("b3", { leaseMs: LEASE })))).toBeUndefined()
            expect((yield* asB((q) => q.stats)).inFlight).toBe(4)
            yield* TestClock.adjust(LEASE - 5_001)
            expect(claimed(yield* asA((q) => q.claim("a3", { leaseMs: LEASE })))).toBeUndefined()
            // One lease length after the claims, the unrenewed leases run out, reclaimed in their places in line.
            yield* TestClock.adjust(1)
            expect(claimed(yield* asB((q) => q.claim("b4", { leaseMs: LEASE })))).toBe(jobIdOf("alpha", 1))
            expect(claimed(yield* asA((q) => q.claim("a4", { leaseMs: LEASE })))).toBe(jobIdOf("beta", 1))
          })
        ))

      it.effect("jobs and leases survive a restart on the same storage", () =>
        Effect.gen(function* () {
          const open = makeDurable()
          const config = { maxDeliveries: MAX }
          // "Process" 1: enqueue, claim, make progress, then vanish without completing.
          const before = yield* Effect.gen(function* () {
            const queue = yield* JobQueue
            yield* queue.enqueue("alpha", [1, 2, 3])
            yield* queue.enqueue("beta", [1])
            const a = yield* claimSome("w1", 10_000)
            expect(a.job.id).toBe(jobIdOf("alpha", 1))
            yield* queue.complete(a)
            const b = yield* claimSome("w2", 10_000)
            expect(b.job.id).toBe(jobIdOf("beta", 1))
            yield* queue.deadLetter(b, "poison", [finding])
            const a2 = yield* claimSome("w1", 10_000)
            expect(a2.job.id).toBe(jobIdOf("alpha", 2))
            yield* queue.setStage(a2, "guarding")
            return a2
          }).pipe(Effect.provide(open(config)))

          // "Process" 2 on the same storage.
          yield* Effect.gen(function* () {
            const queue = yield* JobQueue
            expect(yield* queue.stats).toEqual({ queued: 1, inFlight: 1, committed: 1, dead: 1, skipped: 0, held: 1 })
            expect(yield* getJob(before.job.id)).toMatchObject({ state: "guarding", deliveries: 1 })
            expect((yield* getJob(jobIdOf("beta", 1))).findings).toEqual([finding])
            // The lease taken before the restart still holds…
            yield* claimNone("w3", 10_000)
            // …its holder (if alive) can still use it…
            const renewed = yield* queue.heartbeat(before, 10_000)
            expect(renewed.token).toBe(before.token)
            // …and once it runs out the job is reclaimed with a new token.
            yield* TestClock.adjust(10_000)
            const again = yield* claimSome("w3", 10_000)
            expect(again.job.id).toBe(before.job.id)
            expect(again.token).toBe(before.token + 1)
            expect(again.job.deliveries).toBe(2)
            // Sequence and idempotency survive too.
            expect((yield* queue.enqueue("alpha", [3, 4])).map((e) => e.created)).toEqual([false, true])
            expect(yield* Effect.flip(queue.enqueue("alpha", [6]))).toMatchObject({ _tag: "EpisodeGap", nextExpected: 5 })
          }).pipe(Effect.provide(open(config)))
        }))
    }
  })
}
