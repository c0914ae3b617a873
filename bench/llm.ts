/**
 * Rate-limited throughput against the loopback simulator: the factory's OpenAI provider
 * (token buckets + AIMD) beside a fixed-concurrency client that only honours Retry-After,
 * in the same run, against the same limits.
 *
 * Limits: 600 RPM / 200 000 TPM, with TIME SCALED 10× — the limit window is 6 s instead of 60 s,
 * so "per minute" below means per 6 s of wall time (the server allows 600 requests and 200k
 * tokens per 6 s; a tenth of that may be spent in a burst). Each client runs 5 s of warm-up then
 * 15 s measured; the figures are the server's own counts over the measured window.
 *
 * Targets: the adaptive client reaches >= 95 % of the token limit with <= 1 % 429s.
 */
import OpenAI from "openai"
import { Effect, Fiber } from "effect"
import type { CompletionRequest } from "../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../src/llm/OpenAiLanguageModel.ts"
import { type Simulator, startSimulator } from "../src/llm/Simulator.ts"
import type { BenchResult } from "./BenchResult.ts"


const WINDOW_MS = 6_000 // one "minute", scaled 10×
const RPM = 600
const TPM = 200_000
const BURST = 0.1
const WARMUP_MS = 5_000
const MEASURE_MS = 15_000
const WORKERS = 64
const FIXED_CONCURRENCY = 32
const MAX_TOKENS = 1_000

const PROMPT_BASE = "당신은 한국 웹소설 작가입니다. 주인공 이서준과 검은 탑의 기사가 등장하는 장면을 써 주세요. "
const promptOf = (i: number): CompletionRequest => ({
  stage: "writer",
  maxTokens: MAX_TOKENS,
  messages: [
    { role: "system", content: "문체: 짧은 문장, 현재 시제 금지, 대사는 큰따옴표. ".repeat(8) },
    { role: "user", content: `${PROMPT_BASE.repeat(3)} 요청 번호 ${i}.` },
  ],
})

interface Measure {
  readonly tokensPerWindow: number
  readonly share: number
  readonly requests: number
  readonly rate429: number
  readonly ok: number
}

const measure = (sim: Simulator, from: number, to: number): Measure => {
  const events = sim.events().filter((e) => e.at >= from && e.at < to)
  const served = events.filter((e) => e.status === 200)
  const tokens = served.reduce((n, e) => n + e.tokens, 0)
  const limited = events.filter((e) => e.status === 429).length
  const tokensPerWindow = (tokens / (to - from)) * WINDOW_MS
  return {
    tokensPerWindow,
    share: tokensPerWindow / TPM,
    requests: events.length,
    rate429: events.length === 0 ? 0 : limited / events.length,
    ok: served.length,
  }
}

const simOptions = {
  seed: 7,
  latencyMs: { min: 100, max: 300 },
  requestsPerMinute: RPM,
  tokensPerMinute: TPM,
  windowMs: WINDOW_MS,
  burst: BURST,
  answerTokens: { min: 300, max: 900 },
  retryAfterFormat: "both" as const,
}

/** The factory's provider: token buckets configured with the provider's limits, AIMD concurrency. */
const adaptive = async (sim: Simulator): Promise<Measure> => {
  const config: OpenAiLlmConfig = {
    kind: "openai",
    baseUrl: sim.url,
    model: "sim-korean",
    apiKeyEnv: "SIM_KEY",
    temperature: 0.8,
    maxTokens: MAX_TOKENS,
    timeoutMs: 10_000,
    limits: { requestsPerMinute: RPM, tokensPerMinute: TPM, burst: BURST, maxConcurrency: 64, initialConcurrency: 8 },
    retry: { maxRetries: 8, baseDelayMs: 50, maxDelayMs: 2_000, maxRetryAfterMs: 60_000 },
  }
  const start = Date.now()
  const end = start + WARMUP_MS + MEASURE_MS
  await Effect.runPromise(Effect.gen(function* () {
    const model = yield* makeOpenAiLanguageModel(config, { env: { SIM_KEY: "bench" }, limiterWindowMs: WINDOW_MS })
    let i = 0
    const worker = Effect.gen(function* () {
      while (Date.now() < end) yield* Effect.ignore(model.complete(promptOf(i++)))
    })
    const fibers = yield* Effect.forEach(Array.from({ length: WORKERS }), () => Effect.forkChild(worker))
    yield* Effect.sleep(end - Date.now())
    yield* Effect.forEach(fibers, Fiber.interrupt)
  }))
  return measure(sim, start + WARMUP_MS, end)
}

/** A fixed pool of workers that send as fast as they can and sleep the Retry-After on a 429. */
const fixed = async (sim: Simulator): Promise<Measure> => {
  const client = new OpenAI({ apiKey: "bench", baseURL: sim.url, maxRetries: 0, timeout: 10_000 })
  const start = Date.now()
  const end = start + WARMUP_MS + MEASURE_MS
  let i = 0
  const worker = async () => {
    while (Date.now() < end) {
      const r = promptOf(i++)
      try {
        await client.chat.completions.create({ model: "sim-korean", max_tokens: MAX_TOKENS, messages: r.messages.map((m) => ({ ...m })) })
      } catch (error) {
        const headers = (error as { headers?: Headers }).headers
        const ms = Number(headers?.get?.("retry-after-ms") ?? Number(headers?.get?.("retry-after") ?? 1) * 1000)
        await new Promise((done) => setTimeout(done, Math.min(ms, Math.max(0, end - Date.now()))))
      }
    }
  }
  await Promise.all(Array.from({ length: FIXED_CONCURRENCY }, worker))
  return measure(sim, start + WARMUP_MS, end)
}

const pct = (x: number) => Math.round(x * 10_000) / 100

export const run = async (): Promise<Array<BenchResult>> => {
  const sim = await startSimulator(simOptions)
  try {
    const a = await adaptive(sim)
    sim.reset()
    await new Promise((done) => setTimeout(done, 500)) // let the previous client's sockets drain
    sim.reset()
    const f = await fixed(sim)
    const scale = `time scaled 10× (limit window ${WINDOW_MS / 1000} s = "1 min"), ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up`
    return [
      {
        name: "llm adaptive: tokens/min share of TPM",
        value: pct(a.share),
        unit: "%",
        baseline: pct(f.share),
        ratio: Math.round((a.share / f.share) * 1_000) / 1_000,
        note: `${Math.round(a.tokensPerWindow)} of ${TPM} tokens/"min" (${RPM} RPM / ${TPM} TPM); baseline = fixed ${FIXED_CONCURRENCY}-concurrency client; target >= 95 %; ${scale}`,
      },
      {
        name: "llm adaptive: 429 share of requests",
        value: pct(a.rate429),
        unit: "%",
        baseline: pct(f.rate429),
        note: `${a.requests} requests, ${a.ok} served; target <= 1 %; baseline = fixed-concurrency client`,
      },
      {
        name: `llm fixed-${FIXED_CONCURRENCY}: tokens/min share of TPM`,
        value: pct(f.share),
        unit: "%",
        note: `${Math.round(f.tokensPerWindow)} tokens/"min"`,
      },
      {
        name: `llm fixed-${FIXED_CONCURRENCY}: 429 share of requests`,
        value: pct(f.rate429),
        unit: "%",
        note: `${f.requests} requests, ${f.ok} served`,
      },
    ]
  } finally {
    await sim.close()
  }
}

if (import.meta.main) {
  for (const r of await run()) {
    console.log(
      `${r.name.padEnd(44)} ${String(r.value).padStart(9)} ${r.unit}` +
        (r.baseline === undefined ? "" : `  (baseline ${r.baseline}${r.ratio === undefined ? "" : `, ratio ${r.ratio}`})`) +
        (r.note === undefined ? "" : `  — ${r.note}`),
    )
  }
}
