/**
 * The ledger matches the bill: what each provider reports of its prompt cache, cache writes priced,
 * and the attempts a provider bills without a usable answer (content filter, client time-out) booked.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { withCallContext, withLedger } from "../../src/finance/Ledger.ts"
import { costOf, makePriceTable } from "../../src/finance/Price.ts"
import type { CompletionRequest } from "../../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { readUsage } from "../../src/llm/ProviderUsage.ts"
import { estimatePromptTokens } from "../../src/llm/RateLimiter.ts"
import { simulatorScoped } from "../../src/llm/Simulator.ts"
import { recordingLedger } from "../support/recordingLedger.ts"

const KEY = "sk-billing-0123456789"

const request: CompletionRequest = {
  stage: "writer",
  messages: [{ role: "system", content: "규칙" }, { role: "user", content: "1화를 써 주세요." }],
}

const config = (baseUrl: string, patch: Partial<OpenAiLlmConfig> = {}): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl,
  model: "gpt-4.1-mini",
  apiKeyEnv: "K",
  timeoutMs: 2_000,
  retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 1_000 },
  ...patch,
})

/** A provider on a custom fetch: answers every request with `answer`, and keeps the bodies it was sent. */
const fakeProvider = (answer: Record<string, unknown>) => {
  const bodies: Array<Record<string, unknown>> = []
  const fetch = (async (_url: unknown, init?: { body?: unknown }) => {
    bodies.push(JSON.parse(String(init?.body)))
    return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } })
  }) as unknown as typeof globalThis.fetch
  return { fetch, bodies }
}

const answer = (finishReason: string, usage: Record<string, unknown>) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 0,
  model: "gpt-4.1-mini-2025-04-14",
  choices: [{ index: 0, message: { role: "assistant", content: "본문" }, finish_reason: finishReason }],
  usage,
})

describe("provider usage", () => {
  it("reads OpenAI's, DeepSeek's and Anthropic-compatible gateways' cache fields", () => {
    expect(readUsage({ prompt_tokens: 2_000, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 1_536 } }))
      .toEqual({ promptTokens: 2_000, cachedTokens: 1_536, completionTokens: 100 })
    expect(readUsage({ prompt_tokens: 2_000, completion_tokens: 100, prompt_cache_hit_tokens: 1_280, prompt_cache_miss_tokens: 720 }))
      .toEqual({ promptTokens: 2_000, cachedTokens: 1_280, completionTokens: 100 })
    // Gateways that count the cache in prompt_tokens …
    expect(readUsage({ prompt_tokens: 2_000, completion_tokens: 100, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 500 }))
      .toEqual({ promptTokens: 2_000, cachedTokens: 1_000, completionTokens: 100, cacheWriteTokens: 500 })
    // … and those that report Anthropic's input_tokens (the uncached rest) as prompt_tokens.
    expect(readUsage({ prompt_tokens: 300, completion_tokens: 100, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 500 }))
      .toEqual({ promptTokens: 1_800, cachedTokens: 1_000, completionTokens: 100, cacheWriteTokens: 500 })
    expect(readUsage({ prompt_tokens: null, completion_tokens: -3 })).toEqual({ promptTokens: 0, cachedTokens: 0, completionTokens: 0 })
  })

  it("prices cache writes at cacheWrite, and at the input price when the table has none", () => {
    const usage = { promptTokens: 1_000_000, cachedTokens: 200_000, cacheWriteTokens: 300_000, completionTokens: 0 }
    // 500k × 3 + 200k × 0.3 + 300k × 3.75
    expect(costOf(usage, { input: 3, cachedInput: 0.3, output: 15, cacheWrite: 3.75 })).toBeCloseTo(1.5 + 0.06 + 1.125, 10)
    expect(costOf(usage, { input: 3, cachedInput: 0.3, output: 15 })).toBeCloseTo(1.5 + 0.06 + 0.9, 10)
    // More written than prompt tokens left: clamped, never negative.
    expect(costOf({ promptTokens: 100, cachedTokens: 80, cacheWriteTokens: 500, completionTokens: 0 }, { input: 1e6, cachedInput: 0, output: 0, cacheWrite: 2e6 })).toBe(40)
  })
})

describe("attempts the provider billed without a usable answer", () => {
  it.effect("an answer cut by the content filter is a refusal (the writer drafts again) and is booked at what the provider reported", () =>
    Effect.gen(function* () {
      const provider = fakeProvider(answer("content_filter", { prompt_tokens: 900, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } }))
      const model = yield* makeOpenAiLanguageModel(config("https://llm.example/v1"), { env: { K: KEY }, fetch: provider.fetch })
      const { ledger, booked } = recordingLedger()
      const error = yield* Effect.flip(withLedger(model, ledger, makePriceTable()).complete(request))
      expect(error._tag).toBe("LlmFatalError")
      expect(error._tag === "LlmFatalError" && error.refused).toBe(true)
      expect(error.message).toMatch(/content filter/)
      expect(booked.map((b) => [b.usage.promptTokens, b.usage.completionTokens, b.model])).toEqual([[900, 40, "gpt-4.1-mini"]])
      expect(booked[0]!.costUsd).toBeGreaterThan(0)
    }))

  it.live("a client time-out is booked at an estimate of what was sent, beside the answer of the retry", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ apiKey: KEY, models: ["sim-korean"], script: ["hang", "ok"], answerTokens: { min: 20, max: 20 } })
      const model = yield* makeOpenAiLanguageModel(config(sim.url, { model: "sim-korean", timeoutMs: 150 }), { env: { K: KEY } })
      const { ledger, booked } = recordingLedger()
      const completion = yield* withLedger(model, ledger, makePriceTable()).complete(request)
      const billed = sim.stats()
      expect(billed.hung).toBe(1)
      // The answered attempt as the simulator counted it, plus the timed-out one as estimated.
      expect(completion.usage.promptTokens).toBe(billed.promptTokens + estimatePromptTokens(request.messages))
      expect(completion.usage.completionTokens).toBe(billed.completionTokens)
      expect(booked).toHaveLength(1)
      expect(booked[0]!.usage).toEqual(completion.usage)
    }))

  it.live("a time-out with no retry left fails transiently and still books the estimate", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ apiKey: KEY, models: ["sim-korean"], script: ["hang", "hang"] })
      const model = yield* makeOpenAiLanguageModel(
        config(sim.url, { model: "sim-korean", timeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 5, maxRetryAfterMs: 100 } }),
        { env: { K: KEY } },
      )
      const { ledger, booked } = recordingLedger()
      const error = yield* Effect.flip(withLedger(model, ledger, makePriceTable()).complete(request))
      expect(error._tag).toBe("LlmTransientError")
      expect(booked.map((b) => b.usage.promptTokens)).toEqual([2 * estimatePromptTokens(request.messages)])
    }))
})

describe("prompt_cache_key", () => {
  const ok = answer("stop", { prompt_tokens: 10, completion_tokens: 1 })

  it.effect("is sent per project to api.openai.com by default, and nowhere else unless configured", () =>
    Effect.gen(function* () {
      const openai = fakeProvider(ok)
      const toOpenAi = yield* makeOpenAiLanguageModel(config("https://api.openai.com/v1"), { env: { K: KEY }, fetch: openai.fetch })
      yield* toOpenAi.complete(request).pipe(withCallContext({ project: "rain-city", episode: 3 }))
      yield* toOpenAi.complete({ ...request, cacheKey: "explicit" })
      expect(openai.bodies.map((b) => b["prompt_cache_key"])).toEqual(["novel-factory:rain-city", "explicit"])

      const other = fakeProvider(ok)
      const elsewhere = yield* makeOpenAiLanguageModel(config("https://llm.example/v1"), { env: { K: KEY }, fetch: other.fetch })
      yield* elsewhere.complete(request).pipe(withCallContext({ project: "rain-city", episode: 3 }))
      expect(other.bodies[0]).not.toHaveProperty("prompt_cache_key")

      const configured = fakeProvider(ok)
      const on = yield* makeOpenAiLanguageModel(config("https://llm.example/v1", { promptCacheKey: true }), { env: { K: KEY }, fetch: configured.fetch })
      yield* on.complete(request).pipe(withCallContext({ project: "rain-city", episode: 3 }))
      expect(configured.bodies[0]?.["prompt_cache_key"]).toBe("novel-factory:rain-city")
      const off = fakeProvider(ok)
      const offModel = yield* makeOpenAiLanguageModel(config("https://api.openai.com/v1", { promptCacheKey: false }), { env: { K: KEY }, fetch: off.fetch })
      yield* offModel.complete(request).pipe(withCallContext({ project: "rain-city", episode: 3 }))
      expect(off.bodies[0]).not.toHaveProperty("prompt_cache_key")
    }))
})
