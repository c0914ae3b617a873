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
})
