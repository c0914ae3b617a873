import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { withLedger } from "../../src/finance/Ledger.ts"
import { type ChatMessage, LanguageModel, type LanguageModelShape } from "../../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { type SimRequest, simulatorScoped, type SimulatorOptions } from "../../src/llm/Simulator.ts"
import { toStrictJsonSchema } from "../../src/llm/StrictJsonSchema.ts"
import { completeStructured, type StructuredRequest } from "../../src/llm/Structured.ts"
import { recordingLedger } from "../support/recordingLedger.ts"

const KEY = "sk-test-0123456789abcdef"

const Analysis = Schema.Struct({
  summary: Schema.String.check(Schema.isMinLength(1)),
  deaths: Schema.Array(Schema.Struct({ character: Schema.String, quote: Schema.String })),
  mood: Schema.Literals(["calm", "tense"]),
  cliffhanger: Schema.optionalKey(Schema.String),
})

const VALID = { summary: "서준이 검을 뽑았다.", deaths: [{ character: "노인", quote: "노인은 숨을 거두었다." }], mood: "tense", cliffhanger: null }
const DECODED = { summary: "서준이 검을 뽑았다.", deaths: [{ character: "노인", quote: "노인은 숨을 거두었다." }], mood: "tense" }

const messages: ReadonlyArray<ChatMessage> = [
  { role: "system", content: "You extract Bible changes from an episode." },
  { role: "user", content: "1화: 노인은 숨을 거두었다. 서준이 검을 뽑았다." },
]

const analysis = (patch: Partial<StructuredRequest<typeof Analysis>> = {}) =>
  completeStructured({ stage: "analyst", messages, schema: Analysis, name: "episode_analysis", ...patch })

const configFor = (url: string, patch: Partial<OpenAiLlmConfig> = {}): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl: url,
  model: "sim-korean",
  apiKeyEnv: "SIM_KEY",
  timeoutMs: 5_000,
  retry: { maxRetries: 3, baseDelayMs: 1_000, maxDelayMs: 4_000, maxRetryAfterMs: 5_000 },
  ...patch,
})

/** A ledger that keeps what it is given, so a test can see every booking. */
/** The simulator answering with `answers` in order (the last one repeated), and what each request looked like. */
const setup = (answers: ReadonlyArray<string> | undefined, sim: SimulatorOptions = {}, patch: Partial<OpenAiLlmConfig> = {}) =>
  Effect.gen(function* () {
    const seen: Array<SimRequest> = []
    const server = yield* simulatorScoped({
      apiKey: KEY,
      ...(answers === undefined ? {} : {
        respond: (request: SimRequest) => {
          seen.push(request)
          return answers[Math.min(seen.length - 1, answers.length - 1)]!
        },
      }),
      ...sim,
    })
    const openai = yield* makeOpenAiLanguageModel(configFor(server.url, patch), { env: { SIM_KEY: KEY } })
    const { ledger, booked } = recordingLedger()
    const model: LanguageModelShape = withLedger(openai, ledger)
    return { server, seen, booked, provide: Effect.provideService(LanguageModel, model) }
  })

describe("completeStructured against the simulator", () => {
  it.live("sends the strict JSON Schema and decodes a valid answer in one attempt", () =>
    Effect.gen(function* () {
      const { seen, booked, provide } = yield* setup([JSON.stringify(VALID)])
      const result = yield* provide(analysis())
      expect(result).toEqual({ value: DECODED, attempts: 1 })
      expect(seen).toHaveLength(1)
      expect(seen[0]!.responseFormat).toEqual({
        type: "json_schema",
        jsonSchema: { name: "episode_analysis", schema: toStrictJsonSchema(Analysis).schema, strict: true },
      })
      expect(booked.map((b) => b.stage)).toEqual(["analyst"])
    }))

  it.live("decodes JSON in a code fence with prose around it", () =>
    Effect.gen(function* () {
      const { provide } = yield* setup([`Here you are:\n\`\`\`json\n${JSON.stringify(VALID, null, 2)}\n\`\`\`\nAnything else?`])
      expect(yield* provide(analysis())).toEqual({ value: DECODED, attempts: 1 })
    }))

  it.live("junk, then a valid answer: two attempts, both booked, the second told what was wrong", () =>
    Effect.gen(function* () {
      const { server, seen, booked, provide } = yield* setup(["그는 조용히 문을 열었다.", JSON.stringify(VALID)])
      expect(yield* provide(analysis())).toEqual({ value: DECODED, attempts: 2 })
      expect(server.stats().requests).toBe(2)
      expect(booked.map((b) => b.stage)).toEqual(["analyst", "analyst"])
      expect(booked.every((b) => b.usage.completionTokens > 0)).toBe(true)
      const retry = seen[1]!.messages
      expect(retry.slice(0, 2)).toEqual(messages)
      expect(retry[2]).toEqual({ role: "assistant", content: "그는 조용히 문을 열었다." })
      expect(retry[3]!.role).toBe("user")
      expect(retry[3]!.content).toMatch(/the answer holds no JSON object/)
    }))

  it.live("JSON of the wrong shape is retried with the decoder's complaint, naming the field", () =>
    Effect.gen(function* () {
      const wrong = JSON.stringify({ ...VALID, mood: "giddy", deaths: [{ character: "노인" }] })
      const { seen, provide } = yield* setup([wrong, JSON.stringify(VALID)])
      expect((yield* provide(analysis())).attempts).toBe(2)
      const complaint = seen[1]!.messages.at(-1)!.content
      expect(complaint).toMatch(/does not match the schema/)
      expect(complaint).toMatch(/\["mood"\]/)
      expect(complaint).toMatch(/\["deaths"\]\[0\]\["quote"\]/) // every issue, not just the first
    }))

  it.live("junk three times: StructuredOutputInvalid after exactly three requests, with the last answer", () =>
    Effect.gen(function* () {
      const { server, booked, provide } = yield* setup(["", "not json", "{\"summary\": "])
      const error = yield* Effect.flip(provide(analysis()))
      expect(error._tag).toBe("StructuredOutputInvalid")
      if (error._tag !== "StructuredOutputInvalid") return
      expect(error.attempts).toBe(3)
      expect(error.lastAnswer).toBe("{\"summary\": ")
      expect(error.message).toMatch(/analyst: structured output 'episode_analysis': no valid answer in 3 attempts; the last one: the JSON does not parse/)
      expect(server.stats().requests).toBe(3)
      expect(booked).toHaveLength(3)
    }))

  it.live("maxAttempts bounds the requests", () =>
    Effect.gen(function* () {
      const { server, provide } = yield* setup(["nope"])
      const error = yield* Effect.flip(provide(analysis({ maxAttempts: 5 })))
      expect(error._tag === "StructuredOutputInvalid" && error.attempts).toBe(5)
      expect(server.stats().requests).toBe(5)
    }))

  it.live("an answer cut at maxTokens is invalid and never continued", () =>
    Effect.gen(function* () {
      const long = JSON.stringify({ ...VALID, summary: "긴 요약 ".repeat(200) })
      const { server, provide } = yield* setup([long])
      const error = yield* Effect.flip(provide(analysis({ maxTokens: 40, maxAttempts: 2 })))
      expect(error._tag).toBe("StructuredOutputInvalid")
      expect(error.message).toMatch(/cut off at the token limit/)
      // Two attempts, no continuation requests between them.
      expect(server.stats().requests).toBe(2)
      expect(server.stats().truncated).toBe(2)
    }))

  it.effect("a 500 is retried by the provider's own back-off (on the TestClock), inside one attempt", () =>
    Effect.gen(function* () {
      const { server, booked, provide } = yield* setup([JSON.stringify(VALID)], { script: ["500", "500"] }, { timeoutMs: 3_600_000 })
      const fiber = yield* provide(analysis()).pipe(Effect.forkChild)
      // The requests are real I/O: let the loop turn, and move the clock on for the back-off sleeps.
      while (fiber.pollUnsafe() === undefined) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
        yield* TestClock.adjust("100 millis")
      }
      expect(yield* Fiber.join(fiber)).toEqual({ value: DECODED, attempts: 1 })
      expect(server.stats().serverErrors).toBe(2)
      expect(server.stats().requests).toBe(3)
      expect(booked).toHaveLength(1)
    }))

  it.live("without a respond hook the simulator answers a decodable object of the schema", () =>
    Effect.gen(function* () {
      const { server, provide } = yield* setup(undefined)
      const { value, attempts } = yield* provide(analysis())
      expect(attempts).toBe(1)
      expect(value.summary.length).toBeGreaterThan(0)
      expect(["calm", "tense"]).toContain(value.mood)
      expect(server.stats().requests).toBe(1)
    }))

  it.live("the writer's prose request carries no response_format", () =>
    Effect.gen(function* () {
      const { seen, provide } = yield* setup(["그는 조용히 문을 열었다."])
      const writer = Effect.gen(function* () {
        return yield* (yield* LanguageModel).complete({ stage: "writer", messages })
      })
      const completion = yield* provide(writer)
      expect(completion.text).toBe("그는 조용히 문을 열었다.")
      expect(seen[0]!.responseFormat).toBeUndefined()
    }))

  it.live("a schema with no strict form, a bad name or a bad maxAttempts fail fatally before any request", () =>
    Effect.gen(function* () {
      const { server, provide } = yield* setup([JSON.stringify(VALID)])
      const record = yield* Effect.flip(provide(completeStructured({
        stage: "analyst",
        messages,
        schema: Schema.Struct({ counts: Schema.Record(Schema.String, Schema.Number) }),
        name: "counts",
      })))
      expect(record._tag).toBe("LlmFatalError")
      expect(record.message).toMatch(/analyst: structured output 'counts': the schema has no strict JSON Schema form: #\/properties\/counts: a record/)
      const name = yield* Effect.flip(provide(analysis({ name: "episode analysis" })))
      expect(name._tag).toBe("LlmFatalError")
      expect(name.message).toMatch(/the name must match/)
      const attempts = yield* Effect.flip(provide(analysis({ maxAttempts: 0 })))
      expect(attempts.message).toMatch(/maxAttempts must be a whole number ≥ 1, got 0/)
      expect(server.stats().requests).toBe(0)
    }))
})
