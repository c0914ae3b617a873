/**
 * Length repair instead of a rewrite. Real models miss the length band often (σ ≈ 450 characters
 * around a 5,000–5,500 band), and a whole new draft for a length miss costs a whole draft's tokens
 * and may bring new faults. So a draft whose only errors are its length is mended:
 *
 * - too long: trimmed at a paragraph boundary ($0), never below the band's minimum;
 * - too short: the writer is asked to continue the text it wrote (a continuation request: the
 *   draft's last paragraphs as its own answer, then how much more is wanted), and the continuation
 *   is appended — a continuation that overshoots is trimmed, one that falls short is continued again
 *   (up to `MAX_LENGTH_MENDS` steps in all).
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

/** Steps of length repair on one draft (continue, trim, continue again …) before it goes back to the guard. */
export const MAX_LENGTH_MENDS = 3

export type LengthStep = "extend" | "trim" | "fits"

/** What the text needs next to fit the band (counted as the guard counts it). */
export const lengthStep = (text: string, band: { readonly min: number; readonly max: number }): LengthStep => {
  const n = countCharsWithSpaces(text)
  return n < band.min ? "extend" : n > band.max ? "trim" : "fits"
}

/**
 * What a continuation asks for: up to the band's centre. A model's continuation misses that too,
 * either way; an overshoot is trimmed at a paragraph, a shortfall continued again.
 */
export const continuationTarget = (current: number, band: { readonly min: number; readonly max: number }): number =>
  Math.max(1, Math.round((band.min + band.max) / 2) - current)

/**
 * How much of the draft the continuation request shows the writer: its last whole paragraphs up
 * to this many characters. The brief already carries the story and the beat; the whole draft
 * would make each continuation cost as many tokens as a rewrite (a 5,000-character draft is
 * ~5,000 prompt tokens in Korean), which is what repair is meant to save.
 */
export const CONTINUATION_CONTEXT_CHARS = 1_500

/** The draft's last whole paragraphs, at most `limit` characters (at least the last paragraph). */
export const draftTail = (draft: string, limit: number = CONTINUATION_CONTEXT_CHARS): string => {
  const paragraphs = draft.replace(/\r\n?/g, "\n").trimEnd().split(/\n[ \t]*\n/)
  let kept = 1
  let length = paragraphs[paragraphs.length - 1]!.length
  while (kept < paragraphs.length && length + 2 + paragraphs[paragraphs.length - 1 - kept]!.length <= limit) {
    length += 2 + paragraphs[paragraphs.length - 1 - kept]!.length
    kept++
  }
  return paragraphs.slice(-kept).join("\n\n")
}

/** The writer's conversation with the end of its short draft as its own answer, then the request to go on. */
export const extensionPrompt = (brief: WriterBrief, draft: string): Array<ChatMessage> => {
  const current = countCharsWithSpaces(draft)
  const more = continuationTarget(current, brief.lengthBand)
  const tail = draftTail(draft)
  return [
    ...renderWriterPrompt(brief),
    { role: "assistant", content: tail.length < draft.trim().length ? `…\n\n${tail}` : tail },
    {
      role: "user",
      content: [
        `The episode is ${current} characters long (above: how it ends now); it must be between ${brief.lengthBand.min} and ${brief.lengthBand.max}.`,
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
