/**
 * The summary of a committed episode, handed to the writers of the next ones ("story so far"). The
 * offline one is built from the analysis (the episode's events and status changes); the LLM one is
 * abstractive (`llm.stages.summary`) and falls back to the offline one when its answer is unusable.
 */
import { Context, Effect } from "effect"
import type { EpisodeAnalysis } from "../domain/Analysis.ts"
import type { Bible } from "../domain/Bible.ts"
import type { LlmFatalError, LlmTransientError } from "../llm/LanguageModel.ts"
import { summarizeOffline } from "./OfflineSummary.ts"

export interface SummaryInput {
  readonly title: string
  readonly body: string
  readonly analysis: EpisodeAnalysis
  /** The Bible as the previous episode left it. */
  readonly bible: Bible
  readonly language: string
}

export interface SummarizerShape {
  readonly summarize: (input: SummaryInput) => Effect.Effect<string, LlmTransientError | LlmFatalError>
}

export const offlineSummarizer: SummarizerShape = {
  summarize: (input) =>
    Effect.sync(() => summarizeOffline({ body: input.body, analysis: input.analysis, bible: input.bible, title: input.title })),
}

export const Summarizer = Context.Reference<SummarizerShape>("novel-factory/Summarizer", { defaultValue: () => offlineSummarizer })
