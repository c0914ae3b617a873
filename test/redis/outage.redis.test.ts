/**
 * Redis outage at the adapter level, on a real redis-server with AOF:
 * SIGKILL mid-use → every call fails fast with `QueueUnavailable` (no hang); restart on the
 * same data directory → the same connection heals by itself, no job is lost, work continues.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, ManagedRuntime, Option } from "effect"
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

const withQueue = <A, E>(f: (q: JobQueue["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    return yield* f(yield* JobQueue)
  })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe("RedisJobQueue: Redis outage", () => {
  it("fails fast while Redis is down, loses nothing, and recovers by itself", async () => {
    const runtime = ManagedRuntime.make(
      RedisJobQueue.layer({ url: server.url, maxDeliveries: 5, keyPrefix: "outage", commandTimeoutMs: 2_000 }),
    )
    const run = <A, E>(f: (q: JobQueue["Service"]) => Effect.Effect<A, E>) => runtime.runPromise(withQueue(f))
    const runExit = <A, E>(f: (q: JobQueue["Service"]) => Effect.Effect<A, E>) => runtime.runPromiseExit(withQueue(f))
    try {
      await run((q) => q.enqueue("alpha", [1, 2, 3, 4, 5]))
      await run((q) => q.enqueue("beta", [1, 2, 3, 4, 5]))
      const first = Option.getOrThrow(await run((q) => q.claim("w1", { leaseMs: 60_000 })))
      await run((q) => q.complete(first))
      const held = Option.getOrThrow(await run((q) => q.claim("w1", { leaseMs: 60_000 })))
      const before = await run((q) => q.stats)
      expect(before).toEqual({ queued: 8, inFlight: 1, committed: 1, dead: 0, skipped: 0, held: 0 })

      // Calls in flight when Redis dies settle at once too (success or QueueUnavailable, never a hang).
      const inFlight = Array.from({ length: 20 }, (_, i) => runExit((q): Effect.Effect<unknown, unknown> => (i % 2 === 0 ? q.stats : q.get(jobIdOf("beta", 1)))))
      const killedAt = performance.now()
      await server.kill() // SIGKILL: no shutdown, no final AOF rewrite
      for (const exit of await Promise.all(inFlight)) {
        if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("QueueUnavailable")
      }
      expect(performance.now() - killedAt).toBeLessThan(1_000)

      const calls: ReadonlyArray<[string, (q: JobQueue["Service"]) => Effect.Effect<unknown, unknown>]> = [
        ["stats", (q) => q.stats],
        ["claim", (q) => q.claim("w2", { leaseMs: 1_000 })],
        ["enqueue", (q) => q.enqueue("gamma", [1])],
        ["get", (q) => q.get(jobIdOf("alpha", 1))],
        ["heartbeat", (q) => q.heartbeat(held, 60_000)],
        ["complete", (q) => q.complete(held)],
      ]
      for (const [name, call] of calls) {
        const started = performance.now()
        const exit = await runExit(call)
        const ms = performance.now() - started
        expect(Exit.isFailure(exit), `${name} should fail while Redis is down`).toBe(true)
        if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("QueueUnavailable")
        expect(ms, `${name} should fail fast (took ${ms.toFixed(0)} ms)`).toBeLessThan(1_000)
      }

      const restartedAt = performance.now()
      await server.restart() // same port, same data directory: the AOF is replayed
      let attempts = 0
      for (;;) {
        attempts++
        const exit = await runExit((q) => q.stats)
        if (Exit.isSuccess(exit)) {
          // Nothing lost: the counts are what they were before the crash.
          expect(exit.value).toEqual(before)
          break
        }
        if (performance.now() - restartedAt > 15_000) throw new Error(`not recovered after 15 s: ${String(exit.cause)}`)
        await sleep(50)
      }
      const recoveredS = (performance.now() - restartedAt) / 1000
      console.log(`Recovered within ${recoveredS.toFixed(2)} s (${attempts} attempts after restart)`)

      // The lease taken before the crash is still valid, and the work goes on to the end.
      const renewed = await run((q) => q.heartbeat(held, 60_000))
      expect(renewed.token).toBe(held.token)
      await run((q) => q.complete(renewed))
      for (;;) {
        const lease = await run((q) => q.claim("w3", { leaseMs: 60_000 }))
        if (Option.isNone(lease)) break
        await run((q) => q.complete(lease.value))
      }
      expect(await run((q) => q.stats)).toEqual({ queued: 0, inFlight: 0, committed: 10, dead: 0, skipped: 0, held: 0 })
      const alpha = await run((q) => q.list({ project: "alpha" }))
      expect(alpha.map((j) => [j.episode, j.state, j.deliveries])).toEqual([5, 4, 3, 2, 1].map((n) => [n, "committed", 1]))
    } finally {
      await runtime.dispose()
    }
  })

  it("a layer built while Redis is down fails with QueueUnavailable, quickly", async () => {
    const other = await startRedisServer()
    const url = other.url
    await other.stop()
    const started = performance.now()
    const exit = await Effect.runPromiseExit(
      withQueue((q) => q.stats).pipe(
        Effect.provide(RedisJobQueue.layer({ url, maxDeliveries: 3, keyPrefix: "down", connectTimeoutMs: 500 })),
      ),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("QueueUnavailable")
    expect(performance.now() - started).toBeLessThan(3_000)
  })
})
