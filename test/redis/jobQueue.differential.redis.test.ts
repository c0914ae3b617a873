/**
 * Differential property of the Redis JobQueue: random interleavings of enqueue, claims by
 * several workers, crashes (a worker forgets its lease), clock jumps, completions, transient and
 * non-transient retries, heartbeats, stage changes, dead-letters, operations on stale leases and
 * an operator's retries, skips, cancels, holds, resumes and deletes run in lockstep against the SQLite adapter (the reference, itself checked by
 * test/sqlite/queue.property.test.ts) and the Redis adapter, under one `TestClock`. Bursts
 * (every idle worker claims, or every holder completes, at once) reach Redis as one batched
 * script call and must still answer like the same calls made one after the other.
 *
 * After every step:
 *   - both adapters answered the same (same jobs, leases, tokens, deliveries, errors, stats);
 *   - the Redis streams are the delivery truth: each project's stream holds its episodes that are
 *     neither committed nor skipped (a dead head among them) in order (`<n>-0`), after fewer than
 *     TRIM_EVERY done ones (none when the project is idle); its PEL holds the head's entry iff
 *     the head was ever claimed, owned by the last worker that claimed it, with the job's delivery
 *     count; a stream's only consumer is that owner; `P:dead` holds one entry per dead job, with its reason.
 *
 * CHAOS_RUNS scales the runs (default 30 here, each up to 60 commands). A failure prints
 * fast-check's seed and the shrunk command list; replay with `fc.assert(…, { seed, path })`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Redis } from "ioredis"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { isDone, type Job, type Lease } from "../../src/domain/Job.ts"
import type { JobQueueShape } from "../../src/queue/JobQueue.ts"
import { RedisJobQueue } from "../../src/queue/RedisJobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { TRIM_EVERY } from "../../src/queue/redisJobQueueLua.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { pickedEpisode, type QueueCommand, queueCommands } from "../support/queueCommands.ts"

const MAX_DELIVERIES = 3
const PROJECTS = ["p0", "p1", "p2"] as const
const WORKERS = ["w0", "w1", "w2"] as const
const RUNS = process.env.CHAOS_RUNS === undefined ? 30 : Math.max(1, Math.round(Number(process.env.CHAOS_RUNS) / 4))

let server: RedisServer
let admin: Redis
beforeAll(async () => {
  server = await startRedisServer()
  admin = new Redis(server.url)
})
afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

type Command =
  | QueueCommand<"complete" | "heartbeat" | "retry" | "deadLetter">
  | { readonly t: "burstClaim"; readonly leaseMs: number }
  | { readonly t: "burstComplete"; readonly stale: boolean }

const command: fc.Arbitrary<Command> = fc.oneof<Array<fc.WeightedArbitrary<Command>>>(
  ...queueCommands({
    workers: WORKERS.length,
    projects: PROJECTS.length,
    staleOps: ["complete", "heartbeat", "retry", "deadLetter"] as const,
    bigEnqueues: true,
    operator: true,
  }),
  { weight: 2, arbitrary: fc.record({ t: fc.constant("burstClaim" as const), leaseMs: fc.constantFrom(0, 500, 1_000) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("burstComplete" as const), stale: fc.boolean() }) },
)

/** An outcome as plain data, so the two adapters' answers compare structurally. */
const outcome = <A, E extends { readonly _tag: string }>(self: Effect.Effect<A, E>) =>
  Effect.map(Effect.result(self), (r) =>
    r._tag === "Success" ? { ok: JSON.parse(JSON.stringify(r.success ?? null)) as unknown } : { error: { ...r.failure, tag: r.failure._tag } }
  )

let run = 0

const scenario = (commands: ReadonlyArray<Command>) =>
  Effect.gen(function* () {
    const keyPrefix = `diff-${process.pid}-${++run}`
    const keys = RedisJobQueue.keys(keyPrefix)
    const reference = yield* SqliteJobQueue.make({ maxDeliveries: MAX_DELIVERIES })
    const redis = yield* RedisJobQueue.make({ url: server.url, maxDeliveries: MAX_DELIVERIES, keyPrefix })

    const highest = new Map<string, number>()
    const held: Array<Lease | undefined> = WORKERS.map(() => undefined)
    const ghosts: Array<Lease> = []
    /** Job id → the worker that claimed it last: the owner of its pending entry until it is final. */
    const claimedBy = new Map<string, string>()

    /** Runs one operation on both adapters (reference first) and requires the same answer. */
    const both = <A, E extends { readonly _tag: string }>(what: string, op: (q: JobQueueShape) => Effect.Effect<A, E>) =>
      Effect.gen(function* () {
        const expected = yield* outcome(op(reference))
        const actual = yield* outcome(op(redis))
        expect(actual, what).toEqual(expected)
        return actual
      })

    const leaseOf = (o: { ok?: unknown }): Lease | undefined => {
      const v = o.ok as { _tag?: string; value?: Lease } | Lease | undefined | null
      if (v === undefined || v === null) return undefined
      if ("_tag" in v) return v._tag === "Some" ? v.value : undefined
      return v as Lease
    }

    const checkStreams = Effect.gen(function* () {
      const jobs: ReadonlyArray<Job> = yield* redis.list()
      const redisCall = <A>(f: () => Promise<A>) => Effect.promise(f)
      for (const p of PROJECTS) {
        const mine = jobs.filter((j) => j.project === p).sort((a, b) => a.episode - b.episode)
        const open = mine.filter((j) => !isDone(j.state))
        const stream = keys.stream(p)
        const entries = yield* redisCall(() => admin.xrange(stream, "-", "+"))
        // A contiguous run of the project's latest episodes: every unfinished one, and fewer
        // than TRIM_EVERY finished ones before them (none once the project is idle).
        const kept = open.length === 0 ? [] : mine.slice(mine.length - entries.length)
        expect(entries.map(([id, fields]) => [id, fields]), `stream of ${p}`).toEqual(kept.map((j) => [`${j.episode}-0`, ["job", j.id]]))
        expect(kept.slice(0, kept.length - open.length).every((j) => isDone(j.state)), `stream of ${p} holds every unfinished episode`).toBe(true)
        expect(kept.length - open.length, `finished entries left in the stream of ${p}`).toBeLessThan(TRIM_EVERY)
        if (mine.length === 0) continue
        const pending = (yield* redisCall(() => admin.xpending(stream, keys.group, "-", "+", 10))) as Array<[string, string, number, number]>
        const consumers = ((yield* redisCall(() => admin.xinfo("CONSUMERS", stream, keys.group))) as Array<Array<unknown>>).map((c) => String(c[1]))
        const head = open[0]
        const owner = head === undefined ? undefined : claimedBy.get(head.id)
        if (head === undefined || owner === undefined) {
          expect(pending, `PEL of ${p}`).toEqual([])
          expect(consumers, `consumers of ${p}`).toEqual([])
        } else {
          expect(pending.map(([id, consumer, , count]) => [id, consumer, count]), `PEL of ${p}`).toEqual([[`${head.episode}-0`, owner, head.deliveries]])
          expect(consumers, `consumers of ${p}`).toEqual([owner])
        }
      }
      const dead = jobs.filter((j) => j.state === "dead")
      const letters = yield* redisCall(() => admin.xrange(keys.dead, "-", "+"))
      const letterOf = (fields: ReadonlyArray<string>) => {
        const m = new Map<string, string>()
        for (let i = 0; i < fields.length; i += 2) m.set(fields[i], fields[i + 1])
        return [m.get("job"), m.get("reason"), Number(m.get("deliveries"))]
      }
      expect(letters.map(([, fields]) => letterOf(fields)).sort(), "dead letters").toEqual(dead.map((j) => [j.id, j.reason, j.deliveries]).sort())
    })

    const leaseStep = (lease: Lease, what: string, op: (q: JobQueueShape) => Effect.Effect<unknown, { readonly _tag: string }>) =>
      both(`${what} ${lease.job.id}@${lease.token}`, op)

    for (const c of commands) {
      switch (c.t) {
        case "enqueue": {
          const p = PROJECTS[c.p]
          const h = highest.get(p) ?? 0
          const fresh = Array.from({ length: c.count }, (_, i) => h + 1 + i)
          yield* both(`enqueue ${p}`, (q) => q.enqueue(p, c.overlap && h > 0 ? [h, ...fresh.reverse()] : fresh))
          highest.set(p, h + c.count)
          break
        }
        case "gap": {
          const p = PROJECTS[c.p]
          const h = highest.get(p) ?? 0
          yield* both(`gap ${p}`, (q) => q.enqueue(p, [h + 1, h + 3]))
          break
        }
        case "claim": {
          if (held[c.w] !== undefined) break
          const lease = leaseOf(yield* both(`claim by ${WORKERS[c.w]}`, (q) => q.claim(WORKERS[c.w], { leaseMs: c.leaseMs })))
          if (lease !== undefined) {
            held[c.w] = lease
            claimedBy.set(lease.job.id, lease.worker)
          }
          break
        }
        case "crash": {
          const lease = held[c.w]
          if (lease !== undefined) ghosts.push(lease)
          held[c.w] = undefined
          break
        }
        case "advance":
          yield* TestClock.adjust(c.ms)
          break
        case "complete":
        case "deadLetter":
        case "retry": {
          const lease = held[c.w]
          if (lease === undefined) break
          held[c.w] = undefined
          ghosts.push(lease)
          yield* leaseStep(lease, c.t, (q) =>
            c.t === "complete"
              ? q.complete(lease)
              : c.t === "deadLetter"
              ? q.deadLetter(lease, `poison from ${WORKERS[c.w]}`)
              : q.retry(lease, { reason: `retry by ${WORKERS[c.w]}`, delayMs: c.delayMs, transient: c.transient }))
          break
        }
        case "heartbeat": {
          const lease = held[c.w]
          if (lease === undefined) break
          held[c.w] = leaseOf(yield* leaseStep(lease, "heartbeat", (q) => q.heartbeat(lease, c.leaseMs)))
          break
        }
        case "stage": {
          const lease = held[c.w]
          if (lease === undefined) break
          const r = yield* leaseStep(lease, "setStage", (q) => q.setStage(lease, c.stage))
          if ("error" in r) held[c.w] = undefined
          break
        }
        case "stale": {
          if (ghosts.length === 0) break
          const lease = ghosts[c.g % ghosts.length]
          yield* leaseStep(lease, `stale ${c.op}`, (q) =>
            c.op === "complete"
              ? q.complete(lease)
              : c.op === "deadLetter"
              ? q.deadLetter(lease, "stale poison")
              : c.op === "retry"
              ? q.retry(lease, { reason: "stale retry", delayMs: 0, transient: true })
              : q.heartbeat(lease, 1_000))
          break
        }
      }
      if (c.t === "retryJob" || c.t === "skipJob") {
        const p = PROJECTS[c.p]
        const head = (yield* reference.projectStates(p))[0]?.next
        const episode = pickedEpisode(c.pick, highest.get(p) ?? 0, head)
        yield* both(`${c.t} ${p} ${episode}`, (q) => (c.t === "retryJob" ? q.retryJob(p, episode) : q.skipJob(p, episode, "operator skip")))
      }
      if (c.t === "cancel") {
        const p = PROJECTS[c.p]
        const r = yield* both(`cancel ${p} from ${c.from}`, (q) => q.cancel(p, c.from ?? undefined))
        const episodes = (r.ok as { episodes: ReadonlyArray<number> }).episodes
        if (episodes.length > 0) highest.set(p, episodes[0] - 1)
        for (const n of episodes) claimedBy.delete(`${p}:${n}`)
      }
      if (c.t === "hold" || c.t === "resume") {
        const p = PROJECTS[c.p]
        yield* both(`${c.t} ${p}`, (q) => (c.t === "hold" ? q.hold(p, "operator hold") : q.resume(p)))
      }
      if (c.t === "deleteProject") {
        const p = PROJECTS[c.p]
        const r = yield* both(`deleteProject ${p} force=${c.force}`, (q) => q.deleteProject(p, { force: c.force }))
        if ("ok" in r) {
          highest.set(p, 0)
          for (const id of [...claimedBy.keys()]) if (id.startsWith(`${p}:`)) claimedBy.delete(id)
        }
      }
      if (c.t === "burstClaim" || c.t === "burstComplete") {
        // The reference answers the calls one by one in worker order; Redis gets them concurrently
        // (one batch, in the order the fibers started: the same order).
        const indices = WORKERS.map((_, w) => w).filter((w) => (c.t === "burstClaim" ? held[w] === undefined : held[w] !== undefined))
        const call = (q: JobQueueShape, w: number): Effect.Effect<unknown, { readonly _tag: string }> => {
          if (c.t === "burstClaim") return q.claim(WORKERS[w], { leaseMs: c.leaseMs })
          const lease = held[w]!
          // A stale burst sends each holder's completion twice: the second must be refused.
          const again = Effect.map(Effect.result(q.complete(lease)), (r) => (r._tag === "Success" ? "completed twice" : r.failure._tag))
          return c.stale ? Effect.zip(q.complete(lease), again, { concurrent: true }) : q.complete(lease)
        }
        const expected = []
        for (const w of indices) expected.push(yield* outcome(call(reference, w)))
        const actual = yield* Effect.forEach(indices, (w) => outcome(call(redis, w)), { concurrency: "unbounded" })
        expect(actual, `${c.t} by ${indices.map((w) => WORKERS[w]).join(",")}`).toEqual(expected)
        indices.forEach((w, k) => {
          if (c.t === "burstClaim") {
            const lease = leaseOf(actual[k] as { ok?: unknown })
            if (lease !== undefined) {
              held[w] = lease
              claimedBy.set(lease.job.id, lease.worker)
            }
          } else {
            ghosts.push(held[w]!)
            held[w] = undefined
          }
        })
      }
      yield* both("stats", (q) => q.stats)
      yield* both("list", (q) => q.list())
      yield* both("projectStates", (q) => q.projectStates())
      yield* checkStreams
    }

    // Drain (no project on hold): every job ends committed, skipped or dead, or waits behind a dead one, on both.
    for (const p of PROJECTS) yield* both(`resume ${p}`, (q) => q.resume(p))
    for (let rounds = 0; ; rounds++) {
      expect(rounds, "the queue did not drain").toBeLessThan(1_000)
      yield* TestClock.adjust(10_000)
      const lease = leaseOf(yield* both("drain claim", (q) => q.claim("drainer", { leaseMs: 1_000 })))
      if (lease === undefined) break
      claimedBy.set(lease.job.id, lease.worker)
      yield* both("drain complete", (q) => q.complete(lease))
      yield* checkStreams
    }
    yield* checkStreams
    const s = yield* redis.stats
    expect(s.inFlight).toBe(0)
    for (const state of yield* redis.projectStates()) if (state.next !== undefined) expect(state.held?.by).toBe("dead-episode")
  })

describe("RedisJobQueue differential property (against the SQLite adapter)", () => {
  it(`answers like the reference and keeps the streams in step (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60, size: "max" }), (commands) =>
        Effect.runPromise(
          Effect.scoped(scenario(commands)).pipe(
            Effect.provide(Layer.merge(Database.layer({ path: ":memory:" }), TestClock.layer())),
          ),
        )
      ),
      { numRuns: RUNS },
    )
  }, 120_000)
})
