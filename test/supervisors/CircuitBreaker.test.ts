import { describe, expect, it } from "@effect/vitest"
import { Data, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { EventBus } from "../../src/events/EventBus.ts"
import { Breakers } from "../../supervisors/Breakers.ts"
import * as CircuitBreaker from "../../supervisors/CircuitBreaker.ts"
import { describeEvent, settle, supervisionEvents } from "./harness.ts"

class Down extends Data.TaggedError("Down")<{}> {}
class NotFound extends Data.TaggedError("NotFound")<{}> {}

const fail = Effect.fail(new Down())
const ok = Effect.succeed("ok")

const withBus = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.scoped, Effect.provide(EventBus.layer({ keep: 10_000 })))

const transitions = Effect.map(supervisionEvents, (events) =>
  events.filter((event) => event._tag === "BreakerChanged").map(describeEvent))

const options = { name: "redis", minimumCalls: 4, failureRateThreshold: 0.5, window: "10 seconds", cooldown: "5 seconds" } as const

/** Opens a breaker made with `options`: 2 successes then 2 failures = 50 % over 4 calls. */
const tripOpen = (breaker: CircuitBreaker.CircuitBreaker) =>
  Effect.gen(function* () {
    yield* breaker.call(ok)
    yield* breaker.call(ok)
    yield* Effect.exit(breaker.call(fail))
    yield* Effect.exit(breaker.call(fail))
  })

describe("CircuitBreaker", () => {
  it.effect("stays closed below the minimum number of calls, opens at the failure-rate threshold", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* Effect.exit(breaker.call(fail))
      yield* Effect.exit(breaker.call(fail))
      yield* Effect.exit(breaker.call(fail))
      expect(yield* breaker.state).toBe("closed") // 3 calls < minimumCalls 4
      yield* breaker.call(ok)
      expect(yield* breaker.state).toBe("open") // 3 of 4 failed
      expect(yield* transitions).toEqual(["redis closed->open"])
    })))

  it.effect("forgets outcomes that slid out of the window", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* Effect.exit(breaker.call(fail))
      yield* Effect.exit(breaker.call(fail))
      yield* Effect.exit(breaker.call(fail))
      yield* TestClock.adjust("11 seconds")
      yield* breaker.call(ok)
      expect(yield* breaker.state).toBe("closed")
      expect(yield* breaker.info).toMatchObject({ calls: 1, failures: 0 })
    })))

  it.effect("only errors that isFailure accepts count against the dependency", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make({ ...options, isFailure: (error) => error instanceof Down })
      for (let i = 0; i < 6; i++) yield* Effect.exit(breaker.call(Effect.fail(new NotFound())))
      expect(yield* breaker.state).toBe("closed")
      for (let i = 0; i < 6; i++) yield* Effect.exit(breaker.call(Effect.die("defects always count")))
      expect(yield* breaker.state).toBe("open")
    })))

  it.effect("callOrFail fails fast with BreakerOpen and when it will retry", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* tripOpen(breaker)
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Effect.exit(breaker.callOrFail(ok))
      expect(exit).toEqual(Exit.fail(new CircuitBreaker.BreakerOpen({ breaker: "redis", state: "open", retryAfterMs: 3_000 })))
    })))

  it.effect("half-opens after the cool-down; a successful probe closes it", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make({ ...options, probes: 2 })
      yield* tripOpen(breaker)
      yield* TestClock.adjust("4999 millis")
      expect(yield* breaker.state).toBe("open")
      yield* TestClock.adjust("1 millis")
      expect(yield* breaker.state).toBe("half-open")
      yield* breaker.callOrFail(ok)
      expect(yield* breaker.state).toBe("half-open") // needs 2 probes
      yield* breaker.callOrFail(ok)
      expect(yield* breaker.state).toBe("closed")
      expect(yield* transitions).toEqual(["redis closed->open", "redis open->half-open", "redis half-open->closed"])
      const events = (yield* supervisionEvents).filter((event) => event._tag === "BreakerChanged")
      expect(events.map((event) => event.at)).toEqual([0, 5_000, 5_000])
    })))

  it.effect("a failed probe opens it again for a fresh cool-down", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* tripOpen(breaker)
      yield* TestClock.adjust("5 seconds")
      expect(yield* Effect.exit(breaker.call(fail))).toEqual(Exit.fail(new Down()))
      expect(yield* breaker.state).toBe("open")
      yield* TestClock.adjust("4 seconds")
      expect(yield* breaker.state).toBe("open")
      yield* TestClock.adjust("1 second")
      expect(yield* breaker.state).toBe("half-open")
      expect(yield* transitions).toEqual([
        "redis closed->open",
        "redis open->half-open",
        "redis half-open->open",
        "redis open->half-open",
      ])
    })))

  it.effect("parks callers while open; they resume, one as the probe, the rest once it closes", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* tripOpen(breaker)
      let dependencyCalls = 0
      const call = breaker.call(Effect.sync(() => ++dependencyCalls))
      const first = yield* Effect.forkChild(call)
      const second = yield* Effect.forkChild(call)
      yield* settle
      expect((yield* breaker.info).parked).toBe(2)
      expect(dependencyCalls).toBe(0)
      yield* TestClock.adjust("5 seconds")
      expect([yield* Fiber.join(first), yield* Fiber.join(second)].sort()).toEqual([1, 2])
      expect(yield* breaker.state).toBe("closed")
      expect((yield* breaker.info).parked).toBe(0)
    })))

  it.effect("a parked caller waits out a failed probe and resumes when a later probe closes the breaker", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* tripOpen(breaker)
      let healthy = false
      const dependency = Effect.suspend(() => (healthy ? ok : fail))
      const caller = yield* Effect.forkChild(breaker.call(dependency))
      yield* settle
      // At 5 s the parked caller itself is the probe and fails: its error is its own.
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.await(caller)).toEqual(Exit.fail(new Down()))
      const patient = yield* Effect.forkChild(breaker.call(dependency))
      yield* settle
      healthy = true
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.join(patient)).toBe("ok")
      expect(yield* breaker.state).toBe("closed")
    })))

  it.effect("an interrupted probe frees its slot for a parked caller", () =>
    withBus(Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(options)
      yield* tripOpen(breaker)
      yield* TestClock.adjust("5 seconds")
      const probe = yield* Effect.forkChild(breaker.call(Effect.never))
      yield* settle
      const waiting = yield* Effect.forkChild(breaker.call(ok))
      yield* settle
      expect((yield* breaker.info).parked).toBe(1)
      yield* Fiber.interrupt(probe)
      expect(yield* Fiber.join(waiting)).toBe("ok")
      expect(yield* breaker.state).toBe("closed")
    })))

  it.effect("the Breakers registry names the dependencies that are down", () =>
    Effect.gen(function* () {
      const breakers = yield* Breakers
      const redis = yield* breakers.get("redis", options)
      const neo4j = yield* breakers.get("neo4j", options)
      expect(yield* breakers.get("redis")).toBe(redis)
      yield* tripOpen(redis)
      yield* neo4j.call(ok)
      expect(yield* breakers.down).toEqual(["redis"])
      expect((yield* breakers.all).map((info) => [info.name, info.state])).toEqual([
        ["neo4j", "closed"],
        ["redis", "open"],
      ])
      yield* TestClock.adjust("5 seconds")
      yield* redis.call(ok)
      expect(yield* breakers.down).toEqual([])
    }).pipe(Effect.provide(Breakers.layer), Effect.provide(EventBus.layer())))
})
