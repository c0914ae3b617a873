import { Context, Data, type Effect } from "effect"
import type { WriterBrief } from "../domain/Brief.ts"

export type Stage = "writer" | "guard" | "editor"

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant"
  readonly content: string
}

export interface CompletionRequest {
  readonly stage: Stage
  readonly messages: ReadonlyArray<ChatMessage>
  /** The structured brief the messages were rendered from (the offline writer reads it). */
  readonly brief?: WriterBrief
  readonly maxTokens?: number
  readonly temperature?: number
}

export interface TokenUsage {
  /** Includes the cached tokens, as OpenAI counts them. */
  readonly promptTokens: number
  readonly cachedTokens: number
  readonly completionTokens: number
}

export interface Completion {
  readonly text: string
  /** "length" is not a failure: the caller continues the text. */
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
}> {}

export interface LanguageModelShape {
  readonly name: string
  readonly complete: (request: CompletionRequest) => Effect.Effect<Completion, LlmTransientError | LlmFatalError>
}

export class LanguageModel extends Context.Service<LanguageModel, LanguageModelShape>()("novel-factory/LanguageModel") {}
