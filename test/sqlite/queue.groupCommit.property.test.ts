/**
 * Group-commit property of the SQLite JobQueue. Several worker fibers run random scripts of
 * claims, completions, retries, heartbeats, stage changes, dead-letters, crashes (a worker
 * forgets its lease), operations on forgotten leases and "poison" writes (a write the database
 * rejects), all at once and beside an enqueuer and a clock, so the writes of one tick share a
 * transaction and a poison write fails a shared one. After every acknowledged write:
 *   - no job is leased twice at once, and no project has two live leases;
 *   - every claim's token moves past the job's earlier ones, and nothing succeeds with a lease
 *     that was fenced off or handed back;
 *   - a project's jobs complete in episode order, none twice;
 *   - another connection on the same file already sees the write (or a later one of the same
 *     commit): it was committed before it was acknowledged;
 *   - a poison write fails on its own (QueueUnavailable, or LeaseLost if its lease is gone).
 * Then one worker drains the queue: every job ends committed or dead, or waits behind a dead
 * episode of its project (a dead episode holds its project), and none is lost.
 *
 * CHAOS_RUNS sets the number of runs (default 40: a few seconds). A failure prints fast-check's
 * seed and path; replay with `fc.assert(…, { seed, path })`.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { isFinal, jobIdOf, type JobState, type Lease } from "../../src/domain/Job.ts"
import { JobQueue, type JobQueueShape } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { tempDatabases } from "./helpers.ts"

const RUNS = Number(process.env.CHAOS_RUNS ?? 40)
const MAX_DELIVERIES = 3
const PROJECTS = ["p0", "p1", "p2"] as const
const WORKERS = 4

type Step =
  | { readonly t: "claim"; readonly leaseMs: number }
  | { readonly t: "complete" }
  | { readonly t: "retry"; readonly transient: boolean; readonly delayMs: number }
  | { readonly t: "heartbeat"; readonly leaseMs: number }
  | { readonly t: "stage" }
  | { readonly t: "deadLetter" }
  | { readonly t: "crash" }
  | { readonly t: "stale"; readonly op: "complete" | "heartbeat" | "retry" }
  | { readonly t: "poison" }
  | { readonly t: "yield"; readonly n: number }

const leaseMs = fc.constantFrom(500, 1_000, 5_000)
/**
 * `yields`: the weight of steps that yield to the scheduler. Fibers resumed by one commit write
 * again in the same tick and share the next one; a yield takes a fiber out of step with the
 * others. With weight 0 they stay in step (large shared commits), with more they drift apart.
 */
const stepWith = (yields: number): fc.Arbitrary<Step> => fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("claim" as const), leaseMs }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("complete" as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("retry" as const), transient: fc.boolean(), delayMs: fc.constantFrom(0, 100, 1_000) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("heartbeat" as const), leaseMs }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("stage" as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("deadLetter" as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("crash" as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("stale" as const), op: fc.constantFrom("complete" as const, "heartbeat" as const, "retry" as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("poison" as const) }) },
  ...(yields === 0 ? [] : [{ weight: yields, arbitrary: fc.record({ t: fc.constant("yield" as const), n: fc.integer({ min: 1, max: 3 }) }) }]),
)

interface Scenario {
  readonly workers: ReadonlyArray<ReadonlyArray<Step>>
  readonly clock: ReadonlyArray<{ readonly yields: number; readonly ms: number }>
  readonly enqueues: ReadonlyArray<{ readonly yields: number; readonly p: number; readonly count: number }>
  readonly foldEvery: number
}

const scenario: fc.Arbitrary<Scenario> = fc.constantFrom(0, 1, 3).chain((yields) => fc.record({
  workers: fc.array(fc.array(stepWith(yields), { minLength: 1, maxLength: 40, size: "max" }), { minLength: WORKERS, maxLength: WORKERS }),
  clock: fc.array(fc.record({ yields: fc.integer({ min: 0, max: 6 }), ms: fc.integer({ min: 0, max: 3_000 }) }), { maxLength: 8 }),
  enqueues: fc.array(
    fc.record({ yields: fc.integer({ min: 0, max: 6 }), p: fc.integer({ min: 0, max: PROJECTS.length - 1 }), count: fc.integer({ min: 1, max: 3 }) }),
    { maxLength: 6 },
  ),
  foldEvery: fc.constantFrom(1, 2, 128),
}))

/** A second connection to the same file: what another process would read. */
class Observer extends Context.Service<Observer, JobQueueShape>()("test/queue/Observer") {}

/** Outcome counts over all runs: the property must have exercised shared and failed transactions. */
const seen = { batches: 0, batchedWrites: 0, lone: 0, failedBatches: 0, poisonRejected: 0, commits: 0, leaseLost: 0 }

/** The `Database` the queue writes through, counting the transactions its group-commit writer shares between writes. */
const countingDatabase = (path: string) =>
  Layer.effect(
    Database,
    Effect.gen(function* () {
      const db = yield* Database
      return Database.of({
        ...db,
        transactionResult: (body) => Effect.suspend(() => (seen.lone++, db.transactionResult(body))),
        transaction: (body) =>
          db.transaction(body).pipe(
            Effect.tap((writes) => Effect.sync(() => ((seen.batches += 1), (seen.batchedWrites += (writes as ReadonlyArray<unknown>).length)))),
            Effect.tapError(() => Effect.sync(() => seen.failedBatches++)),
          ),
      })
    }),
  ).pipe(Layer.provide(Database.layer({ path })))

const files = tempDatabases("queue-group-commit")

const leased: ReadonlyArray<JobState> = ["writing", "guarding", "editing"]

const run = (s: Scenario) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const observer = yield* Observer
    const now = TestClock.testClockWith((c) => Effect.succeed(c.currentTimeMillisUnsafe()))

    // Model, shared by the fibers (one thread: each update happens where its result arrives).
    const highest = new Map<string, number>()
    let total = 0
    const latest = new Map<string, { project: string; token: number; expiresAt: number; released: boolean }>()
    const completed = new Set<string>()
    const lastCommitted = new Map<string, number>()

    const observed = (id: string) => Effect.map(observer.get(id), Option.getOrThrow)

    const enqueue = (p: string, count: number) =>
      Effect.gen(function* () {
        const h = highest.get(p) ?? 0
        const fresh = Array.from({ length: count }, (_, i) => h + 1 + i)
        const out = yield* queue.enqueue(p, fresh)
        expect(out.map((e) => [e.job.episode, e.created])).toEqual(fresh.map((n) => [n, true]))
        highest.set(p, h + count)
        total += count
        expect((yield* observed(jobIdOf(p, h + count))).state).not.toBe(undefined)
      })

    /** The lease operation succeeded: its lease must be the job's latest, and not handed back. */
    const fenced = (lease: Lease) => {
      const l = latest.get(lease.job.id)
      expect(lease.token, `${lease.job.id}: succeeded with fenced-off token ${lease.token}`).toBe(l?.token)
      expect(l?.released, `${lease.job.id}: succeeded with a lease already handed back`).toBe(false)
    }
    const release = (lease: Lease) => {
      latest.get(lease.job.id)!.released = true
    }
    /** Runs a lease operation; LeaseLost is an allowed outcome, anything else must succeed. */
    const leaseOp = <A>(lease: Lease, op: Effect.Effect<A, { readonly _tag: string }>) =>
      Effect.gen(function* () {
        const result = yield* Effect.result(op)
        if (result._tag === "Failure") {
          expect(result.failure._tag).toBe("LeaseLost")
          seen.leaseLost++
          return Option.none<A>()
        }
        fenced(lease)
        return Option.some(result.success)
      })

    const claim = (worker: string, ms: number) =>
      Effect.gen(function* () {
        const got = yield* queue.claim(worker, { leaseMs: ms })
        if (Option.isNone(got)) return got
        const lease = got.value
        const at = lease.expiresAt - ms
        const before = latest.get(lease.job.id)
        expect(lease.token).toBeGreaterThan(before?.token ?? 0)
        for (const [id, l] of latest) {
          if (l.project === lease.job.project && !l.released && l.expiresAt > at) {
            expect.fail(`claimed ${lease.job.id} at ${at} while ${id} (token ${l.token}) is leased until ${l.expiresAt}`)
          }
        }
        latest.set(lease.job.id, { project: lease.job.project, token: lease.token, expiresAt: lease.expiresAt, released: false })
        const stored = yield* observed(lease.job.id)
        expect(leased).toContain(stored.state)
        expect(stored.deliveries).toBe(lease.job.deliveries)
        return got
      })

    const complete = (lease: Lease) =>
      Effect.gen(function* () {
        const done = yield* leaseOp(lease, queue.complete(lease))
        if (Option.isNone(done)) return
        expect(done.value.state).toBe("committed")
        expect(completed.has(lease.job.id), `${lease.job.id} completed twice`).toBe(false)
        completed.add(lease.job.id)
        expect(lease.job.episode, `${lease.job.project} completed out of order`).toBeGreaterThan(lastCommitted.get(lease.job.project) ?? 0)
        lastCommitted.set(lease.job.project, lease.job.episode)
        release(lease)
        seen.commits++
        expect(yield* observed(lease.job.id)).toEqual(done.value)
      })

    const worker = (w: number, steps: ReadonlyArray<Step>) =>
      Effect.gen(function* () {
        const name = `w${w}`
        let held: Lease | undefined
        const forgotten: Array<Lease> = []
        for (const st of steps) {
          switch (st.t) {
            case "yield":
              for (let i = 0; i < st.n; i++) yield* Effect.yieldNow
              break
            case "claim": {
              if (held !== undefined) break
              const got = yield* claim(name, st.leaseMs)
              if (Option.isSome(got)) held = got.value
              break
            }
            case "complete": {
              if (held === undefined) break
              const lease = held
              held = undefined
              yield* complete(lease)
              break
            }
            case "retry": {
              if (held === undefined) break
              const lease = held
              held = undefined
              const back = yield* leaseOp(lease, queue.retry(lease, { reason: `retry by ${name}`, delayMs: st.delayMs, transient: st.transient }))
              if (Option.isSome(back)) {
                release(lease)
                // Another worker's claim later in the same commit may already have taken the job again.
                const stored = yield* observed(lease.job.id)
                if (stored.state !== back.value.state) {
                  expect(leased).toContain(stored.state)
                  expect(stored.deliveries).toBeGreaterThan(back.value.deliveries)
                }
              }
              break
            }
            case "heartbeat": {
              if (held === undefined) break
              const lease = held
              const renewed = yield* leaseOp(lease, queue.heartbeat(lease, st.leaseMs))
              if (Option.isSome(renewed)) {
                held = renewed.value
                latest.get(lease.job.id)!.expiresAt = renewed.value.expiresAt
              } else held = undefined
              break
            }
            case "stage": {
              if (held === undefined) break
              const ok = yield* leaseOp(held, queue.setStage(held, "guarding"))
              if (Option.isNone(ok)) held = undefined
              break
            }
            case "deadLetter": {
              if (held === undefined) break
              const lease = held
              held = undefined
              const dead = yield* leaseOp(lease, queue.deadLetter(lease, `poison job (${name})`))
              if (Option.isSome(dead)) {
                release(lease)
                expect(yield* observed(lease.job.id)).toEqual(dead.value)
              }
              break
            }
            case "crash":
              if (held !== undefined) forgotten.push(held)
              held = undefined
              break
            case "stale": {
              const lease = forgotten[forgotten.length - 1]
              if (lease === undefined) break
              if (st.op === "complete") yield* complete(lease)
              else if (st.op === "retry") {
                const back = yield* leaseOp(lease, queue.retry(lease, { reason: "stale retry", delayMs: 0, transient: true }))
                if (Option.isSome(back)) release(lease)
              } else {
                const renewed = yield* leaseOp(lease, queue.heartbeat(lease, 1_000))
                if (Option.isSome(renewed)) latest.get(lease.job.id)!.expiresAt = renewed.value.expiresAt
              }
              break
            }
            case "poison": {
              if (held === undefined) break
              // A stage the schema refuses: the database rejects this write, and only this one.
              const result = yield* Effect.result(queue.setStage(held, "proofreading" as "editing"))
              expect(result._tag, "a write the database refuses succeeded").toBe("Failure")
              if (result._tag === "Failure") {
                expect(["QueueUnavailable", "LeaseLost"]).toContain(result.failure._tag)
                if (result.failure._tag === "QueueUnavailable") seen.poisonRejected++
              }
              break
            }
          }
        }
      })

    const clock = Effect.forEach(s.clock, ({ yields, ms }) =>
      Effect.gen(function* () {
        for (let i = 0; i < yields; i++) yield* Effect.yieldNow
        yield* TestClock.adjust(ms)
      }), { discard: true })

    const enqueuer = Effect.forEach(s.enqueues, ({ yields, p, count }) =>
      Effect.gen(function* () {
        for (let i = 0; i < yields; i++) yield* Effect.yieldNow
        yield* enqueue(PROJECTS[p]!, count)
      }), { discard: true })

    for (const p of PROJECTS) yield* enqueue(p, 3)
    yield* Effect.all([...s.workers.map((steps, w) => worker(w, steps)), clock, enqueuer], { concurrency: "unbounded", discard: true })

    // A well-behaved worker drains what is left: every job must end committed or dead, or wait behind a dead one.
    let rounds = 0
    for (;;) {
      expect(rounds++, "the queue did not drain").toBeLessThan(total * (MAX_DELIVERIES + 1) + 10)
      yield* TestClock.adjust(10_000) // past every lease and retry delay
      const got = yield* claim("drainer", 1_000)
      if (Option.isNone(got)) break
      yield* complete(got.value)
    }
    const jobs = yield* queue.list()
    expect(jobs.length, "jobs were lost").toBe(total)
    const waiting = new Set<string>()
    for (const p of PROJECTS) {
      const mine = jobs.filter((j) => j.project === p).sort((a, b) => a.episode - b.episode)
      const head = mine.findIndex((j) => j.state !== "committed")
      if (head < 0) continue
      expect(mine[head]!.state, `${mine[head]!.id} never finished`).toBe("dead")
      for (const j of mine.slice(head + 1)) {
        expect(j.state, `${j.id} worked on past the dead ${mine[head]!.id}`).toBe("queued")
        waiting.add(j.id)
      }
    }
    for (const j of jobs) {
      expect(isFinal(j.state) || waiting.has(j.id), `${j.id} never finished`).toBe(true)
      if (j.state === "committed") expect(completed.has(j.id), `${j.id} committed without a complete`).toBe(true)
      if (j.state === "dead") expect(j.reason).toMatch(/\S/)
    }
    expect(jobs.filter((j) => j.state === "committed").length).toBe(completed.size)
    const stats = yield* observer.stats
    expect(stats).toMatchObject({ queued: waiting.size, inFlight: 0, committed: completed.size })
    expect(stats.committed + stats.dead + stats.queued).toBe(total)
  })

const layer = (foldEvery: number) => {
  const path = files.next()
  const queue = SqliteJobQueue.layer({ maxDeliveries: MAX_DELIVERIES, foldEvery }).pipe(Layer.provide(countingDatabase(path)))
  const observer = Layer.effect(Observer, SqliteJobQueue.make({ maxDeliveries: MAX_DELIVERIES })).pipe(Layer.provide(Database.layer({ path })))
  return Layer.mergeAll(observer).pipe(Layer.provideMerge(queue), Layer.provideMerge(TestClock.layer()))
}

describe("SqliteJobQueue group commit property", () => {
  afterAll(() => {
    if (process.env.CHAOS_STATS) console.log("group commit outcomes:", seen)
  })
  it(`concurrent workers keep every invariant (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => Effect.runPromise(run(s).pipe(Effect.provide(layer(s.foldEvery))))),
      { numRuns: RUNS },
    )
    // The runs must have put several writes in one transaction, and failed some shared ones.
    if (RUNS >= 20) {
      expect(seen.batches).toBeGreaterThan(0)
      expect(seen.failedBatches).toBeGreaterThan(0)
      expect(seen.poisonRejected).toBeGreaterThan(0)
    }
  })
})
