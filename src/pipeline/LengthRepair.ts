/**
 * Length repair instead of a rewrite. Real models miss the length band often (σ ≈ 450 characters
 * around a 5,000–5,500 band), and a whole new draft for a length miss costs a whole draft's tokens
 * and may bring new faults. So a draft whose only errors are its length is mended:
 *
 * - too long: trimmed at a paragraph boundary ($0), never below the band's minimum;
 * - too short: the writer is asked to continue the text it wrote (a continuation request: the
 *   draft so far as its own answer, then how much more is wanted), and the continuation is appended.
 *
 * The mended draft goes through the guard again; only a draft the guard rejects for something else
 * (or that still misses the band) goes back to the writer for a real redraft.
 */
import type { WriterBrief } from "../domain/Brief.ts"
import { countCharsWithSpaces, type GuardFinding, type GuardVerdict } from "../domain/Episode.ts"
import type { ChatMessage } from "../llm/LanguageModel.ts"
import { languageName, renderWriterPrompt } from "../llm/Prompt.ts"

export type LengthMiss = "short" | "long"

/** "short" or "long" when the length band is the verdict's only error, else undefined. */
export const lengthOnlyMiss = (verdict: GuardVerdict): LengthMiss | undefined => {
  const errors = verdict.findings.filter((f: GuardFinding) => f.severity === "error")
  if (errors.length !== 1) return undefined
  return errors[0]!.code === "length.short" ? "short" : errors[0]!.code === "length.long" ? "long" : undefined
}

/**
 * The longest prefix of whole paragraphs (blank-line separated) that fits under `max` and reaches
 * `min`, or undefined when no paragraph boundary gives one (a single huge paragraph: rewrite).
 */
export const trimToBand = (text: string, band: { readonly min: number; readonly max: number }): string | undefined => {
  const paragraphs = text.replace(/\r\n?/g, "\n").trimEnd().split(/\n[ \t]*\n/)
  let kept = paragraphs.length
  while (kept > 1) {
    kept--
    const candidate = paragraphs.slice(0, kept).join("\n\n")
    const n = countCharsWithSpaces(candidate)
    if (n < band.min) return undefined
    if (n <= band.max) return candidate
  }
  return undefined
}

/** What a continuation asks for: the missing characters and some margin, since models stop early. */
export const continuationTarget = (current: number, band: { readonly min: number; readonly max: number }): number =>
  Math.max(1, Math.round((band.min + band.max) / 2) - current)

/** The writer's conversation with its short draft as its own answer, then the request to go on. */
export const extensionPrompt = (brief: WriterBrief, draft: string): Array<ChatMessage> => {
  const current = countCharsWithSpaces(draft)
  const more = continuationTarget(current, brief.lengthBand)
  return [
    ...renderWriterPrompt(brief),
    { role: "assistant", content: draft },
    {
      role: "user",
      content: [
        `The episode is ${current} characters long; it must be between ${brief.lengthBand.min} and ${brief.lengthBand.max}.`,
        `Continue the story exactly where it stops, in ${languageName(brief.language)}, adding about ${more} characters,`,
        "and bring the episode to a natural end. Write only the continuation: no title, no repetition, no commentary.",
      ].join(" "),
    },
  ]
}

/** The draft with the continuation appended as new paragraphs (a stray heading of the answer dropped). */
export const appendContinuation = (draft: string, continuation: string): string => {
  const more = continuation.replace(/\r\n?/g, "\n").replace(/^\s*#[^\n]*\n/, "").trim()
  return more === "" ? draft : `${draft.trimEnd()}\n\n${more}`
}
