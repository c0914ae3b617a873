import type { TokenUsage } from "./LanguageModel.ts"

/**
 * The `usage` object of a chat-completions answer, as OpenAI-compatible providers report it.
 * Each states its prompt cache in its own fields:
 *
 * | provider | cache read | cache write |
 * |---|---|---|
 * | OpenAI (and most compatible servers) | `prompt_tokens_details.cached_tokens` | — (free) |
 * | DeepSeek | `prompt_cache_hit_tokens` (`prompt_cache_miss_tokens` = the rest) | — |
 * | Anthropic-compatible gateways | `cache_read_input_tokens` | `cache_creation_input_tokens` |
 *
 * `promptTokens` always includes the cached and cache-written tokens (OpenAI's convention). An
 * Anthropic-style gateway that reports `prompt_tokens` without them (fewer prompt tokens than
 * cache reads and writes together) has them added back.
 */
export interface WireUsage {
  readonly prompt_tokens?: number | null
  readonly completion_tokens?: number | null
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null
  readonly prompt_cache_hit_tokens?: number | null
  readonly prompt_cache_miss_tokens?: number | null
  readonly cache_read_input_tokens?: number | null
  readonly cache_creation_input_tokens?: number | null
}

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0)

export const readUsage = (usage: WireUsage): TokenUsage => {
  const reported = count(usage.prompt_tokens)
  const cacheRead = count(usage.prompt_tokens_details?.cached_tokens) || count(usage.prompt_cache_hit_tokens) || count(usage.cache_read_input_tokens)
  const cacheWrite = count(usage.cache_creation_input_tokens)
  const anthropicStyle = usage.cache_read_input_tokens !== undefined || usage.cache_creation_input_tokens !== undefined
  const promptTokens = anthropicStyle && reported < cacheRead + cacheWrite
    ? reported + cacheRead + cacheWrite
    : Math.max(reported, count(usage.prompt_cache_hit_tokens) + count(usage.prompt_cache_miss_tokens))
  return {
    promptTokens,
    cachedTokens: Math.min(cacheRead, promptTokens),
    completionTokens: count(usage.completion_tokens),
    ...(cacheWrite > 0 ? { cacheWriteTokens: Math.min(cacheWrite, promptTokens - Math.min(cacheRead, promptTokens)) } : {}),
  }
}
