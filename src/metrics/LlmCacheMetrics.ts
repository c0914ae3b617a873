import { Effect, Metric } from "effect"
import type { TokenUsage } from "../llm/LanguageModel.ts"

/**
 * The provider's prompt cache per project: prompt tokens sent and the part served from the cache.
 * `cached / prompt` is the hit share (what the cache-aware prompt layout is for); zero-initialised
 * by the first call of a project.
 */
const promptTokens = Metric.counter("novel_factory_llm_prompt_tokens_total", {
  description: "Prompt tokens sent to the LLM provider (cached ones included), per project and stage",
  incremental: true,
})
const cachedTokens = Metric.counter("novel_factory_llm_cached_prompt_tokens_total", {
  description: "Prompt tokens the LLM provider served from its prompt cache, per project and stage",
  incremental: true,
})

export const recordPromptCache = (project: string | null, stage: string, usage: TokenUsage): Effect.Effect<void> => {
  const attributes = { project: project ?? "(none)", stage }
  return Effect.andThen(
    Metric.update(Metric.withAttributes(promptTokens, attributes), usage.promptTokens),
    Metric.update(Metric.withAttributes(cachedTokens, attributes), usage.cachedTokens),
  )
}
