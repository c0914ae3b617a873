/**
 * The analyst, summary and critic implementations the config routes to (`stageRoute`): the LLM
 * ones close over the factory's (metered) `LanguageModel`; an offline route keeps the $0 default.
 * A call for one of `offline`'s projects (the canary's, by default) takes the $0 one whatever
 * the route.
 */
import { Effect, Layer } from "effect"
import { LanguageModel, type LlmStage } from "../llm/LanguageModel.ts"
import { type LlmConfig, stageRoute } from "../llm/LlmConfig.ts"
import { callRunsOffline, NO_OFFLINE_PROJECTS, type OfflineProjects } from "../ops/canary/CanaryRoute.ts"
import { Analyst, type AnalystShape, offlineAnalyst } from "./Analyst.ts"
import { Critic, type CriticShape, noCritic } from "./Critic.ts"
import { llmAnalyst } from "./LlmAnalyst.ts"
import { llmCritic } from "./LlmCritic.ts"
import { llmSummarizer } from "./LlmSummarizer.ts"
import { offlineSummarizer, Summarizer, type SummarizerShape } from "./Summarizer.ts"

export const storyStagesLayer = (config: LlmConfig, offline: OfflineProjects = NO_OFFLINE_PROJECTS) => {
  const onLlm = (stage: LlmStage) => stageRoute(config, stage).kind === "openai"
  const either = <A, E>(llm: Effect.Effect<A, E>, zero: Effect.Effect<A, E>) =>
    Effect.flatMap(callRunsOffline(offline), (stayOffline) => (stayOffline ? zero : llm))
  const analyst = (llm: AnalystShape): AnalystShape => ({ analyze: (input) => either(llm.analyze(input), offlineAnalyst.analyze(input)) })
  const summarizer = (llm: SummarizerShape): SummarizerShape => ({
    summarize: (input) => either(llm.summarize(input), offlineSummarizer.summarize(input)),
  })
  const critic = (llm: CriticShape): CriticShape => ({ judge: (brief, draft) => either(llm.judge(brief, draft), noCritic.judge(brief, draft)) })
  return Layer.mergeAll(
    onLlm("analyst") ? Layer.effect(Analyst, Effect.map(LanguageModel.use(Effect.succeed), (m) => analyst(llmAnalyst(m)))) : Layer.empty,
    onLlm("summary") ? Layer.effect(Summarizer, Effect.map(LanguageModel.use(Effect.succeed), (m) => summarizer(llmSummarizer(m)))) : Layer.empty,
    onLlm("critic") ? Layer.effect(Critic, Effect.map(LanguageModel.use(Effect.succeed), (m) => critic(llmCritic(m)))) : Layer.empty,
  )
}
