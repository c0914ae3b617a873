import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { EventBus } from "../../src/events/EventBus.ts"
import { BudgetGate } from "../../src/finance/BudgetGate.ts"
import { defaultFinanceConfig, FinanceConfig } from "../../src/finance/FinanceConfig.ts"
import { financeLayer, meteredLanguageModelLayer } from "../../src/finance/FinanceLayer.ts"
import { Ledger, withCallContext, withLedger } from "../../src/finance/Ledger.ts"
import { costOf, defaultPrices, makePriceTable } from "../../src/finance/Price.ts"
import { buildCurrencyReport, currencyReportCsv } from "../../src/finance/CurrencyReport.ts"
import { parseSalesCsv } from "../../src/finance/Sales.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { LanguageModel, type LanguageModelShape, LlmTransientError } from "../../src/llm/LanguageModel.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { simulatorScoped } from "../../src/llm/Simulator.ts"
import { Database } from "../../src/sqlite/Database.ts"

const LedgerLive = SqliteLedger.layer.pipe(Layer.provide(Database.layer({ path: ":memory:" })))

const HEADER = "date,platform,project,episode,gross,fees,net,currency"
const salesOf = (text: string) => {
  const parsed = parseSalesCsv(text, "generic")
  if (parsed._tag !== "Ok") throw new Error(JSON.stringify(parsed.errors))
  return parsed.sales
}

const fakeModel = (model: string, provider: string): LanguageModelShape => ({
  name: "fake",
  complete: () =>
    Effect.succeed({
      text: "본문",
      finishReason: "stop",
      usage: { promptTokens: 10_000, cachedTokens: 8_000, completionTokens: 1_000 },
      model,
      provider,
    }),
})

describe("SqliteLedger", () => {
  it.effect("imports sales idempotently and keeps currencies apart", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const text = [HEADER, "2025-03-01,kakao,p,1,1000,300,700,KRW", "2025-03-01,kakao,p,1,1000,300,700,KRW", "2025-03-01,amazon,p,,10.00,3.00,7.00,USD"].join("\n")
      expect(yield* ledger.importSales(salesOf(text), "a.csv")).toEqual({ inserted: 3, duplicates: 0 })
      expect(yield* ledger.importSales(salesOf(text), "a.csv")).toEqual({ inserted: 0, duplicates: 3 })
      const daily = yield* ledger.dailySales()
      expect(daily).toEqual([
        { date: "2025-03-01", currency: "KRW", grossMinor: 200_000, feesMinor: 60_000, netMinor: 140_000, rows: 2 },
        { date: "2025-03-01", currency: "USD", grossMinor: 1_000, feesMinor: 300, netMinor: 700, rows: 1 },
      ])
    }).pipe(Effect.provide(LedgerLive)))

  it.effect("books calls through withLedger with project/episode from the context, offline at 0", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      yield* TestClock.setTime(Date.parse("2025-03-01T10:00:00Z"))
      const paid = withLedger(fakeModel("gpt-4o-2024-08-06", "api.openai.com"), ledger, makePriceTable())
      const offline = withLedger(fakeModel("offline-writer", "offline"), ledger, makePriceTable())
      yield* paid.complete({ stage: "critic", messages: [] }).pipe(withCallContext({ project: "p", episode: 3 }))
      yield* offline.complete({ stage: "writer", messages: [] })
      const costs = yield* ledger.dailyCosts()
      // 2k × 2.5 + 8k × 1.25 + 1k × 10 per 1M = 0.025
      expect(costs).toHaveLength(1)
      expect(costs[0]!.costUsd).toBeCloseTo(0.025, 10)
      expect(costs[0]!.calls).toBe(2)
      expect(costs[0]!.unpricedCalls).toBe(0)
      expect(yield* ledger.spentUsd(Date.parse("2025-03-01T00:00:00Z"), Date.parse("2025-03-02T00:00:00Z"))).toBeCloseTo(0.025, 10)
      expect(yield* ledger.spentUsd(Date.parse("2025-03-02T00:00:00Z"), Date.parse("2025-03-03T00:00:00Z"))).toBe(0)
    }).pipe(Effect.provide(LedgerLive)))

  it.effect("reports per day in USD, converting only with a configured rate", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      yield* ledger.importSales(salesOf([HEADER, "2025-03-01,kakao,p,1,14000,0,14000,KRW", "2025-03-03,amazon,p,,5,0,5,USD"].join("\n")), "s.csv")
      yield* TestClock.setTime(Date.parse("2025-03-01T12:00:00Z"))
      yield* withLedger(fakeModel("gpt-4o", "api.openai.com"), ledger).complete({ stage: "writer", messages: [] })
      const costs = yield* ledger.dailyCosts()
      const sales = yield* ledger.dailySales()
      const missing = buildCurrencyReport(costs, sales, defaultFinanceConfig, "USD")
      expect(missing).toEqual({ _tag: "MissingRates", currency: "USD", keys: ["KRW_per_USD"] })
      const report = buildCurrencyReport(costs, sales, { rates: { KRW_per_USD: 1400 } }, "USD")
      if (report._tag !== "Report") throw new Error("expected a report")
      expect(report.rows.map((r) => r.date)).toEqual(["2025-03-01", "2025-03-02", "2025-03-03"])
      // USD in micro-dollars: single LLM calls cost fractions of a cent
      expect(report.digits).toBe(6)
      expect(report.rows[0]!.sales).toBe(10_000_000n)
      expect(report.rows[0]!.profit).toBe(10_000_000n - 25_000n)
      expect(report.rows[2]!.sales).toBe(5_000_000n)
      expect(report.ratesUsed).toEqual(["KRW_per_USD=1400"])
      const csv = currencyReportCsv(report).split("\n")
      expect(csv[0]).toBe("date,cost,sales,profit")
      expect(csv[1]).toBe("2025-03-01,0.025000,10.000000,9.975000")
    }).pipe(Effect.provide(LedgerLive)))
})

describe("metered model end to end", () => {
  it.live("books a simulator call at the simulator's price, and the budget gate sees it", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ answerTokens: { min: 50, max: 50 } })
      const inner = yield* makeOpenAiLanguageModel(
        { kind: "openai", baseUrl: sim.url, model: "sim-korean", apiKeyEnv: "K", temperature: 0, maxTokens: 100, timeoutMs: 2_000 },
        { env: { K: "x" } },
      )
      const finance = { dailyBudgetUsd: 1 }
      const layer = meteredLanguageModelLayer(finance).pipe(
        Layer.provideMerge(Layer.mergeAll(Layer.succeed(LanguageModel, LanguageModel.of(inner)), financeLayer(finance))),
        Layer.provide(Layer.mergeAll(Database.layer({ path: ":memory:" }), EventBus.layer())),
      )
      yield* Effect.gen(function* () {
        const model = yield* LanguageModel
        const completion = yield* model.complete({ stage: "writer", messages: [{ role: "user", content: "안녕" }] })
        const ledger = yield* Ledger
        const [day] = yield* ledger.dailyCosts()
        expect(day!.calls).toBe(1)
        expect(day!.costUsd).toBeCloseTo(costOf(completion.usage, defaultPrices["sim-"]!), 12)
        expect((yield* (yield* BudgetGate).status).spentTodayUsd).toBeCloseTo(day!.costUsd, 12)
      }).pipe(Effect.provide(layer))
    }))
})

describe("tokens of a failed call", () => {
  it.live("a continued answer whose follow-up fails still books what its first request spent", () =>
    Effect.gen(function* () {
      // The first answer is truncated (finish_reason "length"), the continuation gets a 400.
      const sim = yield* simulatorScoped({ answerTokens: { min: 80, max: 80 }, script: ["truncate", "400"] })
      const inner = yield* makeOpenAiLanguageModel(
        { kind: "openai", baseUrl: sim.url, model: "sim-korean", apiKeyEnv: "K", temperature: 0, maxTokens: 200, timeoutMs: 2_000 },
        { env: { K: "x" } },
      )
      yield* Effect.gen(function* () {
        const ledger = yield* Ledger
        const model = withLedger(inner, ledger, makePriceTable())
        const error = yield* Effect.flip(model.complete({ stage: "writer", messages: [{ role: "user", content: "1화" }] }))
        expect(error._tag).toBe("LlmFatalError")
        const billed = sim.stats()
        expect(billed.requests).toBe(2)
        expect(error.spent?.usage).toMatchObject({ promptTokens: billed.promptTokens, completionTokens: billed.completionTokens })
        expect(billed.completionTokens).toBeGreaterThan(0)
        const [day] = yield* ledger.dailyCosts()
        expect(day!.calls).toBe(1)
        expect(day!.costUsd).toBeCloseTo(costOf(error.spent!.usage, defaultPrices["sim-"]!), 12)
      }).pipe(Effect.provide(LedgerLive))
    }))

  it.effect("a call that failed on its first request books nothing", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const failing = withLedger({ name: "down", complete: () => Effect.fail(new LlmTransientError({ message: "503", status: 503 })) }, ledger)
      expect((yield* Effect.flip(failing.complete({ stage: "writer", messages: [] })))._tag).toBe("LlmTransientError")
      expect(yield* ledger.dailyCosts()).toEqual([])
    }).pipe(Effect.provide(LedgerLive)))
})

describe("finance config", () => {
  it("decodes the finance section, and names a bad rate key", () => {
    expect(Schema.decodeUnknownSync(FinanceConfig)({ dailyBudgetUsd: 5, rates: { KRW_per_USD: 1400 } }).rates).toEqual({ KRW_per_USD: 1400 })
    expect(() => Schema.decodeUnknownSync(FinanceConfig)({ rates: { KRW: 1400 } })).toThrow(/KRW_per_USD/)
  })
})
