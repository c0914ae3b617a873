import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { makeBudgetGate, withBudget } from "../../src/finance/BudgetGate.ts"
import { Ledger } from "../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import type { LanguageModelShape } from "../../src/llm/LanguageModel.ts"
import { Database } from "../../src/sqlite/Database.ts"

const Live = Layer.mergeAll(SqliteLedger.layer.pipe(Layer.provide(Database.layer({ path: ":memory:" }))), EventBus.layer())

const T0 = Date.parse("2025-03-01T10:00:00Z")
const MIDNIGHT = Date.parse("2025-03-02T00:00:00Z")

const spend = (usd: number) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger
    yield* ledger.book({
      at: T0,
      project: "p",
      episode: 1,
      stage: "writer",
      provider: "api.openai.com",
      model: "gpt-4o",
      usage: { promptTokens: 0, cachedTokens: 0, completionTokens: 0 },
      costUsd: usd,
      priced: true,
    })
  })

const alerts = Effect.gen(function* () {
  const bus = yield* EventBus
  return (yield* bus.recent()).flatMap((e) => (e._tag === "Alert" ? [`${e.state}@${new Date(e.at).toISOString()}`] : []))
})

describe("BudgetGate under TestClock", () => {
  it.effect("passes under the cap; at the cap parks until the next UTC day, with one alert each way", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const gate = yield* makeBudgetGate({ capUsd: 5 })
      yield* spend(4.99)
      yield* gate.awaitBudget // under: returns at once
      yield* spend(0.01)
      const writers = yield* Effect.forEach([1, 2, 3], () => gate.awaitBudget.pipe(Effect.forkChild))
      yield* TestClock.adjust("1 hour")
      for (const w of writers) expect(w.pollUnsafe()).toBeUndefined()
      expect((yield* gate.status).paused).toBe(true)
      expect((yield* gate.status).resumesAt).toBe(MIDNIGHT)
      expect(yield* alerts).toEqual(["firing@2025-03-01T10:00:00.000Z"])
      yield* TestClock.adjust(MIDNIGHT - T0 - 3_600_000 - 1)
      for (const w of writers) expect(w.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(1)
      yield* Fiber.joinAll(writers)
      expect(yield* alerts).toEqual(["firing@2025-03-01T10:00:00.000Z", "resolved@2025-03-02T00:00:00.000Z"])
    }).pipe(Effect.provide(Live)))

  it.effect("raising the cap resumes parked writers at once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const gate = yield* makeBudgetGate({ capUsd: 1 })
      yield* spend(2)
      const writer = yield* gate.awaitBudget.pipe(Effect.forkChild)
      yield* TestClock.adjust("10 minutes")
      expect(writer.pollUnsafe()).toBeUndefined()
      yield* gate.setCap(3)
      yield* Fiber.join(writer)
      expect((yield* alerts).map((a) => a.split("@")[0])).toEqual(["firing", "resolved"])
      // Removing the cap entirely also lets everything through.
      yield* gate.setCap(null)
      yield* spend(100)
      yield* gate.awaitBudget
    }).pipe(Effect.provide(Live)))

  it.effect("withBudget parks the writer stage only, and the writer's job does not fail", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const gate = yield* makeBudgetGate({ capUsd: 1 })
      yield* spend(1)
      let calls = 0
      const inner: LanguageModelShape = {
        name: "inner",
        complete: () =>
          Effect.sync(() => {
            calls++
            return { text: "x", finishReason: "stop" as const, usage: { promptTokens: 1, cachedTokens: 0, completionTokens: 1 }, model: "m", provider: "p" }
          }),
      }
      const model = withBudget(inner, gate)
      yield* model.complete({ stage: "critic", messages: [] })
      expect(calls).toBe(1)
      const writer = yield* model.complete({ stage: "writer", messages: [] }).pipe(Effect.forkChild)
      yield* TestClock.adjust("13 hours")
      expect(writer.pollUnsafe()).toBeUndefined()
      expect(calls).toBe(1)
      yield* TestClock.adjust("1 hour")
      const completion = yield* Fiber.join(writer)
      expect(completion.text).toBe("x")
      expect(calls).toBe(2)
    }).pipe(Effect.provide(Live)))
})
