/**
 * The narration of an episode as the analyst reads it: the text with its dialogue, thoughts and
 * headings blanked (offsets kept), its narration sentences with their paragraphs, the mentions of
 * the cast, and the questions asked of a sentence before trusting what it tells: is it a dream, a
 * memory, a hypothesis? Is it taken back in the next sentences? Who is "he" (`그는`), or the
 * unstated subject?
 */
import { maskQuotes } from "../guard/Names.ts"
import { splitSentences, type Span } from "../text/Sentences.ts"
import { NOT_NOW_CUES, RETRACTION_CUES } from "./KoreanPatterns.ts"
import { type Mention, mentionsIn, type NameIndex, wordsBetween } from "./NameIndex.ts"
import { subjectBefore } from "./Roles.ts"

export interface Sentence extends Span {
  /** Paragraph number (a line break starts a new paragraph). */
  readonly paragraph: number
  /** Whether only whitespace (line breaks included) stands between the previous narration sentence and this one in the text. */
  readonly followsDirectly: boolean
}

export interface Narration {
  readonly text: string
  /** `text` with quoted passages and Markdown headings blanked by spaces. */
  readonly masked: string
  /** Narration sentences (spans of `masked`, which `text` has the same characters at). */
  readonly sentences: ReadonlyArray<Sentence>
  /** Every sentence of `text`, dialogue included. */
  readonly all: ReadonlyArray<Span>
  /** Mentions of the cast in `masked`, in order. */
  readonly mentions: ReadonlyArray<Mention>
}

const HEADING = /^[ \t]*#.*$/gm

/** `text` with dialogue and thoughts in quotes and Markdown headings blanked, offsets kept. */
export const maskNarration = (text: string): string =>
  maskQuotes(text).replace(HEADING, (line) => " ".repeat(line.length))

export const readNarration = (text: string, cast: NameIndex): Narration => {
  const masked = maskNarration(text)
  const spans = splitSentences(masked)
  const sentences: Array<Sentence> = []
  let paragraph = 0
  let previousEnd = 0
  for (const s of spans) {
    const gap = text.slice(previousEnd, s.start)
    if (gap.includes("\n")) paragraph++
    sentences.push({ ...s, paragraph, followsDirectly: sentences.length > 0 && gap.trim() === "" })
    previousEnd = s.end
  }
  return { text, masked, sentences, all: splitSentences(text), mentions: mentionsIn(masked, cast) }
}

/** The index of the sentence holding `offset`, or -1. */
export const sentenceAt = (spans: ReadonlyArray<Span>, offset: number): number => {
  let lo = 0
  let hi = spans.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = spans[mid]!
    if (offset < s.start) hi = mid - 1
    else if (offset >= s.end) lo = mid + 1
    else return mid
  }
  return -1
}

/** The cast members mentioned in sentence `i`, in order of first mention. */
export const mentionedIn = (n: Narration, i: number): ReadonlyArray<string> => {
  const s = n.sentences[i]!
  const out: Array<string> = []
  let lo = 0
  let hi = n.mentions.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (n.mentions[mid]!.start < s.start) lo = mid + 1
    else hi = mid
  }
  for (let k = lo; k < n.mentions.length && n.mentions[k]!.start < s.end; k++) {
    const id = n.mentions[k]!.id
    if (!out.includes(id)) out.push(id)
  }
  return out
}

/**
 * Whether what sentence `i` tells up to `until` is not happening now: a dream, a memory, a
 * hypothesis, a rumour, a belief, or a question — cued in the sentence or earlier in its paragraph.
 */
export const isNotNow = (n: Narration, i: number, until: number): boolean => {
  const s = n.sentences[i]!
  if (/[?？]\s*$/.test(s.text)) return true
  let from = s.start
  for (let k = i - 1; k >= 0 && n.sentences[k]!.paragraph === s.paragraph; k--) from = n.sentences[k]!.start
  return NOT_NOW_CUES.test(n.masked.slice(from, Math.max(until, s.end)))
}

/** Whether the rest of the sentence after `from`, or the two sentences after it (dialogue included), take it back. */
export const isTakenBack = (n: Narration, from: number): boolean => {
  const k = sentenceAt(n.all, from)
  const start = from
  let end = k < 0 ? from : n.all[k]!.end
  for (let j = k + 1; j <= k + 2 && j < n.all.length; j++) end = n.all[j]!.end
  return RETRACTION_CUES.test(n.text.slice(start, end))
}

/**
 * Who `그`/`그녀` (a pronoun) or an unstated subject in sentence `i` is, from the narration sentence
 * right before it (no dialogue between them): for a pronoun, the one character that sentence
 * mentions; for an unstated subject, that sentence's subject, which Korean carries on (`태주는 윤하의
 * 품에서 웃었다. 그리고 끝내 숨을 거두었다.`). Undefined when it is not one named character.
 */
export const impliedSubject = (n: Narration, cast: NameIndex, i: number, by: "pronoun" | "unstated"): string | undefined => {
  const s = n.sentences[i]!
  if (i === 0 || !s.followsDirectly) return undefined
  const mentioned = mentionedIn(n, i - 1)
  if (by === "pronoun") return mentioned.length === 1 ? mentioned[0] : undefined
  const previous = n.sentences[i - 1]!
  const words = wordsBetween(n.masked, previous.start, previous.end)
  const subject = subjectBefore(cast, words, words.length)
  return subject._tag === "Named" && subject.ids.length === 1 ? subject.ids[0] : undefined
}
