import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"

describe("smoke", () => {
  it.effect("TestClock drives sleeps", () => Effect.gen(function* () {
    const fiber = yield* Effect.sleep("10 seconds").pipe(Effect.as(42), Effect.forkChild)
    yield* TestClock.adjust("10 seconds")
    expect(yield* Fiber.join(fiber)).toBe(42)
  }))
})
