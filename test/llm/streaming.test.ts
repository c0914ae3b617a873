/**
 * The writer's answer is streamed, and its deadline is an idle timeout (no chunk for
 * `idleTimeoutMs`) inside a whole-generation cap (`timeoutMs`): a slow but live generation is
 * not abandoned, a hung one is — booked at what the provider bills, and retried.
 *
 * The first tests run on TestClock against a provider whose stream the test writes chunk by
 * chunk (a custom fetch), so "a chunk every 2 s for 70 s" costs no real time. The rest run
 * against the loopback simulator streaming SSE for real.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { type LlmCallRecord, withLedger } from "../../src/finance/Ledger.ts"
import { costOf, makePriceTable } from "../../src/finance/Price.ts"
import type { CompletionRequest, LanguageModelShape } from "../../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { estimatePromptTokens } from "../../src/llm/RateLimiter.ts"
import { composeAnswer, simulatorScoped, type SimulatorOptions } from "../../src/llm/Simulator.ts"
import { recordingLedger } from "../support/recordingLedger.ts"

const KEY = "sk-stream-0123456789"
const MODEL = "gpt-4.1-mini"
const prices = makePriceTable()

const request: CompletionRequest = {
  stage: "writer",
  messages: [{ role: "system", content: "당신은 웹소설 작가입니다." }, { role: "user", content: "1화를 써 주세요." }],
}

const config = (baseUrl: string, patch: Partial<OpenAiLlmConfig> = {}): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl,
  model: MODEL,
  apiKeyEnv: "K",
  idleTimeoutMs: 30_000,
  timeoutMs: 300_000,
  retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 100, maxRetryAfterMs: 1_000 },
  ...patch,
})

/** Every booked row costs what `costOf` says its usage costs at the model's price. */
const expectPricedRows = (booked: ReadonlyArray<LlmCallRecord>) => {
  for (const row of booked) expect(row.costUsd).toBeCloseTo(costOf(row.usage, prices.lookup(row.model, row.provider).price), 12)
}

// ---------------------------------------------------------------------------------------------
// A provider whose streams the test writes

interface OpenStream {
  readonly body: Record<string, unknown>
  readonly push: (chunk: Record<string, unknown> | "[DONE]") => void
  readonly close: () => void
  aborted: boolean
}

const wireChunk = (extra: Record<string, unknown>) => ({ id: "chatcmpl-t", object: "chat.completion.chunk", created: 0, model: `${MODEL}-2025-04-14`, ...extra })
const contentChunk = (content: string) => wireChunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })
const finishChunk = (reason: string) => wireChunk({ choices: [{ index: 0, delta: {}, finish_reason: reason }] })
const usageChunk = (prompt: number, cached: number, completion: number) =>
  wireChunk({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: { cached_tokens: cached } } })

const handProvider = () => {
  const streams: Array<OpenStream> = []
  const encoder = new TextEncoder()
  const fetch = (async (_url: unknown, init?: { body?: unknown; signal?: AbortSignal | null }) => {
    let controller!: ReadableStreamDefaultController<Uint8Array>
    let closed = false
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })
    const stream: OpenStream = {
      body: JSON.parse(String(init?.body)),
      // Once the client has hung up, whatever the provider still sends goes nowhere.
      push: (chunk) => {
        if (!stream.aborted) controller.enqueue(encoder.encode(`data: ${chunk === "[DONE]" ? chunk : JSON.stringify(chunk)}\n\n`))
      },
      close: () => {
        if (!stream.aborted) controller.close()
        closed = true
      },
      aborted: false,
    }
    init?.signal?.addEventListener("abort", () => {
      stream.aborted = true
      if (!closed) controller.error(new DOMException("aborted", "AbortError"))
    })
    streams.push(stream)
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } })
  }) as unknown as typeof globalThis.fetch
  return { fetch, streams }
}

/** Lets the SDK's promise chain (fetch → SSE decoder → iterator) run: no time passes on any clock the code reads. */
const settle = Effect.promise(() => new Promise<void>((resolve) => {
  let hops = 0
  const hop = () => (++hops >= 5 ? resolve() : setImmediate(hop))
  setImmediate(hop)
}))

const PIECE = "빗속에서 그는 천천히 걸었다. "

/** `count` chunks, one every `everyMs` of test time, each a piece of the episode. */
const dribble = (stream: OpenStream, count: number, everyMs: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < count; i++) {
      yield* TestClock.adjust(everyMs)
      stream.push(contentChunk(PIECE))
      yield* settle
    }
  })

const modelOn = (fetch: typeof globalThis.fetch, patch: Partial<OpenAiLlmConfig> = {}) =>
  Effect.gen(function* () {
    const model = yield* makeOpenAiLanguageModel(config("https://llm.example/v1", patch), { env: { K: KEY }, fetch })
    const { ledger, booked } = recordingLedger()
    return { model: withLedger(model, ledger, prices) as LanguageModelShape, booked }
  })

describe("a streamed answer on TestClock", () => {
  it.effect("a slow but live stream — a chunk every 2 s for 70 s under a 30 s idle timeout — completes, billed at the final chunk's usage", () =>
    Effect.gen(function* () {
      const provider = handProvider()
      const { model, booked } = yield* modelOn(provider.fetch)
      const call = yield* Effect.forkChild(model.complete(request))
      yield* settle
      const stream = provider.streams[0]!
      expect(stream.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
      yield* dribble(stream, 35, 2_000)
      stream.push(finishChunk("stop"))
      stream.push(usageChunk(1_200, 1_024, 5_000))
      stream.push("[DONE]")
      stream.close()
      const completion = yield* Fiber.join(call)
      expect(completion.text).toBe(PIECE.repeat(35))
      expect(completion.finishReason).toBe("stop")
      expect(completion.usage).toEqual({ promptTokens: 1_200, cachedTokens: 1_024, completionTokens: 5_000 })
      expect(provider.streams).toHaveLength(1)
      expect(booked.map((b) => b.usage)).toEqual([completion.usage])
      expectPricedRows(booked)
    }))

  it.effect("a stream that stalls is abandoned after the idle timeout, booked at an estimate of what streamed, and retried", () =>
    Effect.gen(function* () {
      const provider = handProvider()
      const { model, booked } = yield* modelOn(provider.fetch)
      const call = yield* Effect.forkChild(model.complete(request))
      yield* settle
      const stalled = provider.streams[0]!
      yield* dribble(stalled, 5, 2_000)
      // 29 s of silence: still waiting on it.
      yield* TestClock.adjust(29_000)
      yield* settle
      expect(stalled.aborted).toBe(false)
      expect(provider.streams).toHaveLength(1)
      // The 30th second: abandoned (the request aborted) and, after the back-off, asked again.
      yield* TestClock.adjust(1_000)
      yield* settle
      expect(stalled.aborted).toBe(true)
      yield* TestClock.adjust(100)
      yield* settle
      expect(provider.streams).toHaveLength(2)
      const retry = provider.streams[1]!
      yield* dribble(retry, 3, 2_000)
      retry.push(finishChunk("stop"))
      retry.push(usageChunk(900, 0, 60))
      retry.push("[DONE]")
      retry.close()
      const completion = yield* Fiber.join(call)
      expect(completion.text).toBe(PIECE.repeat(3))
      const cutOff = {
        promptTokens: estimatePromptTokens(request.messages),
        completionTokens: estimatePromptTokens([{ role: "assistant", content: PIECE.repeat(5) }]),
      }
      // The answered attempt at its reported usage, plus the abandoned one as the provider would bill it.
      expect(completion.usage).toEqual({ promptTokens: 900 + cutOff.promptTokens, cachedTokens: 0, completionTokens: 60 + cutOff.completionTokens })
      expect(booked.map((b) => b.usage)).toEqual([completion.usage])
      expectPricedRows(booked)
    }))

  it.effect("a stall with no retry left fails transiently, and the cut-off attempt is still booked", () =>
    Effect.gen(function* () {
      const provider = handProvider()
      const { model, booked } = yield* modelOn(provider.fetch, { retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 100, maxRetryAfterMs: 1_000 } })
      const call = yield* Effect.forkChild(Effect.flip(model.complete(request)))
      yield* settle
      yield* dribble(provider.streams[0]!, 2, 1_000)
      yield* TestClock.adjust(30_000)
      const error = yield* Fiber.join(call)
      expect(error._tag).toBe("LlmTransientError")
      expect(error.message).toMatch(/no chunk came within 30000 ms \(llm\.idleTimeoutMs\)/)
      expect(booked.map((b) => b.usage.completionTokens)).toEqual([estimatePromptTokens([{ role: "assistant", content: PIECE.repeat(2) }])])
      expectPricedRows(booked)
    }))

  it.effect("a live stream longer than timeoutMs is cut at the cap: the whole generation is bounded too", () =>
    Effect.gen(function* () {
      const provider = handProvider()
      const { model } = yield* modelOn(provider.fetch, { timeoutMs: 60_000, retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 100, maxRetryAfterMs: 1_000 } })
      const call = yield* Effect.forkChild(Effect.flip(model.complete(request)))
      yield* settle
      yield* dribble(provider.streams[0]!, 31, 2_000)
      const error = yield* Fiber.join(call)
      expect(error._tag).toBe("LlmTransientError")
      expect(error.message).toMatch(/not finished within 60000 ms \(llm\.timeoutMs\)/)
      expect(provider.streams[0]!.aborted).toBe(true)
    }))

  it.effect("a stream that ends without a finish_reason is cut off: transient and booked", () =>
    Effect.gen(function* () {
      const provider = handProvider()
      const { model, booked } = yield* modelOn(provider.fetch, { retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 100, maxRetryAfterMs: 1_000 } })
      const call = yield* Effect.forkChild(Effect.flip(model.complete(request)))
      yield* settle
      const stream = provider.streams[0]!
      yield* dribble(stream, 3, 1_000)
      stream.close()
      const error = yield* Fiber.join(call)
      expect(error._tag).toBe("LlmTransientError")
      expect(error.message).toMatch(/ended before the answer did/)
      expect(booked).toHaveLength(1)
    }))

  it.effect("a content filter stop in a stream is a refusal, booked at the usage the stream reported", () =>
    Effect.gen(function* () {
      const provider = handProvider()
      const { model, booked } = yield* modelOn(provider.fetch)
      const call = yield* Effect.forkChild(Effect.flip(model.complete(request)))
      yield* settle
      const stream = provider.streams[0]!
      stream.push(contentChunk(PIECE))
      stream.push(finishChunk("content_filter"))
      stream.push(usageChunk(700, 0, 12))
      stream.push("[DONE]")
      stream.close()
      const error = yield* Fiber.join(call)
      expect(error._tag === "LlmFatalError" && error.refused).toBe(true)
      expect(booked.map((b) => b.usage)).toEqual([{ promptTokens: 700, cachedTokens: 0, completionTokens: 12 }])
    }))
})

describe("a server that ignores stream: true", () => {
  it.effect("answers one JSON body: it is read as that body, at its usage", () =>
    Effect.gen(function* () {
      const bodies: Array<Record<string, unknown>> = []
      const fetch = (async (_url: unknown, init?: { body?: unknown }) => {
        bodies.push(JSON.parse(String(init?.body)))
        const answer = {
          id: "chatcmpl-j", object: "chat.completion", created: 0, model: MODEL,
          choices: [{ index: 0, message: { role: "assistant", content: PIECE }, finish_reason: "stop" }],
          usage: { prompt_tokens: 321, completion_tokens: 9 },
        }
        return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } })
      }) as unknown as typeof globalThis.fetch
      const { model, booked } = yield* modelOn(fetch)
      const completion = yield* model.complete(request)
      expect(bodies[0]).toMatchObject({ stream: true })
      expect(completion.text).toBe(PIECE)
      expect(booked.map((b) => b.usage)).toEqual([{ promptTokens: 321, cachedTokens: 0, completionTokens: 9 }])
    }))
})

// ---------------------------------------------------------------------------------------------
// The simulator, streaming SSE on a real socket

const simModel = (sim: SimulatorOptions, patch: Partial<OpenAiLlmConfig> = {}) =>
  Effect.gen(function* () {
    const server = yield* simulatorScoped({ apiKey: KEY, models: ["sim-korean"], answerTokens: { min: 120, max: 120 }, ...sim })
    const model = yield* makeOpenAiLanguageModel(config(server.url, { model: "sim-korean", retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 5, maxRetryAfterMs: 1_000 }, ...patch }), { env: { K: KEY } })
    const { ledger, booked } = recordingLedger()
    return { server, model: withLedger(model, ledger, prices) as LanguageModelShape, booked }
  })

describe("the simulator streams", () => {
  it.live("SSE chunks of the same answer, the usage in the last chunk, billed as the simulator counted it", () =>
    Effect.gen(function* () {
      const { server, model, booked } = yield* simModel({ streamChunkTokens: 5, streamChunkDelayMs: 1 })
      const completion = yield* model.complete(request)
      expect(completion.text).toBe(composeAnswer(request.messages[1]!.content, 1, 120))
      const stats = server.stats()
      expect(stats.streamed).toBe(1)
      expect(completion.usage).toEqual({ promptTokens: stats.promptTokens, cachedTokens: stats.cachedTokens, completionTokens: stats.completionTokens })
      expect(booked.map((b) => b.usage)).toEqual([completion.usage])
      expectPricedRows(booked)
    }))

  it.live("a stalled stream is abandoned after the idle timeout and retried", () =>
    Effect.gen(function* () {
      const { server, model, booked } = yield* simModel({ script: ["stall", "ok"], streamChunkTokens: 10 }, { idleTimeoutMs: 150, timeoutMs: 10_000 })
      const completion = yield* model.complete(request)
      expect(completion.finishReason).toBe("stop")
      const stats = server.stats()
      expect(stats.stalled).toBe(1)
      expect(stats.streamedBeforeFault).toBeGreaterThan(0)
      // What the stalled stream sent is billed (estimated) on top of the answered attempt.
      expect(completion.usage.completionTokens).toBeGreaterThan(stats.completionTokens)
      expect(booked).toHaveLength(1)
      expectPricedRows(booked)
    }))

  it.live("a stream cut mid-way (the connection dropped) is retried", () =>
    Effect.gen(function* () {
      const { server, model } = yield* simModel({ script: ["cut", "ok"] })
      const completion = yield* model.complete(request)
      expect(completion.text).toBe(composeAnswer(request.messages[1]!.content, 1, 120))
      expect(server.stats().cut).toBe(1)
    }))

  it.live("finish_reason length is continued across streamed requests", () =>
    Effect.gen(function* () {
      const { server, model } = yield* simModel({ answerTokens: { min: 300, max: 300 } }, { maxTokens: 120 })
      const completion = yield* model.complete(request)
      expect(completion.text).toBe(composeAnswer(request.messages[1]!.content, 1, 300))
      expect(server.stats().streamed).toBe(3)
      expect(completion.usage.completionTokens).toBe(server.stats().completionTokens)
    }))

  it.live("structured stages are not streamed; stream: false turns it off for prose too", () =>
    Effect.gen(function* () {
      const { server, model } = yield* simModel({})
      yield* model.complete({ ...request, stage: "analyst", responseFormat: { name: "facts", schema: { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false } } })
      expect(server.stats().streamed).toBe(0)
      const off = yield* simModel({}, { stream: false })
      yield* off.model.complete(request)
      expect(off.server.stats()).toMatchObject({ streamed: 0, ok: 1 })
    }))
})
