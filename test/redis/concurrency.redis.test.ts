/**
 * Two queue instances ("processes": two layers, two ioredis connections) on one Redis,
 * claiming concurrently over 4 projects × 10 episodes with several workers each. Some first
 * deliveries are abandoned (the worker "crashes" and its short lease runs out) so redelivery
 * races with fresh claims. Every episode must be completed exactly once and, per project, in
 * order, and no two leases of one project may ever be held at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { jobIdOf } from "../../src/domain/Job.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { RedisJobQueue } from "../../src/queue/RedisJobQueue.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"

let server: RedisServer
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await server?.stop()
})

const PROJECTS = ["p-one", "p-two", "p-three", "p-four"]
const EPISODES = 10
const WORKERS_PER_INSTANCE = 4
const LEASE_MS = 400

describe("RedisJobQueue: two instances on one Redis", () => {
  it("each episode is completed exactly once, in order per project, one lease per project at a time", async () => {
    const layer = () => RedisJobQueue.layer({ url: server.url, maxDeliveries: 5, keyPrefix: "two-procs" })
    const instances = [ManagedRuntime.make(layer()), ManagedRuntime.make(layer())]
    const completions = new Map<string, Array<number>>(PROJECTS.map((p) => [p, []]))
    const completedIds: Array<string> = []
    const active = new Map<string, string>()
    const violations: Array<string> = []
    let abandoned = 0
    const abandonedOnce = new Set<string>()
    try {
      await instances[0].runPromise(
        Effect.gen(function* () {
          const queue = yield* JobQueue
          for (const p of PROJECTS) yield* queue.enqueue(p, Array.from({ length: EPISODES }, (_, i) => i + 1))
        }),
      )

      const worker = (name: string) =>
        Effect.gen(function* () {
          const queue = yield* JobQueue
          let idle = 0
          while (idle < 40) {
            const claimed = yield* queue.claim(name, { leaseMs: LEASE_MS })
            if (Option.isNone(claimed)) {
              idle++
              yield* Effect.sleep("10 millis")
              continue
            }
            idle = 0
            const lease = claimed.value
            const p = lease.job.project
            const holder = active.get(p)
            // A holder whose lease already ran out (it abandoned the job) does not count.
            if (holder !== undefined && holder !== "abandoned") violations.push(`${name} got ${lease.job.id} while ${holder} holds ${p}`)
            active.set(p, name)
            // Every 3rd episode's first delivery is abandoned: the worker "crashes" mid-job.
            if (lease.job.episode % 3 === 0 && !abandonedOnce.has(lease.job.id)) {
              abandonedOnce.add(lease.job.id)
              abandoned++
              active.set(p, "abandoned")
              continue
            }
            // A live worker extends its short lease at once, so a slow CI machine cannot make it run out.
            const held = yield* queue.heartbeat(lease, 30_000)
            yield* queue.setStage(held, "guarding")
            yield* Effect.yieldNow
            active.delete(p)
            yield* queue.complete(held)
            completions.get(p)!.push(lease.job.episode)
            completedIds.push(lease.job.id)
          }
        })

      const started = performance.now()
      await Promise.all(
        instances.flatMap((runtime, i) =>
          Array.from({ length: WORKERS_PER_INSTANCE }, (_, w) => runtime.runPromise(worker(`i${i}-w${w}`))),
        ),
      )
      const seconds = (performance.now() - started) / 1000

      expect(violations).toEqual([])
      expect(abandoned).toBeGreaterThan(0)
      expect(completedIds.length).toBe(PROJECTS.length * EPISODES)
      expect(new Set(completedIds).size).toBe(completedIds.length)
      for (const p of PROJECTS) expect(completions.get(p)).toEqual(Array.from({ length: EPISODES }, (_, i) => i + 1))

      const stats = await instances[1].runPromise(Effect.gen(function* () {
        return yield* (yield* JobQueue).stats
      }))
      expect(stats).toEqual({ queued: 0, inFlight: 0, committed: PROJECTS.length * EPISODES, dead: 0, skipped: 0, held: 0 })
      const redelivered = await instances[1].runPromise(Effect.gen(function* () {
        const queue = yield* JobQueue
        return Option.getOrThrow(yield* queue.get(jobIdOf("p-one", 3))).deliveries
      }))
      expect(redelivered).toBe(2)
      console.log(`two instances × ${WORKERS_PER_INSTANCE} workers: ${completedIds.length} episodes in ${seconds.toFixed(2)} s, ${abandoned} abandoned deliveries redelivered`)
    } finally {
      await Promise.all(instances.map((r) => r.dispose()))
    }
  })
})
