/**
 * The budget gate treats an unknown cost as a reason to pause (never as $0), and the budget cap
 * and prices reload from `factory.yaml` without a restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { loadConfig } from "../../src/config/LoadConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { BudgetGate, UNKNOWN_PRICE_RULE } from "../../src/finance/BudgetGate.ts"
import { financeLayer, meteredLanguageModelLayer } from "../../src/finance/FinanceLayer.ts"
import { financeReloadLayer } from "../../src/finance/FinanceReload.ts"
import { withCallContext } from "../../src/finance/Ledger.ts"
import { Prices } from "../../src/finance/PriceBook.ts"
import { LanguageModel, type LanguageModelShape } from "../../src/llm/LanguageModel.ts"
import { Database } from "../../src/sqlite/Database.ts"

const T0 = Date.parse("2025-03-01T10:00:00Z")

/** A provider that reports whatever model name it is told to. */
const reporting = (model: () => string): LanguageModelShape => ({
  name: "reporting",
  complete: () =>
    Effect.sync(() => ({
      text: "본문",
      finishReason: "stop" as const,
      usage: { promptTokens: 1_000_000, cachedTokens: 0, completionTokens: 0 },
      model: model(),
      provider: "api.openai.com",
    })),
})

const factory = (model: () => string, finance: { dailyBudgetUsd?: number | null; prices?: Record<string, { input: number; cachedInput: number; output: number }> }) =>
  meteredLanguageModelLayer().pipe(
    Layer.provideMerge(Layer.mergeAll(Layer.succeed(LanguageModel, LanguageModel.of(reporting(model))), financeLayer(finance))),
    Layer.provideMerge(Layer.mergeAll(Database.layer({ path: ":memory:" }), EventBus.layer())),
  )

const alerts = Effect.gen(function* () {
  const bus = yield* EventBus
  return (yield* bus.recent()).flatMap((e) => (e._tag === "Alert" ? [[e.rule, e.state, e.message] as const] : []))
})

const write = (stage: "writer" | "analyst") =>
  Effect.flatMap(LanguageModel, (m) => m.complete({ stage, messages: [] })).pipe(withCallContext({ project: "p", episode: 1 }))

describe("a model with no price", () => {
  it.effect("alerts at its first call and pauses writers, with the reason, until it gets a price", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const gate = yield* BudgetGate
      // Not a writer: it is not gated, but its unknown cost is noticed at once.
      yield* write("analyst")
      expect((yield* alerts).map(([rule, state]) => [rule, state])).toEqual([[UNKNOWN_PRICE_RULE, "firing"]])
      expect((yield* alerts)[0]![2]).toContain("'gpt-5-pro'")
      const status = yield* gate.status
      expect(status).toMatchObject({ paused: true, unpricedModels: ["gpt-5-pro"], resumesAt: Date.parse("2025-03-02T00:00:00Z") })
      expect(status.reason).toMatch(/cost of 'gpt-5-pro' is unknown[\s\S]*finance\.prices\.gpt-5-pro/)

      const writer = yield* Effect.forkChild(write("writer"))
      yield* TestClock.adjust("1 hour")
      expect(writer.pollUnsafe()).toBeUndefined()
      // The operator adds the price: writers resume, the alert resolves.
      ;(yield* Prices).set({ "gpt-5-pro": { input: 15, cachedInput: 15, output: 120 } })
      yield* gate.recheck
      yield* Fiber.join(writer)
      expect((yield* gate.status).paused).toBe(false)
      expect((yield* alerts).map(([rule, state]) => [rule, state])).toEqual([[UNKNOWN_PRICE_RULE, "firing"], [UNKNOWN_PRICE_RULE, "resolved"]])
    }).pipe(Effect.provide(factory(() => "gpt-5-pro", {}))))

  it.effect("a dated snapshot of a priced model is priced as that model: no alert, no pause", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      // Analyst calls: booked like any other, and not gated, so a wrong pause shows in the status instead of hanging the test.
      yield* write("analyst")
      yield* write("analyst")
      expect(yield* alerts).toEqual([])
      const status = yield* (yield* BudgetGate).status
      expect(status.paused).toBe(false)
      expect(status.spentTodayUsd).toBeCloseTo(2 * 0.4, 10) // gpt-4.1-mini: $0.40 per 1M input tokens
    }).pipe(Effect.provide(factory(() => "gpt-4.1-mini-2025-04-14", {}))))
})

describe("finance reload from factory.yaml", () => {
  const withHome = <A, E, R>(body: (home: string, writeYaml: (finance: string) => void) => Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "nf-finance-reload-"))),
      (home) => body(home, (finance) => writeFileSync(join(home, "factory.yaml"), `finance:\n${finance}\n`)),
      (home) => Effect.sync(() => rmSync(home, { recursive: true, force: true })),
    )

  it.effect("a raised cap and a new price take effect within the reload interval (TestClock), without a restart", () =>
    withHome((home, writeYaml) =>
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        writeYaml("  dailyBudgetUsd: 0.5")
        const load = Effect.map(loadConfig({ env: {}, cwd: home, configFile: join(home, "factory.yaml") }), (c) => c.finance)
        const initial = yield* load
        let model = "gpt-4.1-mini"
        const layer = financeReloadLayer({ load, initial, everyMs: 30_000 }).pipe(Layer.provideMerge(factory(() => model, initial)))
        yield* Effect.gen(function* () {
          const gate = yield* BudgetGate
          yield* write("writer") // $0.40
          yield* write("writer") // $0.80: over the cap
          const parked = yield* Effect.forkChild(gate.awaitBudget)
          yield* TestClock.adjust("29 seconds")
          expect(parked.pollUnsafe()).toBeUndefined()
          expect((yield* gate.status).capUsd).toBe(0.5)

          writeYaml("  dailyBudgetUsd: 100\n  prices:\n    house-model: { input: 1, cachedInput: 1, output: 1 }")
          yield* TestClock.adjust("1 second")
          yield* Fiber.join(parked)
          expect((yield* gate.status)).toMatchObject({ capUsd: 100, paused: false })

          // A malformed edit changes nothing (and says so in the log).
          writeYaml("  dailyBudgetUsd: -3")
          yield* TestClock.adjust("30 seconds")
          expect((yield* gate.status).capUsd).toBe(100)

          // The reloaded prices are the ledger's: the house model is priced, not alerted.
          model = "house-model"
          yield* write("writer")
          expect((yield* alerts).filter(([rule]) => rule === UNKNOWN_PRICE_RULE)).toEqual([])
        }).pipe(Effect.provide(layer))
      })
    ))
})
