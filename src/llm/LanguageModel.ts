import { Context, Data, type Effect } from "effect"
import type { WriterBrief } from "../domain/Brief.ts"

/**
 * The stages that may call a model. Each also has a $0 offline implementation; which one runs is
 * decided by `stageRoute` (src/llm/LlmConfig.ts).
 */
export type LlmStage = "writer" | "critic" | "analyst" | "planner" | "summary"

export const LLM_STAGES: ReadonlyArray<LlmStage> = ["writer", "critic", "analyst", "planner", "summary"]

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant"
  readonly content: string
}

/**
 * Asks the provider for JSON matching `schema` (sent as OpenAI's `response_format: json_schema`,
 * strict). The schema must already be strict-compatible: see `toStrictJsonSchema`.
 */
export interface ResponseFormat {
  /** `^[a-zA-Z0-9_-]{1,64}$`, as the provider requires. */
  readonly name: string
  readonly schema: Record<string, unknown>
}

export interface CompletionRequest {
  readonly stage: LlmStage
  /**
   * Routes the request to the provider's prompt cache for this key (OpenAI's `prompt_cache_key`),
   * so requests sharing a prefix meet on one cache; the provider sets it per project when enabled.
   */
  readonly cacheKey?: string
  readonly messages: ReadonlyArray<ChatMessage>
  /** Structured output: the answer is one JSON value, never continued when cut by `length`. */
  readonly responseFormat?: ResponseFormat
  /** The structured brief the messages were rendered from (the offline writer reads it). */
  readonly brief?: WriterBrief
  readonly maxTokens?: number
  readonly temperature?: number
}

export interface TokenUsage {
  /** Includes the cached (and cache-written) tokens, as OpenAI counts them. */
  readonly promptTokens: number
  /** Prompt tokens served from the provider's cache (billed at `cachedInput`). */
  readonly cachedTokens: number
  readonly completionTokens: number
  /** Prompt tokens written to the provider's cache, where it bills that (Anthropic-style: `cacheWrite`). */
  readonly cacheWriteTokens?: number
}

export interface Completion {
  readonly text: string
  /**
   * "length": the answer was cut at `maxTokens`. A prose answer was already continued as far as
   * `maxContinuations` allows; a structured one is never continued (its JSON is incomplete).
   */
  readonly finishReason: "stop" | "length"
  readonly usage: TokenUsage
  readonly model: string
  readonly provider: string
}

/**
 * Tokens a call had already spent when it failed (a truncated answer continued, then a
 * follow-up request failed): the provider bills them, so the ledger books them too.
 */
export interface SpentTokens {
  readonly usage: TokenUsage
  readonly model: string
  readonly provider: string
}

/** 429, 5xx, time-outs, connection resets: retry with back-off (honouring `retryAfterMs`). Never dead-letters a job. */
export class LlmTransientError extends Data.TaggedError("LlmTransientError")<{
  readonly message: string
  readonly status?: number
  readonly retryAfterMs?: number
  readonly spent?: SpentTokens
}> {}

/** 400, 401, 404 …: retrying will not help; the job fails with this cause. */
export class LlmFatalError extends Data.TaggedError("LlmFatalError")<{
  readonly message: string
  readonly status?: number
  readonly spent?: SpentTokens
  /**
   * The provider refused this answer (its content filter, a refusal): not the job's end — the writer
   * gets it back as a finding and drafts again; a data stage falls back to its offline implementation.
   */
  readonly refused?: boolean
}> {}

export interface LanguageModelShape {
  readonly name: string
  readonly complete: (request: CompletionRequest) => Effect.Effect<Completion, LlmTransientError | LlmFatalError>
}

export class LanguageModel extends Context.Service<LanguageModel, LanguageModelShape>()("novel-factory/LanguageModel") {}
