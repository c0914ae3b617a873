import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { CompletionRequest } from "../../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { CONTINUE_PROMPT } from "../../src/llm/Prompt.ts"
import { composeAnswer, simulatorScoped, type SimulatorOptions } from "../../src/llm/Simulator.ts"

const KEY = "sk-test-0123456789abcdef"

const configFor = (url: string, patch: Partial<OpenAiLlmConfig> = {}): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl: url,
  model: "sim-korean",
  apiKeyEnv: "SIM_KEY",
  temperature: 0.7,
  maxTokens: 2_000,
  timeoutMs: 2_000,
  retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 },
  ...patch,
})

const request: CompletionRequest = {
  stage: "writer",
  messages: [
    { role: "system", content: "당신은 웹소설 작가입니다. 문체 규칙을 지키세요." },
    { role: "user", content: "1화를 써 주세요. 주인공 이서준이 검을 뽑는다." },
  ],
}

const setup = (sim: SimulatorOptions, patch: Partial<OpenAiLlmConfig> = {}, env: Record<string, string> = { SIM_KEY: KEY }) =>
  Effect.gen(function* () {
    const server = yield* simulatorScoped({ apiKey: KEY, answerTokens: { min: 40, max: 60 }, ...sim })
    const model = yield* makeOpenAiLanguageModel(configFor(server.url, patch), { env })
    return { server, model }
  })

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = performance.now()
    const result = yield* effect
    return { result, ms: performance.now() - start }
  })

describe("OpenAiLanguageModel against the simulator", () => {
  it.live("completes with usage, cached tokens included", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ cacheMin: 0, cacheBlock: 1 })
      const first = yield* model.complete(request)
      expect(first.finishReason).toBe("stop")
      expect(first.text).toMatch(/[가-힣]/)
      expect(first.usage.promptTokens).toBeGreaterThan(0)
      expect(first.usage.cachedTokens).toBe(0)
      expect(first.model).toBe("sim-korean")
      // The same system message again: its tokens come from the cache.
      const second = yield* model.complete({ ...request, messages: [request.messages[0]!, { role: "user", content: "2화를 써 주세요." }] })
      expect(second.usage.cachedTokens).toBeGreaterThan(0)
      expect(second.usage.cachedTokens).toBeLessThan(second.usage.promptTokens)
      expect(server.stats().requests).toBe(2)
    }))

  it.live("retries a 500 and a connection reset", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ script: ["500", "reset", "ok"] })
      const completion = yield* model.complete(request)
      expect(completion.finishReason).toBe("stop")
      const stats = server.stats()
      expect(stats.serverErrors).toBe(1)
      expect(stats.resets).toBe(1)
      expect(stats.ok).toBe(1)
    }))

  it.live("honours Retry-After on a 429 (ms and seconds forms)", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ script: [{ kind: "429", retryAfterMs: 300, format: "ms" }] })
      const a = yield* elapsed(model.complete(request))
      expect(a.ms).toBeGreaterThanOrEqual(295)
      expect(server.stats().rateLimited).toBe(1)
      server.script([{ kind: "429", retryAfterMs: 1_000, format: "seconds" }])
      const b = yield* elapsed(model.complete(request))
      expect(b.ms).toBeGreaterThanOrEqual(990)
      expect(server.stats().ok).toBe(2)
    }))

  it.live("surfaces a Retry-After longer than maxRetryAfterMs instead of waiting", () =>
    Effect.gen(function* () {
      const { model } = yield* setup({ script: [{ kind: "429", retryAfterMs: 3_600_000, format: "seconds" }] })
      const error = yield* Effect.flip(model.complete(request))
      expect(error._tag).toBe("LlmTransientError")
      if (error._tag === "LlmTransientError") expect(error.retryAfterMs).toBe(3_600_000)
    }))

  it.live("continues a truncated answer until complete, summing usage", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ answerTokens: { min: 300, max: 300 } }, { maxTokens: 120 })
      const completion = yield* model.complete(request)
      expect(completion.finishReason).toBe("stop")
      expect(completion.text).toBe(composeAnswer(request.messages[1]!.content, 1, 300))
      expect(server.stats().requests).toBe(3)
      expect(server.stats().truncated).toBe(2)
      expect(completion.usage.completionTokens).toBe(server.stats().completionTokens)
      expect(completion.usage.promptTokens).toBe(server.stats().promptTokens)
    }))

  it.live("continues a randomly truncated answer too", () =>
    Effect.gen(function* () {
      const { model } = yield* setup({ answerTokens: { min: 200, max: 200 }, script: ["truncate", "truncate"] })
      const completion = yield* model.complete(request)
      expect(completion.finishReason).toBe("stop")
      expect(completion.text).toBe(composeAnswer(request.messages[1]!.content, 1, 200))
    }))

  it.live("stops after maxContinuations and reports length", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ answerTokens: { min: 400, max: 400 } }, { maxTokens: 50, maxContinuations: 1 })
      const completion = yield* model.complete(request)
      expect(completion.finishReason).toBe("length")
      expect(server.stats().requests).toBe(2)
    }))

  it.live("times out a hung request and retries it", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ script: ["hang", "ok"] }, { timeoutMs: 150 })
      const { result, ms } = yield* elapsed(model.complete(request))
      expect(result.finishReason).toBe("stop")
      expect(ms).toBeGreaterThanOrEqual(145)
      expect(server.stats().hung).toBe(1)
    }))

  it.live("a hung request with no retries left is a transient error", () =>
    Effect.gen(function* () {
      const { model } = yield* setup({ script: ["hang"] }, {
        timeoutMs: 100,
        retry: { maxRetries: 0, baseDelayMs: 5, maxDelayMs: 5, maxRetryAfterMs: 1_000 },
      })
      const error = yield* Effect.flip(model.complete(request))
      expect(error._tag).toBe("LlmTransientError")
      expect(error.message).toMatch(/no answer began within 100 ms/)
    }))

  it.live("401 fails fast (not retried), names the variable and never shows the key; the job waits, it does not die", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({}, {}, { SIM_KEY: "sk-wrong-key-abcdef123456" })
      const { result: error, ms } = yield* elapsed(Effect.flip(model.complete(request)))
      // transient: the llm breaker counts it and parks the workers; no queued job dies of a wrong key
      expect(error._tag).toBe("LlmTransientError")
      expect(error.message).toMatch(/SIM_KEY/)
      expect(error.message).toMatch(/jobs wait until it is fixed/)
      expect(error.message).not.toMatch(/sk-wrong-key-abcdef123456/)
      expect(server.stats().requests).toBe(1)
      expect(ms).toBeLessThan(1_000)
    }))

  it.live("404 on an unknown model is not retried, names the model, and leaves the job waiting", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({}, { model: "no-such-model" })
      const error = yield* Effect.flip(model.complete(request))
      expect(error._tag).toBe("LlmTransientError")
      expect(error.status).toBe(404)
      expect(error.message).toMatch(/no-such-model/)
      expect(server.stats().requests).toBe(1)
    }))

  it.live("gives up after maxRetries of 500s with a transient error", () =>
    Effect.gen(function* () {
      const { server, model } = yield* setup({ failureRate: 1 })
      const error = yield* Effect.flip(model.complete(request))
      expect(error._tag).toBe("LlmTransientError")
      expect(server.stats().requests).toBe(4)
    }))

  it.live("a connection refused is transient", () =>
    Effect.gen(function* () {
      const model = yield* makeOpenAiLanguageModel(
        configFor("http://127.0.0.1:9/v1", { retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 5, maxRetryAfterMs: 1_000 } }),
        { env: { SIM_KEY: KEY } },
      )
      const error = yield* Effect.flip(model.complete(request))
      expect(error._tag).toBe("LlmTransientError")
      expect(error.message).toMatch(/connection/)
    }))

  it.live("a missing key variable fails at construction", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(makeOpenAiLanguageModel(configFor("http://127.0.0.1:9/v1"), { env: {} }))
      expect(error.message).toMatch(/SIM_KEY/)
    }))

  it.live("the continuation prompt is what the simulator recognises", () =>
    Effect.sync(() => expect(CONTINUE_PROMPT).toMatch(/^Continue/)))
})
