/**
 * The narration of an episode as the analyst reads it: the text with its dialogue, thoughts and
 * headings blanked (offsets kept), its narration sentences and their words, the mentions of the
 * cast, and the questions asked of a sentence before trusting what it tells: is it a dream, a
 * memory, a hypothesis? Is it taken back in the next sentences? Who is "he" (`그는`), or the
 * unstated subject?
 */
import { maskQuotes } from "../guard/Names.ts"
import { splitSentences, type Span } from "../text/Sentences.ts"
import { DREAM_REVEALED, NOT_NOW_CUES, RETRACTION_CUES, TARGET_PARTICLES } from "./KoreanPatterns.ts"
import { type Mention, type NameIndex, nameAt, type Word } from "./NameIndex.ts"
import { subjectBefore } from "./Roles.ts"

export interface Sentence extends Span {
  /** Paragraph number (a line break starts a new paragraph). */
  readonly paragraph: number
  /** Whether only whitespace (line breaks included) stands between the previous narration sentence and this one. */
  readonly followsDirectly: boolean
  /** Its words: `words.slice(firstWord, endWord)`. */
  readonly firstWord: number
  readonly endWord: number
}

export interface Narration {
  readonly text: string
  /** `text` with quoted passages and Markdown headings blanked by spaces. */
  readonly masked: string
  /** Narration sentences (spans of `masked`, where `text` has the same characters). */
  readonly sentences: ReadonlyArray<Sentence>
  /** The words of the narration, in order. */
  readonly words: ReadonlyArray<Word>
  /** Every sentence of `text`, dialogue included. */
  readonly all: ReadonlyArray<Span>
}

/** The narration and where the cast is mentioned in it. */
export interface CastReading extends Narration {
  /** Mentions of the cast in the narration, in order. */
  readonly mentions: ReadonlyArray<Mention>
}

const HEADING = /^[ \t]*#.*$/gm

/** `text` with dialogue and thoughts in quotes and Markdown headings blanked, offsets kept. */
export const maskNarration = (text: string): string => {
  const masked = maskQuotes(text)
  return masked.includes("#") ? masked.replace(HEADING, (line) => " ".repeat(line.length)) : masked
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xa0 || c === 0x3000

/** Per UTF-16 code unit, 1 when it ends a word: whitespace and punctuation (a phrase or a name matches whole words). */
const WORD_BREAKS: Uint8Array = (() => {
  const table = new Uint8Array(0x10000)
  for (const c of " \t\n\r\u00a0\u3000.,?!…·:;“”‘’\"'()[]「」『』—–-~") table[c.charCodeAt(0)] = 1
  return table
})()

export const readNarration = (text: string): Narration => {
  const masked = maskNarration(text)
  const all = splitSentences(text)
  const words: Array<Word> = []
  const sentences: Array<Sentence> = []
  let paragraph = 0
  let previousEnd = 0
  for (const s of all) {
    let a = s.start
    let b = s.end
    while (a < b && isSpace(masked.charCodeAt(a))) a++
    while (b > a && isSpace(masked.charCodeAt(b - 1))) b--
    if (a === b) continue
    // what stands between this sentence and the previous one: a line break, dialogue?
    let lineBreak = false
    let onlySpace = true
    for (let i = previousEnd; i < a; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x0a) lineBreak = true
      else if (!isSpace(c)) onlySpace = false
    }
    if (lineBreak) paragraph++
    const firstWord = words.length
    for (let i = a; i < b;) {
      while (i < b && WORD_BREAKS[masked.charCodeAt(i)] === 1) i++
      const start = i
      while (i < b && WORD_BREAKS[masked.charCodeAt(i)] === 0) i++
      if (i > start) words.push({ start, end: i, text: masked.slice(start, i) })
    }
    sentences.push({
      start: a,
      end: b,
      text: masked.slice(a, b),
      paragraph,
      followsDirectly: sentences.length > 0 && onlySpace,
      firstWord,
      endWord: words.length,
    })
    previousEnd = b
  }
  return { text, masked, sentences, words, all }
}

/** The narration with the cast's mentions in it, given the mentions in the whole text (dialogue included). */
export const readCast = (n: Narration, mentionsInText: ReadonlyArray<Mention>): CastReading => ({
  ...n,
  mentions: mentionsInText.filter((m) => n.masked.charCodeAt(m.start) === n.text.charCodeAt(m.start)),
})

/** The words of sentence `i` that end before `offset`. */
export const wordsBefore = (n: Narration, i: number, offset: number): ReadonlyArray<Word> => {
  const s = n.sentences[i]!
  let e = s.firstWord
  while (e < s.endWord && n.words[e]!.end <= offset) e++
  return n.words.slice(s.firstWord, e)
}

/** The index of the span holding `offset`, or -1. */
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
export const mentionedIn = (n: CastReading, i: number): ReadonlyArray<string> => {
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

/** The rest of the sentence after `from` and the `count` sentences after it (dialogue included). */
export const followingText = (n: Narration, from: number, count = 2): string => {
  const k = sentenceAt(n.all, from)
  let end = k < 0 ? from : n.all[k]!.end
  for (let j = k + 1; j <= k + count && j < n.all.length; j++) end = n.all[j]!.end
  return n.text.slice(from, end)
}

/** Whether the rest of the sentence after `from` or the two sentences after it take it back, or the six after it reveal a dream. */
export const isTakenBack = (n: Narration, from: number): boolean =>
  RETRACTION_CUES.test(followingText(n, from)) || DREAM_REVEALED.test(followingText(n, from, 6))

/**
 * Who `그`/`그녀` (a pronoun) or an unstated subject in sentence `i` is, from the narration sentence
 * right before it (no dialogue between them): for a pronoun, the one character that sentence
 * mentions; for an unstated subject, that sentence's subject, which Korean carries on (`태주는 윤하의
 * 품에서 웃었다. 그리고 끝내 숨을 거두었다.`). Undefined when it is not one named character.
 */
export const impliedSubject = (n: CastReading, cast: NameIndex, i: number, by: "pronoun" | "unstated"): string | undefined => {
  const s = n.sentences[i]!
  if (i === 0 || !s.followsDirectly) return undefined
  const mentioned = mentionedIn(n, i - 1)
  if (by === "pronoun") return mentioned.length === 1 ? mentioned[0] : undefined
  const previous = n.sentences[i - 1]!
  const words = n.words.slice(previous.firstWord, previous.endWord)
  const subject = subjectBefore(cast, words, words.length)
  if (subject._tag === "Named") {
    if (subject.ids.length !== 1) return undefined
    // 윤하는 태주를 끌어안았다. 끝내 숨을 거두었다: who died is not sure when another is the object or the dative
    for (let k = 0; k < words.length; k++) {
      const other = nameAt(cast, words, k)
      if (other === undefined) continue
      if (other.id !== subject.ids[0] && (TARGET_PARTICLES.object.has(other.particle) || TARGET_PARTICLES.dative.has(other.particle))) return undefined
    }
    return subject.ids[0]
  }
  // 서지안의 몸이 식어 갔다. 그녀는 웃었다. 그리고 숨을 거두었다: the subject carried is the one `그녀` is
  return subject._tag === "Pronoun" ? impliedSubject(n, cast, i - 1, "pronoun") : undefined
}
