import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { composeAnswer, countTokens, simulatorScoped, takeTokens } from "../../src/llm/Simulator.ts"

const post = (url: string, body: unknown, key = "k") =>
  fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  })

const chat = (content: string, max?: number) => ({ model: "sim-korean", messages: [{ role: "user", content }], ...(max ? { max_tokens: max } : {}) })

describe("simulator", () => {
  it("composes deterministic Korean answers of the asked length", () => {
    const a = composeAnswer("서준이 검을 뽑는다", 1, 200)
    expect(a).toBe(composeAnswer("서준이 검을 뽑는다", 1, 200))
    expect(a).not.toBe(composeAnswer("서준이 검을 뽑는다", 2, 200))
    expect(countTokens(a)).toBeLessThanOrEqual(200)
    expect(countTokens(a)).toBeGreaterThan(180)
    expect(a).toMatch(/[가-힣]/)
    expect(countTokens(takeTokens(a, 50))).toBe(50)
  })

  it.live("answers with usage, enforces RPM with 429 + Retry-After, and truncates at max_tokens", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ apiKey: "k", requestsPerMinute: 2, answerTokens: { min: 100, max: 100 } })
      const ok = yield* Effect.promise(() => post(sim.url, chat("안녕하세요", 30)))
      expect(ok.status).toBe(200)
      const body = (yield* Effect.promise(() => ok.json())) as any
      expect(body.choices[0].finish_reason).toBe("length")
      expect(body.usage.completion_tokens).toBe(30)
      expect(body.usage.prompt_tokens_details.cached_tokens).toBe(0)
      expect((yield* Effect.promise(() => post(sim.url, chat("둘")))).status).toBe(200)
      const limited = yield* Effect.promise(() => post(sim.url, chat("셋")))
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get("retry-after-ms"))).toBeGreaterThan(20_000) // 2 per minute: ~30 s for the next
      expect(limited.headers.get("retry-after")).toMatch(/^\d+$/)
      expect((yield* Effect.promise(() => post(sim.url, chat("x"), "wrong")))).toHaveProperty("status", 401)
      expect((yield* Effect.promise(() => post(sim.url, { ...chat("x"), model: "gpt-9" })))).toHaveProperty("status", 404)
      expect(sim.stats()).toMatchObject({ requests: 5, ok: 2, rateLimited: 1, clientErrors: 2, truncated: 1 })
    }))

  it.live("is reproducible: the same seed and script give the same faults", () =>
    Effect.gen(function* () {
      const statuses = (seed: number) =>
        Effect.gen(function* () {
          const sim = yield* simulatorScoped({ seed, failureRate: 0.5 })
          const out: Array<number> = []
          for (let i = 0; i < 12; i++) out.push((yield* Effect.promise(() => post(sim.url, chat(`${i}`)))).status)
          return out
        }).pipe(Effect.scoped)
      const a = yield* statuses(42)
      expect(yield* statuses(42)).toEqual(a)
      expect(a).toContain(500)
      expect(a).toContain(200)
    }))

  it.live("caches the longest shared prompt prefix from 1,024 tokens on, in 128-token blocks, across message boundaries", () =>
    Effect.gen(function* () {
      // 1,000 tokens of system (under the minimum on its own), then a user message whose first 600 tokens are shared.
      const system = "가".repeat(997)
      const shared = "나".repeat(600)
      const ask = (sim: { url: string }, tail: string) =>
        Effect.promise(async () => {
          const response = await post(sim.url, { model: "sim-korean", max_tokens: 5, messages: [{ role: "system", content: system }, { role: "user", content: shared + tail }] })
          return ((await response.json()) as any).usage as { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } }
        })
      const prefix = yield* simulatorScoped({})
      expect((yield* ask(prefix, "다")).prompt_tokens_details.cached_tokens).toBe(0)
      const second = yield* ask(prefix, "라")
      // shared: 3 + 4 + 997 + 4 + 600 = 1,608 tokens, rounded down to a block: 1,536
      expect(second.prompt_tokens).toBe(1_609)
      expect(second.prompt_tokens_details.cached_tokens).toBe(1_536)
      expect((yield* ask(prefix, "라")).prompt_tokens_details.cached_tokens).toBe(1_536)
      // Whole leading messages only: the system message alone is under the minimum, the user message differs.
      const messages = yield* simulatorScoped({ cacheMode: "messages" })
      yield* ask(messages, "다")
      expect((yield* ask(messages, "라")).prompt_tokens_details.cached_tokens).toBe(0)
    }))
})
