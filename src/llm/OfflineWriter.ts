/**
 * The offline writer as a `LanguageModel`: the writer stage's $0 default. It answers a writer request
 * with the draft the composer (`offline/Composer.ts`) makes from the request's `WriterBrief` — same
 * brief, same text — and books token estimates so the ledger reads as it would with a model.
 *
 * The composer's parts: Korean grammar in `src/text/` (`Particles.ts` josa, `Verbs.ts` tenses), the
 * phrase banks as data (`offline/phrases/*.json`, loaded by `offline/PhraseBanks.ts`), the template
 * language (`offline/Templates.ts`) and the composer itself (`offline/Composer.ts`).
 */
import { Effect, Layer } from "effect"
import type { WriterBrief } from "../domain/Brief.ts"
import { isSyllableCode } from "../text/Hangul.ts"
import {
  type Completion,
  type CompletionRequest,
  LanguageModel,
  type LanguageModelShape,
  LlmFatalError,
} from "./LanguageModel.ts"
import { composeEpisode } from "./offline/Composer.ts"

export { composeEpisode, draftSeed } from "./offline/Composer.ts"

export const OFFLINE_MODEL = "offline-writer-1"
export const OFFLINE_PROVIDER = "offline"

/**
 * Token estimate from text length, as a tokenizer of the GPT-4o family roughly counts:
 * one token per Hangul syllable (Korean splits into about 1 token per syllable), and one per
 * four other characters (the usual rule of thumb for English and punctuation).
 */
export const estimateTokens = (text: string): number => {
  let hangul = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isSyllableCode(c)) hangul++
    else other++
  }
  return hangul + Math.ceil(other / 4)
}

/**
 * The offline writer around a composer: `composeEpisode` here, or the same function on a stage
 * thread (see `src/pipeline/Stages.ts`); the answer is the same either way.
 */
export const makeWith = (compose: (brief: WriterBrief) => Effect.Effect<string>): LanguageModelShape => ({
  name: "offline",
  complete: (request: CompletionRequest): Effect.Effect<Completion, LlmFatalError> =>
    Effect.suspend(() => {
      const brief = request.brief
      if (request.stage !== "writer" || brief === undefined) {
        return Effect.fail(new LlmFatalError({ message: `the offline writer only composes episodes from a WriterBrief (stage '${request.stage}')` }))
      }
      return Effect.map(compose(brief), (text) => {
        const prompt = request.messages.length > 0
          ? request.messages.map((m) => m.content).join("\n")
          : JSON.stringify(brief)
        return {
          text,
          finishReason: "stop" as const,
          usage: { promptTokens: estimateTokens(prompt), cachedTokens: 0, completionTokens: estimateTokens(text) },
          model: OFFLINE_MODEL,
          provider: OFFLINE_PROVIDER,
        }
      })
    }),
})

export const make: LanguageModelShape = makeWith((brief) => Effect.sync(() => composeEpisode(brief)))

export const OfflineWriter = {
  make,
  makeWith,
  layer: Layer.succeed(LanguageModel, make),
  composeEpisode,
} as const
