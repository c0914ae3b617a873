import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { withWallClockStepper } from "../../chaos/SteppedClock.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { stepBetween, watchClockSteps } from "../../src/runtime/ClockStep.ts"

const HOUR = 3_600_000

describe("clock-step detection", () => {
  it("a step is the wall clock's move less the monotonic clock's, beyond the threshold", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * HOUR }), fc.integer({ min: -2 * HOUR, max: 2 * HOUR }), fc.integer({ min: 1, max: 60_000 }), (elapsed, step, threshold) => {
        const found = stepBetween({ wall: 1_000, mono: 50 }, { wall: 1_000 + elapsed + step, mono: 50 + elapsed }, threshold)
        expect(found).toBe(Math.abs(step) >= threshold ? step : 0)
      }),
      { numRuns: 300 },
    )
  })

  it.effect("the watcher publishes each step once, back and forward, and nothing while the clocks agree", () =>
    withWallClockStepper((wall) =>
      Effect.gen(function* () {
        const bus = yield* EventBus.make()
        const watcher = yield* Effect.forkChild(watchClockSteps({ intervalMs: 5_000, thresholdMs: 2_000 }).pipe(Effect.provideService(EventBus, bus)))
        const stepped = () => Effect.map(bus.recent(), (events) => events.flatMap((e) => (e._tag === "ClockStepped" ? [e.stepMs] : [])))
        yield* TestClock.adjust(60_000)
        expect(yield* stepped()).toEqual([])
        yield* wall.step(-HOUR)
        yield* TestClock.adjust(5_000)
        expect(yield* stepped()).toEqual([-HOUR])
        yield* TestClock.adjust(60_000)
        expect(yield* stepped()).toEqual([-HOUR])
        // A small jitter is not a step; an hour forward is.
        yield* wall.step(500)
        yield* TestClock.adjust(30_000)
        yield* wall.step(HOUR)
        yield* TestClock.adjust(5_000)
        expect(yield* stepped()).toEqual([-HOUR, HOUR])
        const last = (yield* bus.recent()).findLast((e) => e._tag === "ClockStepped")!
        expect(last.at).toBe(yield* Effect.clockWith((c) => c.currentTimeMillis))
        yield* Fiber.interrupt(watcher)
      })
    ))
})
