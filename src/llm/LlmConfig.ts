import { Schema } from "effect"
import type { Stage } from "./LanguageModel.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const PositiveNumber = Schema.Number.check(Schema.isGreaterThan(0))

/** Client-side limits of one provider (base URL + key). Absent values: unlimited / defaults. */
export const ProviderLimits = Schema.Struct({
  requestsPerMinute: Schema.optionalKey(PositiveNumber),
  tokensPerMinute: Schema.optionalKey(PositiveNumber),
  /** Upper bound of the adaptive concurrency (AIMD). Default 64. */
  maxConcurrency: Schema.optionalKey(PositiveInt),
  /** Where the adaptive concurrency starts. Default 4. */
  initialConcurrency: Schema.optionalKey(PositiveInt),
  /**
   * Share of a minute's limits that may be spent at once (bucket capacity). Default 1; lower it
   * (e.g. 0.1) for providers that enforce the per-minute limit over shorter periods.
   */
  burst: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0.001, maximum: 1 }))),
})
export type ProviderLimits = typeof ProviderLimits.Type

/** How transient failures (429, 5xx, time-outs, resets) are retried inside one `complete` call. */
export const RetryConfig = Schema.Struct({
  /** Retries after the first attempt; then the LlmTransientError reaches the pipeline, which re-queues the job. */
  maxRetries: NonNegativeInt,
  baseDelayMs: PositiveInt,
  maxDelayMs: PositiveInt,
  /** A `Retry-After` longer than this is not waited for here: the error (with `retryAfterMs`) goes up instead. */
  maxRetryAfterMs: PositiveInt,
})
export type RetryConfig = typeof RetryConfig.Type

export const defaultRetry: RetryConfig = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 }

/** Per-stage overrides; anything absent comes from the top level. */
export const OpenAiStageConfig = Schema.Struct({
  baseUrl: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.String),
  apiKeyEnv: Schema.optionalKey(Schema.String),
  temperature: Schema.optionalKey(Schema.Number),
  maxTokens: Schema.optionalKey(PositiveInt),
  timeoutMs: Schema.optionalKey(PositiveInt),
  /** Limits of this stage's provider when its base URL differs from the top level's. */
  limits: Schema.optionalKey(ProviderLimits),
})
export type OpenAiStageConfig = typeof OpenAiStageConfig.Type

/**
 * The `llm` openai variant, a superset of the one in FactoryConfig.ts (same flat keys, so existing
 * files still decode):
 *
 * ```yaml
 * llm:
 *   kind: openai
 *   baseUrl: https://api.openai.com/v1
 *   model: gpt-4.1-mini
 *   apiKeyEnv: OPENAI_API_KEY        # the name of the variable, never the key
 *   temperature: 0.8
 *   maxTokens: 8192
 *   timeoutMs: 120000
 *   limits: { requestsPerMinute: 500, tokensPerMinute: 200000, maxConcurrency: 32 }
 *   retry: { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30000, maxRetryAfterMs: 60000 }
 *   maxContinuations: 4
 *   stages:
 *     writer: { model: gpt-4.1, temperature: 0.9 }
 *     guard:  { model: gpt-4.1-mini, temperature: 0, maxTokens: 1024, timeoutMs: 60000 }
 *     editor: { temperature: 0.3 }
 * ```
 */
export const OpenAiLlmConfig = Schema.Struct({
  kind: Schema.Literal("openai"),
  baseUrl: Schema.String,
  model: Schema.String,
  apiKeyEnv: Schema.String,
  temperature: Schema.Number,
  maxTokens: PositiveInt,
  timeoutMs: PositiveInt,
  limits: Schema.optionalKey(ProviderLimits),
  retry: Schema.optionalKey(RetryConfig),
  /** Follow-up requests for an answer cut by `finish_reason: "length"`. Default 4. */
  maxContinuations: Schema.optionalKey(NonNegativeInt),
  stages: Schema.optionalKey(Schema.Struct({
    writer: Schema.optionalKey(OpenAiStageConfig),
    guard: Schema.optionalKey(OpenAiStageConfig),
    editor: Schema.optionalKey(OpenAiStageConfig),
  })),
})
export type OpenAiLlmConfig = typeof OpenAiLlmConfig.Type

/**
 * The deterministic offline writer. `latencyMs` paces it like a real model (each call waits
 * that long on Effect's Clock) — for demos and for tests that must kill a process mid-run.
 */
export const OfflineLlmConfig = Schema.Struct({
  kind: Schema.Literal("offline"),
  latencyMs: Schema.optionalKey(NonNegativeInt),
})
export type OfflineLlmConfig = typeof OfflineLlmConfig.Type

export const LlmConfig = Schema.Union([OfflineLlmConfig, OpenAiLlmConfig])
export type LlmConfig = typeof LlmConfig.Type

/** One stage's settings with every default resolved. */
export interface ResolvedStage {
  readonly stage: Stage
  readonly baseUrl: string
  readonly model: string
  readonly apiKeyEnv: string
  readonly temperature: number
  readonly maxTokens: number
  readonly timeoutMs: number
  readonly limits: ProviderLimits
}

export const STAGES: ReadonlyArray<Stage> = ["writer", "guard", "editor"]

export const resolveStage = (config: OpenAiLlmConfig, stage: Stage): ResolvedStage => {
  const o = config.stages?.[stage] ?? {}
  const baseUrl = o.baseUrl ?? config.baseUrl
  return {
    stage,
    baseUrl,
    model: o.model ?? config.model,
    apiKeyEnv: o.apiKeyEnv ?? config.apiKeyEnv,
    temperature: o.temperature ?? config.temperature,
    maxTokens: o.maxTokens ?? config.maxTokens,
    timeoutMs: o.timeoutMs ?? config.timeoutMs,
    limits: o.limits ?? (baseUrl === config.baseUrl ? config.limits ?? {} : {}),
  }
}

/** Rate limits are per provider: one base URL used with one key. */
export const providerKey = (s: ResolvedStage): string => `${s.baseUrl.replace(/\/+$/, "")}#${s.apiKeyEnv}`
