/** `language.*`: a Korean draft with too little Hangul among its letters, or too many Latin words. */
import type { GuardFinding } from "../../domain/Episode.ts"
import { evidenceOf, type GuardCheck, type GuardContext, isKorean } from "../Context.ts"
import { knownFormsOf } from "../Names.ts"
import { namedOthers } from "../Readings.ts"
import { hangulStats, isHangul, isLetter } from "../../text/Hangul.ts"
import { isWhitespaceCode } from "../../text/Shingles.ts"

/**
 * `language.hangul-share`: a `ko` draft whose letters are less than `minHangulShare` Hangul;
 * evidence is the longest Hangul-free stretch. Latin letters that are allowed do not count: those
 * of acronyms and Bible names, and all of them while the draft has fewer than `minLatinWords`
 * Latin words (a brand name or two in a short scene weighs many letters against few syllables).
 * Above the letter share, `language.mix` judges the Latin words by their share of the words.
 */
export const hangulShareCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  const stats = hangulStats(ctx.text)
  // every letter Hangul (an offline draft, most drafts): nothing to weigh
  if (stats.letters === stats.hangul) return []
  const latin = latinWords(ctx)
  const allowed = latin.excludedLetters + (latin.words < ctx.options.minLatinWords ? latin.countedLetters : 0)
  const letters = stats.letters - allowed
  const share = letters <= 0 ? 1 : stats.hangul / letters
  if (share >= ctx.options.minHangulShare) return latinMixFindings(ctx, latin)
  const { text } = ctx
  let best: { start: number; end: number; letters: number } | undefined
  let runStart = -1
  let runEnd = -1
  let runLetters = 0
  const close = () => {
    if (runStart >= 0 && (best === undefined || runLetters > best.letters)) best = { start: runStart, end: runEnd, letters: runLetters }
    runStart = -1
    runLetters = 0
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (isHangul(ch)) {
      close()
      continue
    }
    if (isLetter(ch)) {
      if (runStart < 0) runStart = i
      runEnd = i + 1
      runLetters++
    }
  }
  close()
  return [{
    code: "language.hangul-share",
    category: "language",
    severity: "error",
    message: `only ${(share * 100).toFixed(1)}% of the letters are Hangul (${stats.hangul}/${letters}${allowed > 0 ? `, ${allowed} letters of names and acronyms aside` : ""}); a Korean episode needs ≥ ${(ctx.options.minHangulShare * 100).toFixed(0)}%`,
    ...(best === undefined ? {} : { evidence: evidenceOf(text, best.start, best.end) }),
  }]
}

const isLatinCode = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
const isUpperCode = (c: number): boolean => c >= 0x41 && c <= 0x5a

interface LatinWords {
  /** Whitespace-separated tokens with a letter. */
  readonly tokens: number
  /** Latin words that count (not acronyms, not Bible names), and their letters. */
  readonly words: number
  readonly countedLetters: number
  /** Letters of the Latin words that never count. */
  readonly excludedLetters: number
  /** The longest stretch of counted Latin words with no Hangul or line break between them. */
  readonly longest: { readonly start: number; readonly end: number; readonly words: number }
}

/**
 * The draft's Latin words: runs of Latin letters (with inner apostrophes: don't). Bible names and
 * acronyms of up to five capitals (OK, CCTV, SNS) do not count.
 */
const latinWords = (ctx: GuardContext): LatinWords => {
  const { text } = ctx
  const names = knownFormsOf(ctx.memory, [...ctx.bible.characters, ...namedOthers(ctx.bible)])
  let tokens = 0
  let words = 0
  let countedLetters = 0
  let excludedLetters = 0
  let inToken = false
  let tokenHasLetter = false
  let longest = { start: -1, end: -1, words: 0 }
  let run = { start: -1, end: -1, words: 0 }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isWhitespaceCode(c)) {
      if (inToken && tokenHasLetter) tokens++
      inToken = false
      tokenHasLetter = false
      if (c === 0x0a) run = { start: -1, end: -1, words: 0 }
      continue
    }
    inToken = true
    if (c >= 0xac00 && c <= 0xd7a3) {
      tokenHasLetter = true
      run = { start: -1, end: -1, words: 0 }
      continue
    }
    if (!isLatinCode(c)) continue
    tokenHasLetter = true
    let j = i + 1
    let upper = isUpperCode(c) ? 1 : 0
    let letters = 1
    while (j < text.length && (isLatinCode(text.charCodeAt(j)) || (text.charCodeAt(j) === 0x27 && isLatinCode(text.charCodeAt(j + 1))))) {
      if (isUpperCode(text.charCodeAt(j))) upper++
      if (text.charCodeAt(j) !== 0x27) letters++
      j++
    }
    const word = text.slice(i, j)
    if ((upper === letters && letters <= 5) || names.has(word)) excludedLetters += letters
    else {
      words++
      countedLetters += letters
      run = run.start < 0 ? { start: i, end: j, words: 1 } : { start: run.start, end: j, words: run.words + 1 }
      if (run.words > longest.words) longest = { ...run }
    }
    i = j - 1
  }
  if (inToken && tokenHasLetter) tokens++
  return { tokens, words, countedLetters, excludedLetters, longest }
}

/**
 * `language.mix`: a `ko` draft whose words are more than `maxLatinWordShare` Latin (and at least
 * `minLatinWords` of them), names and acronyms aside. The share is of the draft's words
 * (whitespace-separated tokens with a letter): a few brand names in a scene pass, an English
 * phrase every few paragraphs does not. The letter share misses such a draft: 12 % English by
 * characters is still ~87 % Hangul letters, a syllable being one letter and a word five.
 * Evidence: the longest stretch of Latin words with no Hangul between them.
 */
const latinMixFindings = (ctx: GuardContext, latin: LatinWords): Array<GuardFinding> => {
  const o = ctx.options
  const { tokens, words, longest } = latin
  if (tokens === 0 || words < o.minLatinWords || words <= tokens * o.maxLatinWordShare) return []
  return [{
    code: "language.mix",
    category: "language",
    severity: "error",
    message: `${words} of ${tokens} words (${(words / tokens * 100).toFixed(1)}%) are in Latin letters; a Korean episode allows ≤ ${(o.maxLatinWordShare * 100).toFixed(0)}% (names and acronyms such as OK or CCTV aside)`,
    evidence: evidenceOf(ctx.text, longest.start, longest.end),
  }]
}
