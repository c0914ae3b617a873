/**
 * The LLM critic (`llm.stages.critic.kind: openai`): the judge prompt over the brief and the draft.
 * Findings without a quote found in the draft cannot reject it (see `parseJudgeVerdict`); an answer
 * that cannot be read is a warning, not a verdict.
 */
import { Effect } from "effect"
import { JudgeParseError, parseJudgeVerdict, renderJudgePrompt } from "../llm/Prompt.ts"
import type { LanguageModel } from "../llm/LanguageModel.ts"
import type { CriticShape } from "./Critic.ts"

export const llmCritic = (model: typeof LanguageModel.Service): CriticShape => ({
  judge: (brief, draft) =>
    model.complete({ stage: "critic", messages: renderJudgePrompt(brief, draft) }).pipe(
      Effect.map((completion) => {
        const verdict = parseJudgeVerdict(completion.text, draft)
        if (!(verdict instanceof JudgeParseError)) return verdict
        return {
          accepted: true,
          reward: 1,
          findings: [{ code: "critic.unreadable", category: "style" as const, severity: "warning" as const, message: verdict.message }],
        }
      }),
    ),
})
