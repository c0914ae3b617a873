import { Schema } from "effect"
import type { LlmStage } from "./LanguageModel.ts"

export type { LlmStage } from "./LanguageModel.ts"

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

/** Defaults of the optional top-level keys of the openai variant. */
export const DEFAULT_TEMPERATURE = 0.8
export const DEFAULT_MAX_TOKENS = 8192
/**
 * The whole-generation bound of one request: a streamed answer may take this long as long as it
 * keeps coming (8,192 tokens at 30 tokens/s is ~270 s), a non-streamed one gets no longer. Kept
 * within the worker's `pipeline.stageTimeoutMs` (300 000), which bounds the whole writer call.
 */
export const DEFAULT_TIMEOUT_MS = 300_000
/** A streamed answer with no chunk for this long is hung: abandoned, booked, retried. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000

/** The provider settings a stage may override; anything absent comes from the top level. */
const StageSettings = {
  baseUrl: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.String),
  apiKeyEnv: Schema.optionalKey(Schema.String),
  temperature: Schema.optionalKey(Schema.Number),
  maxTokens: Schema.optionalKey(PositiveInt),
  timeoutMs: Schema.optionalKey(PositiveInt),
  idleTimeoutMs: Schema.optionalKey(PositiveInt),
  /** Prose answers (the writer's) are streamed unless false (a provider that refuses `stream`). */
  stream: Schema.optionalKey(Schema.Boolean),
  /** Limits of this stage's provider when its base URL differs from the top level's. */
  limits: Schema.optionalKey(ProviderLimits),
}

/** `kind: offline` forces the stage's $0 implementation; `kind: openai` turns on a stage that is off by default (the critic). */
export const OpenAiStageConfig = Schema.Struct({
  kind: Schema.optionalKey(Schema.Literals(["openai", "offline"])),
  ...StageSettings,
})
export type OpenAiStageConfig = typeof OpenAiStageConfig.Type

/**
 * Under `llm.kind: offline` a stage block is accepted (so switching the top level back and forth
 * needs no other edit) but every stage is offline: an LLM stage needs the top level's provider.
 */
const OfflineStageConfig = Schema.Struct({
  kind: Schema.optionalKey(Schema.Literal("offline").annotate({
    message:
      "a stage can use the LLM only under llm.kind: openai (which names baseUrl, model and apiKeyEnv); to run just this stage on the LLM, set llm.kind: openai and give the other stages kind: offline",
  })),
  ...StageSettings,
})

/** A key that used to mean something: decoding it fails with `message` (the error's path names the key), saying what to use instead. */
const RemovedKey = (message: string) => Schema.optionalKey(Schema.Never.annotate({ message }))

const removedStages = {
  guard: RemovedKey(
    "removed: the guard's checks make no LLM call; its optional LLM check is the critic — use llm.stages.critic (kind: openai turns it on)",
  ),
  editor: RemovedKey("removed: the editor makes no LLM call — delete the key"),
}

const stagesOf = <S extends Schema.Top>(stage: S) =>
  Schema.Struct({
    writer: Schema.optionalKey(stage),
    critic: Schema.optionalKey(stage),
    analyst: Schema.optionalKey(stage),
    planner: Schema.optionalKey(stage),
    summary: Schema.optionalKey(stage),
    ...removedStages,
  })

/**
 * The `llm` openai variant:
 *
 * ```yaml
 * llm:
 *   kind: openai
 *   baseUrl: https://api.openai.com/v1
 *   model: gpt-4.1-mini
 *   apiKeyEnv: OPENAI_API_KEY        # the name of the variable, never the key
 *   temperature: 0.8                 # default 0.8
 *   maxTokens: 8192                  # default 8192
 *   timeoutMs: 300000                # default 300000: the whole generation of one request
 *   idleTimeoutMs: 30000             # default 30000: a streamed answer silent this long is abandoned
 *   stream: true                     # default true: prose answers streamed (structured ones never);
 *                                    # false for a provider that refuses or ignores `stream`
 *   limits: { requestsPerMinute: 500, tokensPerMinute: 200000, maxConcurrency: 32 }
 *   retry: { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30000, maxRetryAfterMs: 60000 }
 *   maxContinuations: 4
 *   stages:
 *     writer:  { model: gpt-4.1, temperature: 0.9 }
 *     critic:  { kind: openai, temperature: 0, maxTokens: 1024 }   # off unless kind: openai
 *     planner: { kind: offline }                                   # the $0 implementation
 *   journal: { retentionDays: 7 }    # every completion kept until its episode is committed + 7 days
 *   promptCacheKey: true             # default: true for api.openai.com only
 * ```
 */
export const OpenAiLlmConfig = Schema.Struct({
  kind: Schema.Literal("openai"),
  baseUrl: Schema.String,
  model: Schema.String,
  apiKeyEnv: Schema.String,
  temperature: Schema.optionalKey(Schema.Number),
  maxTokens: Schema.optionalKey(PositiveInt),
  timeoutMs: Schema.optionalKey(PositiveInt),
  idleTimeoutMs: Schema.optionalKey(PositiveInt),
  stream: Schema.optionalKey(Schema.Boolean),
  limits: Schema.optionalKey(ProviderLimits),
  retry: Schema.optionalKey(RetryConfig),
  /** Follow-up requests for a prose answer cut by `finish_reason: "length"`. Default 4. */
  maxContinuations: Schema.optionalKey(NonNegativeInt),
  stages: Schema.optionalKey(stagesOf(OpenAiStageConfig)),
  /**
   * The call journal (src/llm/CallJournal.ts): on by default. Entries of committed episodes are
   * dropped `retentionDays` after they were recorded (default 7), by an hourly pruner.
   */
  journal: Schema.optionalKey(Schema.Struct({
    enabled: Schema.optionalKey(Schema.Boolean),
    retentionDays: Schema.optionalKey(PositiveNumber),
  })),
  /**
   * Send OpenAI's `prompt_cache_key` (one per project) so a project's requests land on the
   * provider's cache for their shared prefix. Default: on for api.openai.com, off elsewhere (a
   * provider that does not know the field may refuse the request).
   */
  promptCacheKey: Schema.optionalKey(Schema.Boolean),
  /**
   * The batch lane (src/llm/BatchLane.ts) for work off the publishing path: requests go through
   * the provider's Batch API (`/v1/files` + `/v1/batches`, billed at `discount` × the price,
   * OpenAI's 50 % by default), their batch ids journaled so a restart re-attaches to them.
   */
  batch: Schema.optionalKey(Schema.Struct({
    pollMs: Schema.optionalKey(PositiveInt),
    discount: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  })),
}).check(
  // An idle timeout set longer than the whole-generation bound would never fire: the config is wrong, say where.
  // (Left unset, the idle timeout is simply capped at timeoutMs.)
  Schema.makeFilter((llm) => {
    const levels: Array<readonly [ReadonlyArray<string>, number | undefined, number]> = [
      [[], llm.idleTimeoutMs, llm.timeoutMs ?? DEFAULT_TIMEOUT_MS],
    ]
    for (const [name, s] of Object.entries(llm.stages ?? {}) as ReadonlyArray<[string, OpenAiStageConfig | undefined]>) {
      levels.push([["stages", name], s?.idleTimeoutMs, s?.timeoutMs ?? llm.timeoutMs ?? DEFAULT_TIMEOUT_MS])
    }
    for (const [at, idle, whole] of levels) {
      if (idle !== undefined && idle > whole) {
        return {
          path: [...at, "idleTimeoutMs"],
          issue: `${idle} must not exceed timeoutMs (${whole}): the idle timeout bounds the silence between streamed chunks, timeoutMs the whole generation`,
        }
      }
    }
    return undefined
  }),
)
export type OpenAiLlmConfig = typeof OpenAiLlmConfig.Type

/**
 * Every stage offline: the deterministic writer and the stages' $0 implementations. `latencyMs`
 * paces the offline writer like a real model (each call waits that long on Effect's Clock) — for
 * demos and for tests that must kill a process mid-run.
 */
export const OfflineLlmConfig = Schema.Struct({
  kind: Schema.Literal("offline"),
  latencyMs: Schema.optionalKey(NonNegativeInt),
  stages: Schema.optionalKey(stagesOf(OfflineStageConfig)),
})
export type OfflineLlmConfig = typeof OfflineLlmConfig.Type

export const LlmConfig = Schema.Union([OfflineLlmConfig, OpenAiLlmConfig])
export type LlmConfig = typeof LlmConfig.Type

/** One stage's settings with every default resolved. */
export interface ResolvedStage {
  readonly stage: LlmStage
  readonly baseUrl: string
  readonly model: string
  readonly apiKeyEnv: string
  readonly temperature: number
  readonly maxTokens: number
  /** The whole generation of one request (streamed or not). */
  readonly timeoutMs: number
  /** The longest silence between a streamed answer's chunks (and before the first). */
  readonly idleTimeoutMs: number
  /** Whether prose answers are requested with `stream: true`. */
  readonly stream: boolean
  readonly limits: ProviderLimits
}

export type StageRoute = { readonly kind: "offline" } | { readonly kind: "openai"; readonly settings: ResolvedStage }

/**
 * Under `llm.kind: openai`, the stages that call the LLM unless told `kind: offline`. The critic
 * is an extra check on top of the guard's $0 ones, paid per draft: it stays off until asked for.
 */
const ON_BY_DEFAULT: ReadonlySet<LlmStage> = new Set(["writer", "analyst", "planner", "summary"])

/** Where a stage runs: its $0 offline implementation, or the LLM with these settings. The one place that decides. */
export const stageRoute = (config: LlmConfig, stage: LlmStage): StageRoute => {
  if (config.kind === "offline") return { kind: "offline" }
  const kind = config.stages?.[stage]?.kind ?? (ON_BY_DEFAULT.has(stage) ? "openai" : "offline")
  return kind === "offline" ? { kind: "offline" } : { kind: "openai", settings: resolveStage(config, stage) }
}

const resolveStage = (config: OpenAiLlmConfig, stage: LlmStage): ResolvedStage => {
  const o = config.stages?.[stage] ?? {}
  const baseUrl = o.baseUrl ?? config.baseUrl
  const timeoutMs = o.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return {
    stage,
    baseUrl,
    model: o.model ?? config.model,
    apiKeyEnv: o.apiKeyEnv ?? config.apiKeyEnv,
    temperature: o.temperature ?? config.temperature ?? DEFAULT_TEMPERATURE,
    maxTokens: o.maxTokens ?? config.maxTokens ?? DEFAULT_MAX_TOKENS,
    timeoutMs,
    idleTimeoutMs: Math.min(timeoutMs, o.idleTimeoutMs ?? config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS),
    stream: o.stream ?? config.stream ?? true,
    limits: o.limits ?? (baseUrl === config.baseUrl ? config.limits ?? {} : {}),
  }
}

/** Rate limits are per provider: one base URL used with one key. */
export const providerKey = (s: ResolvedStage): string => `${s.baseUrl.replace(/\/+$/, "")}#${s.apiKeyEnv}`
