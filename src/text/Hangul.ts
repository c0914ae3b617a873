/**
 * Hangul helpers: syllable and jamo detection, the share of Hangul among the
 * letters of a text, NFC, and final-consonant (batchim) tests used when
 * choosing particles. Pure functions, no I/O.
 */

/** The first and last precomposed Hangul syllables (가, 힣); a syllable is FIRST + (lead × 21 + vowel) × 28 + final. */
export const SYLLABLE_FIRST = 0xac00
export const SYLLABLE_LAST = 0xd7a3

/** A UTF-16 code unit that is a precomposed Hangul syllable (가–힣). */
export const isSyllableCode = (c: number): boolean => c >= SYLLABLE_FIRST && c <= SYLLABLE_LAST

/** The syllable of a lead consonant, a vowel and a final consonant (0 = none), as Unicode numbers them. */
export const composeSyllable = (lead: number, vowel: number, final: number): string =>
  String.fromCharCode(SYLLABLE_FIRST + lead * 588 + vowel * 28 + final)

/** The lead consonant index (0 = ㄱ … 18 = ㅎ) of a syllable's code unit, or -1 for anything else. */
export const leadOfCode = (c: number): number => (isSyllableCode(c) ? Math.floor((c - SYLLABLE_FIRST) / 588) : -1)

/** The vowel index (0 = ㅏ … 20 = ㅣ) of a syllable's code unit, or -1 for anything else. */
export const vowelOfCode = (c: number): number => (isSyllableCode(c) ? Math.floor(((c - SYLLABLE_FIRST) % 588) / 28) : -1)

/** The final consonant index (0 = none, 4 = ㄴ, 8 = ㄹ …) of a syllable's code unit, or -1 for anything else. */
export const finalOfCode = (c: number): number => (isSyllableCode(c) ? (c - SYLLABLE_FIRST) % 28 : -1)

/** `text` in Unicode NFC (composed syllables), the form every counter in the factory uses. */
export const nfc = (text: string): string => text.normalize("NFC")

/**
 * A code unit NFC leaves as it is whatever stands beside it: NFC on its own, starting no
 * composition with what follows and ending none with what precedes. ASCII to the end of Latin
 * Extended-B (no combining marks), Hangul syllables, general punctuation (‐ to ‧) and CJK
 * punctuation and brackets (、 to 】). Drafts and episodes are made of these, so a scan that
 * meets nothing else can skip `normalize`.
 */
export const isNfcInert = (c: number): boolean =>
  c < 0x300 || (c >= SYLLABLE_FIRST && c <= SYLLABLE_LAST) || (c >= 0x2010 && c <= 0x2027) || (c >= 0x3001 && c <= 0x3011)

/** A precomposed Hangul syllable (가–힣). */
export const isHangulSyllable = (ch: string): boolean => isSyllableCode(ch.codePointAt(0) ?? -1)

/** A Hangul jamo: conjoining (U+1100–11FF, A960–A97F, D7B0–D7FF) or compatibility (U+3130–318F). */
export const isHangulJamo = (ch: string): boolean => {
  const c = ch.codePointAt(0)
  if (c === undefined) return false
  return (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f) || (c >= 0xa960 && c <= 0xa97f) ||
    (c >= 0xd7b0 && c <= 0xd7ff)
}

/** A Hangul syllable or jamo. */
export const isHangul = (ch: string): boolean => isHangulSyllable(ch) || isHangulJamo(ch)

const LETTER = /^\p{L}$/u

/** Any Unicode letter (Hangul, Latin, Han, Kana …); not digits, punctuation or spaces. */
export const isLetter = (ch: string): boolean => LETTER.test(ch)

export interface HangulStats {
  readonly letters: number
  readonly hangul: number
  /** hangul / letters; 1 when the text has no letters at all. */
  readonly share: number
}

/** Per BMP code unit: 0 not yet known, 1 Hangul, 2 another letter, 3 no letter (`isHangul` / `isLetter` of it alone). */
const kinds = new Uint8Array(0x10000)

const kindOf = (c: number): number => {
  let k = kinds[c]
  if (k === 0) {
    const ch = String.fromCharCode(c)
    k = isHangul(ch) ? 1 : isLetter(ch) ? 2 : 3
    kinds[c] = k
  }
  return k
}

/** Counts letters and Hangul letters (by code point, after NFC). */
export const hangulStats = (text: string): HangulStats => {
  let letters = 0
  let hangul = 0
  const t = nfc(text)
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < t.length) {
      const d = t.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        // an astral code point: never Hangul, maybe a letter
        if (isLetter(t.slice(i, i + 2))) letters++
        i++
        continue
      }
    }
    const k = kindOf(c)
    if (k === 1) {
      letters++
      hangul++
    } else if (k === 2) letters++
  }
  return { letters, hangul, share: letters === 0 ? 1 : hangul / letters }
}

/** Share of Hangul among the letters of `text` (1 when it has no letters). */
export const hangulShare = (text: string): number => hangulStats(text).share

/** Whether a Hangul syllable ends with a final consonant (받침). False for anything else. */
export const hasBatchim = (syllable: string): boolean => finalOfCode(syllable.codePointAt(0) ?? -1) > 0

/** The final consonant index (0 = none, 1..27 as in Unicode) of a Hangul syllable, or -1 for anything else. */
export const batchimIndex = (syllable: string): number => finalOfCode(syllable.codePointAt(0) ?? -1)

/** Whether every character of `word` is a Hangul syllable (and it is not empty). */
export const isAllHangulSyllables = (word: string): boolean => {
  if (word.length === 0) return false
  for (const ch of word) if (!isHangulSyllable(ch)) return false
  return true
}

/** Number of user-perceived characters, counting by code point. */
export const codePointLength = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}
