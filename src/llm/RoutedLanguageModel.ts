import type { LanguageModelShape } from "./LanguageModel.ts"
import { type LlmConfig, stageRoute } from "./LlmConfig.ts"

/**
 * One `LanguageModel` over both implementations: each request goes where `stageRoute` sends its
 * stage. Under `llm.kind: openai` a stage can still be told `kind: offline` — for the writer that
 * is the offline writer, which is itself a `LanguageModel`, so the choice is made here rather
 * than in every caller.
 */
export const routedLanguageModel = (
  config: LlmConfig,
  implementations: { readonly offline: LanguageModelShape; readonly openai: LanguageModelShape },
): LanguageModelShape => ({
  name: `${implementations.openai.name}+${implementations.offline.name}`,
  complete: (request) =>
    stageRoute(config, request.stage).kind === "openai"
      ? implementations.openai.complete(request)
      : implementations.offline.complete(request),
})
