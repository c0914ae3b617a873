/**
 * A deterministic extractive summary of an episode: 2–4 narration sentences,
 * at most 300 characters, in story order. It becomes the "previous episode"
 * summary in the next episode's brief.
 *
 * Scoring (highest first, ties by position): the mean corpus frequency of a
 * sentence's content words (particles stripped), + 1 per cast name it names,
 * + 0.5 for the first and the last narration sentence (set-up and cliff-hanger),
 * − 1 under 20 characters and − 2 under 12 (speech tags tell little);
 * sentences of dialogue, thoughts and headings are not candidates unless
 * nothing else is left.
 */
import { nfc } from "./Hangul.ts"
import { stripParticle } from "./Particles.ts"
import { splitSentences, type Span } from "./Sentences.ts"

export interface SummaryOptions {
  /** Character names (and aliases) worth mentioning. */
  readonly names?: ReadonlyArray<string>
  /** Default 300. */
  readonly maxChars?: number
  /** Default 4. */
  readonly maxSentences?: number
  /** Default 2 (fewer only when the text has fewer sentences). */
  readonly minSentences?: number
}

const STOP = new Set(["그", "그녀", "그는", "그가", "그리고", "하지만", "그러나", "그때", "이", "저", "것", "수", "듯", "더", "한", "또", "다시", "이미", "아직"])

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u

/** Per BMP code unit: 0 not yet known, 1 a letter or number, 2 whitespace, 3 anything else (dropped). */
const kinds = new Uint8Array(0x10000)
const kindOf = (c: number): number => {
  let k = kinds[c]
  if (k === 0) {
    const ch = String.fromCharCode(c)
    k = /^\s$/.test(ch) ? 2 : LETTER_OR_NUMBER.test(ch) ? 1 : 3
    kinds[c] = k
  }
  return k
}

/**
 * The content words of a sentence, deduplicated in order of appearance: whitespace-separated
 * words without their non-letters (`[^\p{L}\p{N}]`, by code point), particles stripped, two
 * characters or longer, no stop words. Each word is given as its number in `ids` (numbered on first sight).
 */
const words = (sentence: string, ids: Map<string, number>): Array<number> => {
  const out: Array<number> = []
  let word = "" // the current word's kept text, when it dropped something
  let from = -1 // start of the current run of kept code units
  let dropped = false
  const end = (i: number) => {
    const raw = dropped ? (from >= 0 ? word + sentence.slice(from, i) : word) : from >= 0 ? sentence.slice(from, i) : ""
    if (raw.length > 0) {
      const w = stripParticle(raw, 2)
      if (w.length >= 2 && !STOP.has(w)) {
        let id = ids.get(w)
        if (id === undefined) ids.set(w, id = ids.size)
        if (!out.includes(id)) out.push(id)
      }
    }
    word = ""
    from = -1
    dropped = false
  }
  for (let i = 0; i < sentence.length; i++) {
    const c = sentence.charCodeAt(i)
    let kind: number
    let width = 1
    if (c >= 0xac00 && c <= 0xd7a3) kind = 1 // a Hangul syllable
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < sentence.length && (sentence.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      kind = LETTER_OR_NUMBER.test(sentence.slice(i, i + 2)) ? 1 : 3
      width = 2
    } else kind = kindOf(c)
    if (kind === 2) {
      end(i)
    } else if (kind === 1) {
      if (from < 0) from = i
    } else {
      if (from >= 0) word += sentence.slice(from, i)
      from = -1
      dropped = true
    }
    i += width - 1
  }
  end(sentence.length)
  return out
}

/** Number of code points (what `[...s].length` counts). */
const codePoints = (s: string): number => {
  let n = s.length
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--
      i++
    }
  }
  return n
}

const isDialogue = (s: string): boolean => /^[“‘"'「『]/.test(s)

const ellipsize = (s: string, max: number): string => {
  const chars = [...s]
  return chars.length <= max ? s : chars.slice(0, Math.max(1, max - 1)).join("") + "…"
}

/** The extractive summary of an episode's markdown. Empty for a text without sentences. */
export const summarizeEpisode = (markdown: string, options: SummaryOptions = {}): string => {
  const maxChars = options.maxChars ?? 300
  const maxSentences = options.maxSentences ?? 4
  const minSentences = options.minSentences ?? 2
  const normalized = nfc(markdown)
  const text = normalized.includes("#")
    ? normalized
      .split("\n")
      .filter((line) => !/^\s*#/.test(line))
      .join("\n")
    : normalized
  const all: Array<Span> = splitSentences(text)
  if (all.length === 0) return ""
  const narration = all.filter((s) => !isDialogue(s.text))
  const pool = narration.length >= Math.min(minSentences, all.length) ? narration : all

  // words by number: each counted once per sentence that has it
  const ids = new Map<string, number>()
  const wordsOf = new Map<Span, Array<number>>()
  const freq: Array<number> = []
  for (const s of all) {
    const ws = words(s.text, ids)
    wordsOf.set(s, ws)
    for (const w of ws) freq[w] = (freq[w] ?? 0) + 1
  }
  const names = (options.names ?? []).filter((n) => n.length > 0)

  const scored = pool.map((s, index) => {
    const ws = wordsOf.get(s)!
    let sum = 0
    for (const w of ws) sum += freq[w]!
    const base = ws.length === 0 ? 0 : sum / ws.length
    const nameBonus = names.filter((n) => s.text.includes(n)).length
    const edge = index === 0 || index === pool.length - 1 ? 0.5 : 0
    // short lines (speech tags such as `윤하가 말했다.`) carry little of the story
    const len = codePoints(s.text)
    const tooShort = len < 12 ? -2 : len < 20 ? -1 : 0
    return { s, index, len, score: base + nameBonus + edge + tooShort }
  })

  const ranked = [...scored].sort((a, b) => b.score - a.score || a.index - b.index)
  const chosen: Array<(typeof scored)[number]> = []
  let used = 0
  for (const c of ranked) {
    if (chosen.length >= maxSentences) break
    const len = c.len + (chosen.length > 0 ? 1 : 0)
    if (used + len > maxChars) continue
    chosen.push(c)
    used += len
  }
  // guarantee the minimum with the shortest remaining sentences, shortened if need be
  if (chosen.length < Math.min(minSentences, pool.length)) {
    const rest = scored.filter((c) => !chosen.includes(c)).sort((a, b) => a.s.text.length - b.s.text.length || a.index - b.index)
    for (const c of rest) {
      if (chosen.length >= Math.min(minSentences, pool.length)) break
      chosen.push(c)
    }
  }
  chosen.sort((a, b) => a.index - b.index)
  const parts = chosen.map((c) => c.s.text.replace(/\s+/g, " "))
  let summary = parts.join(" ")
  if ([...summary].length > maxChars) {
    // shorten every sentence evenly so that all of them still fit
    const budget = Math.floor((maxChars - (parts.length - 1)) / parts.length)
    summary = parts.map((p) => ellipsize(p, budget)).join(" ")
  }
  return summary
}
