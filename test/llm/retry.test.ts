import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { LlmFatalError, LlmTransientError } from "../../src/llm/LanguageModel.ts"
import { classifyError, redact } from "../../src/llm/OpenAiLanguageModel.ts"
import { parseRetryAfter, retryTransient } from "../../src/llm/Retry.ts"
import { APIConnectionError, APIError } from "openai"

describe("Retry-After", () => {
  const now = Date.parse("2025-03-01T00:00:00Z")
  it("reads retry-after-ms, delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250" }), now)).toBe(250)
    expect(parseRetryAfter(new Headers({ "retry-after": "3" }), now)).toBe(3_000)
    expect(parseRetryAfter(new Headers({ "retry-after": "1.5" }), now)).toBe(1_500)
    expect(parseRetryAfter(new Headers({ "retry-after": "Sat, 01 Mar 2025 00:00:07 GMT" }), now)).toBe(7_000)
    expect(parseRetryAfter(new Headers({ "retry-after": "Fri, 28 Feb 2025 23:00:00 GMT" }), now)).toBe(0)
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined()
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250)
    expect(parseRetryAfter({ "retry-after": "2" }, now)).toBe(2_000)
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })
})

describe("error classification", () => {
  const ctx = { stage: "writer" as const, baseUrl: "http://x/v1", model: "m", apiKeyEnv: "MY_KEY", now: 0, secrets: ["sk-secret-123456"] }
  it("429, 5xx, 408, connection errors and access errors (401/403/404: jobs wait) are transient; 400 fatal", () => {
    const err = (status: number, headers: Record<string, string> = {}) => APIError.generate(status, { error: { message: `boom sk-secret-123456` } }, undefined, new Headers(headers))
    const r429 = classifyError(err(429, { "retry-after": "2" }), ctx)
    expect(r429).toBeInstanceOf(LlmTransientError)
    expect((r429 as LlmTransientError).retryAfterMs).toBe(2_000)
    expect(classifyError(err(503), ctx)).toBeInstanceOf(LlmTransientError)
    expect(classifyError(err(408), ctx)).toBeInstanceOf(LlmTransientError)
    expect(classifyError(new APIConnectionError({ message: "reset", cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) }), ctx).message).toMatch(/ECONNRESET/)
    for (const status of [400, 401, 403, 404]) {
      const e = classifyError(err(status), ctx)
      expect(e).toBeInstanceOf(status === 400 ? LlmFatalError : LlmTransientError)
      expect(e.message).not.toContain("sk-secret-123456")
    }
    expect(classifyError(err(401), ctx).message).toMatch(/MY_KEY/)
  })

  it("redacts key-like strings", () => {
    expect(redact("Incorrect API key provided: sk-proj-abcdef123456", [])).toBe("Incorrect API key provided: sk-***")
  })
})

describe("retryTransient under TestClock", () => {
  it.effect("waits the Retry-After, not the back-off", () =>
    Effect.gen(function* () {
      let attempts = 0
      const flaky = Effect.suspend(() =>
        ++attempts === 1 ? Effect.fail(new LlmTransientError({ message: "429", status: 429, retryAfterMs: 30_000 })) : Effect.succeed("ok")
      )
      const fiber = yield* retryTransient(flaky, { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 60_000 }).pipe(Effect.forkChild)
      yield* TestClock.adjust("29 seconds")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("4 seconds") // + up to 10 % jitter
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(attempts).toBe(2)
    }))

  it.effect("backs off exponentially and gives up after maxRetries; fatal errors are not retried", () =>
    Effect.gen(function* () {
      let attempts = 0
      const down = Effect.suspend(() => {
        attempts++
        return Effect.fail(new LlmTransientError({ message: "503", status: 503 }))
      })
      const fiber = yield* Effect.flip(retryTransient(down, { maxRetries: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 60_000 })).pipe(Effect.forkChild)
      yield* TestClock.adjust("500 millis")
      expect(attempts).toBe(1)
      yield* TestClock.adjust("10 seconds") // 1 + 2 + 4 s at most
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("LlmTransientError")
      expect(attempts).toBe(4)

      let fatalAttempts = 0
      const fatal = Effect.suspend(() => {
        fatalAttempts++
        return Effect.fail(new LlmFatalError({ message: "401", status: 401 }))
      })
      expect((yield* Effect.flip(retryTransient(fatal)))._tag).toBe("LlmFatalError")
      expect(fatalAttempts).toBe(1)
    }))
})
