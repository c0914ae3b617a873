/** The prompt cache's hit share per project: in the ledger (for the dashboard) and in /metrics. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { TestClock } from "effect/testing"
import { FinanceSummary } from "../../src/http/FactoryApi.ts"
import { Ledger, withCallContext, withLedger } from "../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import type { LanguageModelShape, TokenUsage } from "../../src/llm/LanguageModel.ts"
import { Database } from "../../src/sqlite/Database.ts"

const Live = SqliteLedger.layer.pipe(Layer.provide(Database.layer({ path: ":memory:" })))

const answering = (usage: TokenUsage, provider = "api.openai.com"): LanguageModelShape => ({
  name: "fixed",
  complete: () => Effect.succeed({ text: "본문", finishReason: "stop", usage, model: "gpt-4.1-mini", provider }),
})

describe("prompt cache share per project", () => {
  it.effect("the ledger sums prompt and cached tokens per project over a range of days", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-03-01T10:00:00Z"))
      const ledger = yield* Ledger
      const model = withLedger(answering({ promptTokens: 2_000, cachedTokens: 1_536, completionTokens: 10 }), ledger)
      const cold = withLedger(answering({ promptTokens: 1_000, cachedTokens: 0, completionTokens: 10 }), ledger)
      yield* model.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "warm", episode: 2 }))
      yield* model.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "warm", episode: 3 }))
      yield* cold.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "cold", episode: 1 }))
      yield* TestClock.adjust("1 day")
      yield* cold.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "warm", episode: 4 }))
      expect(yield* ledger.promptCache({ from: "2025-03-01", to: "2025-03-01" })).toEqual([
        { project: "cold", promptTokens: 1_000, cachedTokens: 0 },
        { project: "warm", promptTokens: 4_000, cachedTokens: 3_072 },
      ])
      expect((yield* ledger.promptCache()).find((p) => p.project === "warm")).toEqual({ project: "warm", promptTokens: 5_000, cachedTokens: 3_072 })
    }).pipe(Effect.provide(Live)))

  it.effect("/metrics counts prompt and cached tokens per project and stage (the offline writer's aside)", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const model = withLedger(answering({ promptTokens: 2_000, cachedTokens: 1_536, completionTokens: 10 }), ledger)
      const offline = withLedger(answering({ promptTokens: 900, cachedTokens: 0, completionTokens: 10 }, "offline"), ledger)
      yield* model.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "metrics-proj", episode: 1 }))
      yield* model.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "metrics-proj", episode: 2 }))
      yield* offline.complete({ stage: "writer", messages: [] }).pipe(withCallContext({ project: "metrics-proj", episode: 3 }))
      const text = yield* PrometheusMetrics.format()
      expect(text).toMatch(/novel_factory_llm_prompt_tokens_total\{[^}]*project="metrics-proj"[^}]*\} 4000/)
      expect(text).toMatch(/novel_factory_llm_cached_prompt_tokens_total\{[^}]*project="metrics-proj"[^}]*\} 3072/)
    }).pipe(Effect.provide(Live)))

  it("the finance summary on the wire carries the share per project and a budget pause with its reason and end", () => {
    const decode = Schema.decodeUnknownSync(FinanceSummary)
    const summary = decode({
      days: [],
      today: {
        spend: 5, cap: 5, paused: true, reason: "today's LLM spend $5.00 reached the daily budget $5.00", resumesAt: 1_740_873_600_000, unpricedModels: [],
      },
      currency: "USD",
      promptCache: [{ project: "warm", promptTokens: 4_000, cachedTokens: 3_072, share: 0.768 }],
      missingRates: [],
    })
    expect(summary.today).toMatchObject({ reason: "today's LLM spend $5.00 reached the daily budget $5.00", resumesAt: 1_740_873_600_000 })
    expect(summary.promptCache).toEqual([{ project: "warm", promptTokens: 4_000, cachedTokens: 3_072, share: 0.768 }])
    expect(() => decode({ days: [], today: { spend: 1, cap: null, paused: false }, currency: "USD", missingRates: [] })).toThrow()
  })
})
