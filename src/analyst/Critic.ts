/**
 * The critic: an optional LLM judge after the $0 guard (`llm.stages.critic.kind: openai`; off by
 * default). Its offline implementation adds nothing — the guard's deterministic checks are the $0
 * critic. Its verdict joins the guard's: the rewards multiply, and either can reject.
 */
import { Context, Effect } from "effect"
import type { WriterBrief } from "../domain/Brief.ts"
import type { GuardVerdict } from "../domain/Episode.ts"
import type { LlmFatalError, LlmTransientError } from "../llm/LanguageModel.ts"

export interface CriticShape {
  /** The critic's own verdict on an accepted draft, or undefined when there is no critic. */
  readonly judge: (brief: WriterBrief, draft: string) => Effect.Effect<GuardVerdict | undefined, LlmTransientError | LlmFatalError>
}

export const noCritic: CriticShape = { judge: () => Effect.succeed(undefined) }

export const Critic = Context.Reference<CriticShape>("novel-factory/Critic", { defaultValue: () => noCritic })

/** The guard's verdict joined with the critic's: findings of both, rewards multiplied, accepted only if both accept. */
export const joinVerdicts = (guard: GuardVerdict, critic: GuardVerdict | undefined, acceptReward: number): GuardVerdict => {
  if (critic === undefined) return guard
  const reward = guard.reward * critic.reward
  return {
    accepted: guard.accepted && critic.accepted && reward >= acceptReward,
    reward,
    findings: [...guard.findings, ...critic.findings],
  }
}
