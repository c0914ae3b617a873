import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { type CompletionRequest, type LanguageModelShape, type LlmStage } from "../../src/llm/LanguageModel.ts"
import { LlmConfig, type OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { routedLanguageModel } from "../../src/llm/RoutedLanguageModel.ts"
import { simulatorScoped } from "../../src/llm/Simulator.ts"

const KEY = "sk-test-0123456789abcdef"

const configFor = (url: string, stages: OpenAiLlmConfig["stages"] = {}): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl: url,
  model: "sim-korean",
  apiKeyEnv: "SIM_KEY",
  retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
  stages,
})

const ask = (stage: LlmStage): CompletionRequest => ({ stage, messages: [{ role: "user", content: "요약해 주세요." }] })

describe("the openai model builds clients only for the stages routed to it", () => {
  it.live("a stage routed offline needs no key, and asking it is a fatal error naming the stage", () =>
    Effect.gen(function* () {
      const server = yield* simulatorScoped({ apiKey: KEY, answerTokens: { min: 5, max: 5 } })
      // The critic is off by default, so its own key variable need not exist; the planner is turned off.
      const model = yield* makeOpenAiLanguageModel(
        configFor(server.url, { critic: { apiKeyEnv: "CRITIC_KEY" }, planner: { kind: "offline", apiKeyEnv: "PLANNER_KEY" } }),
        { env: { SIM_KEY: KEY } },
      )
      for (const stage of ["writer", "analyst", "summary"] as const) expect((yield* model.complete(ask(stage))).text.length).toBeGreaterThan(0)
      for (const stage of ["critic", "planner"] as const) {
        const error = yield* Effect.flip(model.complete(ask(stage)))
        expect(error._tag).toBe("LlmFatalError")
        expect(error.message).toMatch(new RegExp(`^${stage}: this stage is routed offline \\(llm\\.kind, llm\\.stages\\.${stage}\\.kind\\)`))
      }
      expect(server.stats().requests).toBe(3)
    }))

  it.live("a routed stage whose key variable is unset fails construction, naming the variable and the stage", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(makeOpenAiLanguageModel(configFor("http://127.0.0.1:9/v1", { critic: { kind: "openai", apiKeyEnv: "CRITIC_KEY" } }), { env: { SIM_KEY: KEY } }))
      expect(error.message).toBe("llm.stages.critic: the environment variable CRITIC_KEY (named by apiKeyEnv) is not set")
      const writer = yield* Effect.flip(makeOpenAiLanguageModel(configFor("http://127.0.0.1:9/v1"), { env: {} }))
      expect(writer.message).toBe("llm.stages.writer: the environment variable SIM_KEY (named by apiKeyEnv) is not set")
    }))

  it.live("with every stage offline no key is needed at all", () =>
    Effect.gen(function* () {
      const off = { kind: "offline" } as const
      const model = yield* makeOpenAiLanguageModel(configFor("http://127.0.0.1:9/v1", { writer: off, analyst: off, planner: off, summary: off }), { env: {} })
      expect(model.limiters.size).toBe(0)
    }))
})

describe("routedLanguageModel", () => {
  const recording = (name: string, calls: Array<string>): LanguageModelShape => ({
    name,
    complete: (request) =>
      Effect.sync(() => {
        calls.push(`${name}:${request.stage}`)
        return { text: name, finishReason: "stop" as const, usage: { promptTokens: 1, cachedTokens: 0, completionTokens: 1 }, model: name, provider: name }
      }),
  })

  it.effect("sends each stage where stageRoute says: the offline writer under llm.kind openai when told so", () =>
    Effect.gen(function* () {
      const config = Schema.decodeUnknownSync(LlmConfig)({
        kind: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        model: "m",
        apiKeyEnv: "K",
        stages: { writer: { kind: "offline" }, critic: { kind: "openai" } },
      })
      const calls: Array<string> = []
      const model = routedLanguageModel(config, { offline: recording("offline", calls), openai: recording("openai", calls) })
      for (const stage of ["writer", "critic", "analyst", "planner", "summary"] as const) yield* model.complete(ask(stage))
      expect(calls).toEqual(["offline:writer", "openai:critic", "openai:analyst", "openai:planner", "openai:summary"])
    }))
})
