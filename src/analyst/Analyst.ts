/**
 * The analyst: what an episode's final text changed in the story, as typed Bible deltas with
 * evidence (`EpisodeAnalysis`). It runs between the accepted, edited draft and the commit; its
 * deltas are provisional until the commit merges them into the Bible.
 *
 * The offline analyst ($0, deterministic, rule-based) is the default; `llm.stages.analyst` routes it
 * to the LLM (`LlmAnalyst.ts`), which runs the offline one first and never blocks the novel.
 */
import { Context, Effect } from "effect"
import type { EpisodeAnalysis } from "../domain/Analysis.ts"
import type { Bible } from "../domain/Bible.ts"
import type { LlmFatalError, LlmTransientError } from "../llm/LanguageModel.ts"
import { Stages } from "../pipeline/Stages.ts"

export interface AnalystInput {
  /** The episode's final body (Markdown, title line excluded). */
  readonly text: string
  /** The Bible as the previous episode left it. */
  readonly bible: Bible
  readonly episode: number
  readonly language: string
  /** The outline's open foreshadowing threads, for the analyst to mark the ones the text plants, hints at or pays off. */
  readonly threads?: ReadonlyArray<{ readonly id: string; readonly description: string }>
}

export interface AnalystShape {
  /** Fails only with the LLM's outages and refusals (the offline analyst never fails). */
  readonly analyze: (input: AnalystInput) => Effect.Effect<EpisodeAnalysis, LlmTransientError | LlmFatalError>
}

/**
 * `analyzeOffline`, where the stages run: on a stage thread in the factory, which has usually worked
 * it out already, unasked, after the guard accepted the draft (see `StageThreads.ts`).
 */
export const offlineAnalyst: AnalystShape = {
  analyze: (input) =>
    Stages.use((stages) => Effect.map(stages.analyze({ text: input.text, bible: input.bible, episode: input.episode }), (a) => a.analysis)),
}

/** The offline analyst unless a layer (the factory's, from `llm.stages.analyst`) provides the LLM one. */
export const Analyst = Context.Reference<AnalystShape>("novel-factory/Analyst", { defaultValue: () => offlineAnalyst })
