/**
 * The analyst, summary and critic implementations the config routes to (`stageRoute`): the LLM
 * ones close over the factory's (metered) `LanguageModel`; an offline route keeps the $0 default.
 */
import { Effect, Layer } from "effect"
import { LanguageModel, type LlmStage } from "../llm/LanguageModel.ts"
import { type LlmConfig, stageRoute } from "../llm/LlmConfig.ts"
import { Analyst } from "./Analyst.ts"
import { Critic } from "./Critic.ts"
import { llmAnalyst } from "./LlmAnalyst.ts"
import { llmCritic } from "./LlmCritic.ts"
import { llmSummarizer } from "./LlmSummarizer.ts"
import { Summarizer } from "./Summarizer.ts"

export const storyStagesLayer = (config: LlmConfig) => {
  const onLlm = (stage: LlmStage) => stageRoute(config, stage).kind === "openai"
  return Layer.mergeAll(
    onLlm("analyst") ? Layer.effect(Analyst, Effect.map(LanguageModel.use(Effect.succeed), llmAnalyst)) : Layer.empty,
    onLlm("summary") ? Layer.effect(Summarizer, Effect.map(LanguageModel.use(Effect.succeed), llmSummarizer)) : Layer.empty,
    onLlm("critic") ? Layer.effect(Critic, Effect.map(LanguageModel.use(Effect.succeed), llmCritic)) : Layer.empty,
  )
}
