import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import {
  aimdRateLimited,
  aimdSlots,
  aimdSuccess,
  type CallOutcome,
  estimatePromptTokens,
  makeAimd,
  makeBucket,
  makeRateLimiter,
  refill,
  waitFor,
} from "../../src/llm/RateLimiter.ts"

const ok = (prompt = 0, completion = 0) => (): CallOutcome => ({ _tag: "Success", promptTokens: prompt, completionTokens: completion })
const small = { promptEstimate: 0, maxCompletionTokens: 0 }

describe("token bucket (pure)", () => {
  it("refills continuously up to its capacity and computes the wait", () => {
    const b = makeBucket(600, 60_000, 1, 0)
    expect(b.capacity).toBe(600)
    b.level = 0
    refill(b, 1_000)
    expect(b.level).toBeCloseTo(10)
    expect(waitFor(b, 20)).toBe(1_000)
    refill(b, 10_000_000)
    expect(b.level).toBe(600)
    expect(waitFor(b, 10_000)).toBe(0) // above capacity: waits for a full bucket only
  })
})

describe("AIMD (pure)", () => {
  it("adds about one per round of successes and halves once per cool-down", () => {
    const s = makeAimd({ initial: 4, max: 64, cooldownMs: 1_000 })
    for (let i = 0; i < 4; i++) aimdSuccess(s)
    expect(s.limit).toBeGreaterThan(4.9)
    expect(s.limit).toBeLessThan(5.1)
    expect(aimdRateLimited(s, 10_000)).toBe(true)
    const after = s.limit
    expect(after).toBeCloseTo(s.limit)
    expect(aimdRateLimited(s, 10_500)).toBe(false) // a burst of 429s from calls in flight: one decrease
    expect(s.limit).toBe(after)
    expect(aimdRateLimited(s, 11_000)).toBe(true)
    expect(s.limit).toBeCloseTo(after / 2)
  })

  it("keeps the limit within [min, max] whatever happens", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 8, max: 100 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5_000 })), { maxLength: 300 }),
        (min, max, steps) => {
          const s = makeAimd({ min, max, initial: min })
          let now = 0
          for (const [success, dt] of steps) {
            now += dt
            if (success) aimdSuccess(s)
            else aimdRateLimited(s, now)
            if (s.limit < min || s.limit > max || aimdSlots(s) < min) return false
          }
          return true
        },
      ),
    )
  })
})

describe("token estimate", () => {
  it("counts Hangul one per syllable and ASCII a third", () => {
    expect(estimatePromptTokens([{ role: "user", content: "가나다라" }])).toBe(3 + 4 + 4)
    expect(estimatePromptTokens([{ role: "user", content: "abcdef" }])).toBe(3 + 4 + 2)
  })
})

describe("RateLimiter under TestClock", () => {
  it.effect("admits a full bucket of requests, then one per refill interval", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ requestsPerMinute: 60, concurrency: { initial: 100, max: 100 } })
      let done = 0
      const fibers = yield* Effect.forEach(
        Array.from({ length: 62 }),
        () => limiter.withPermit(small, Effect.sync(() => done++), ok()).pipe(Effect.forkChild),
      )
      yield* TestClock.adjust(0)
      expect(done).toBe(60)
      yield* TestClock.adjust("1 second")
      expect(done).toBe(61)
      yield* TestClock.adjust("1 second")
      expect(done).toBe(62)
      yield* Fiber.joinAll(fibers)
    }))

  it.effect("reserves estimate + max completion, then settles to the actual usage", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ tokensPerMinute: 10_000 })
      yield* limiter.withPermit({ promptEstimate: 100, maxCompletionTokens: 1_000 }, Effect.void, ok(100, 200))
      const snap = yield* limiter.snapshot
      expect(snap.tokenTokens).toBeCloseTo(10_000 - 300)
      // A reservation larger than what is left waits for the refill.
      const fiber = yield* limiter.withPermit({ promptEstimate: 0, maxCompletionTokens: 9_900 }, Effect.succeed("in"), ok(0, 9_900)).pipe(Effect.forkChild)
      yield* TestClock.adjust(0)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("2 seconds") // 10 000 / min → 167 / s; 200 missing
      expect(yield* Fiber.join(fiber)).toBe("in")
    }))

  it.effect("calibrates the prompt estimate against the provider's counts", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ tokensPerMinute: 1_000_000 })
      for (let i = 0; i < 30; i++) yield* limiter.withPermit({ promptEstimate: 100, maxCompletionTokens: 0 }, Effect.void, ok(50, 0))
      expect((yield* limiter.snapshot).calibration).toBeCloseTo(0.5, 2)
    }))

  it.effect("caps calls in flight at the AIMD limit and grows it on success", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ concurrency: { initial: 2, max: 10 } })
      const gate = yield* Deferred.make<void>()
      const fibers = yield* Effect.forEach(
        Array.from({ length: 6 }),
        () => limiter.withPermit(small, Deferred.await(gate), ok()).pipe(Effect.forkChild),
      )
      yield* TestClock.adjust(0)
      let snap = yield* limiter.snapshot
      expect(snap.inFlight).toBe(2)
      expect(snap.waiting).toBe(4)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll(fibers)
      snap = yield* limiter.snapshot
      expect(snap.inFlight).toBe(0)
      expect(snap.concurrencyLimit).toBeGreaterThan(3)
    }))

  it.effect("a 429 halves the limit, empties the bucket and parks admissions until Retry-After", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ tokensPerMinute: 60_000, concurrency: { initial: 8, max: 8 } })
      yield* limiter.withPermit(small, Effect.void, () => ({ _tag: "RateLimited", retryAfterMs: 5_000 }))
      let snap = yield* limiter.snapshot
      expect(snap.concurrencyLimit).toBe(4)
      expect(snap.tokenTokens).toBeLessThanOrEqual(0)
      expect(snap.blockedUntil).toBe(5_000)
      const fiber = yield* limiter.withPermit(small, Effect.succeed(1), ok()).pipe(Effect.forkChild)
      yield* TestClock.adjust("4999 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toBe(1)
      snap = yield* limiter.snapshot
      expect(snap.rateLimited).toBe(1)
    }))

  it.effect("an interrupted waiter does not leak its slot", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ concurrency: { initial: 1, max: 1 } })
      const gate = yield* Deferred.make<void>()
      const holder = yield* limiter.withPermit(small, Deferred.await(gate), ok()).pipe(Effect.forkChild)
      const waiter = yield* limiter.withPermit(small, Effect.void, ok()).pipe(Effect.forkChild)
      yield* TestClock.adjust(0)
      yield* Fiber.interrupt(waiter)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(holder)
      const snap = yield* limiter.snapshot
      expect(snap.inFlight).toBe(0)
      expect(snap.waiting).toBe(0)
      expect(yield* limiter.withPermit(small, Effect.succeed("free"), ok())).toBe("free")
    }))

  it.effect("an interrupted call keeps its reservation and frees its slot", () =>
    Effect.gen(function* () {
      const limiter = yield* makeRateLimiter({ tokensPerMinute: 1_000, concurrency: { initial: 1, max: 1 } })
      const fiber = yield* limiter.withPermit({ promptEstimate: 0, maxCompletionTokens: 500 }, Effect.never, (exit) => Exit.isSuccess(exit) ? ok()() : { _tag: "Failed" }).pipe(Effect.forkChild)
      yield* TestClock.adjust(0)
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      expect(Exit.hasInterrupts(exit)).toBe(true)
      const snap = yield* limiter.snapshot
      expect(snap.inFlight).toBe(0)
      expect(snap.tokenTokens).toBeCloseTo(500)
    }))
})
