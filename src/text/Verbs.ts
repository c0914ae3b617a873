/**
 * Korean narration verbs: the present tense a beat is written in (`뽑는다`, `거둔다`, `고민한다`) told
 * in the past (`뽑았다`, `거뒀다`, `고민했다`), as narration is. Regular verbs only. Pure functions.
 */
import { composeSyllable, finalOfCode, leadOfCode, vowelOfCode } from "./Hangul.ts"

// vowel indices (Unicode order)
const A = 0
const AE = 1
const YA = 2
const EO = 4
const O = 8
const WA = 9
const U = 13
const WO = 14
const EU = 18
const I = 20
const FINAL_N = 4

/** Present-tense narration verb → past; null when the word is not one it can conjugate. */
export const pastOfWord = (word: string): string | null => {
  if (!word.endsWith("다") || word.length < 2) return null
  if (word.endsWith("는다") && word.length >= 3) {
    const stem = word.slice(0, -2)
    const v = vowelOfCode(stem.charCodeAt(stem.length - 1))
    if (v === -1) return null
    // vowel harmony: ㅏ, ㅗ (and ㅑ) take 았, the rest 었
    return stem + (v === A || v === O || v === YA ? "았다" : "었다")
  }
  // -ㄴ다: the syllable before 다 carries the ㄴ of the present tense
  const c = word.charCodeAt(word.length - 2)
  if (finalOfCode(c) !== FINAL_N) return null
  const l = leadOfCode(c)
  const v = vowelOfCode(c)
  const before = word.slice(0, -2)
  const open = composeSyllable(l, v, 0)
  if (open === "하") return before + "했다"
  const past = (vowel: number) => before + composeSyllable(l, vowel, 20) + "다" // final ㅆ
  switch (v) {
    case A: case AE: case 3: case EO: case 5: case 6: case 7: return past(v)
    case O: return past(WA) // ㅗ → ㅘ
    case U: return past(WO) // ㅜ → ㅝ
    case I: return past(6) // ㅣ → ㅕ
    case EU: { // ㅡ → ㅓ, or ㅏ after a syllable with ㅏ or ㅗ
      const pv = before.length > 0 ? vowelOfCode(before.charCodeAt(before.length - 1)) : -1
      return past(pv === A || pv === O ? A : EO)
    }
    case 11: case 16: case 19: return before + open + "었다" // 되었다, 쉬었다, 띄었다
    case YA: return before + open + "았다"
    default: return null
  }
}

/** A beat's sentences in the past tense, or null when one of them cannot be conjugated. */
export const beatInPast = (beat: string): string | null => {
  const sentences = beat.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter((s) => s.length > 0)
  if (sentences.length === 0) return null
  const out: Array<string> = []
  for (const sentence of sentences) {
    const m = /^(.*?)([가-힣]+)([.!?…]*)$/.exec(sentence)
    if (m === null) return null
    const past = pastOfWord(m[2])
    if (past === null) return null
    out.push(m[1] + past + (m[3].length > 0 ? m[3] : "."))
  }
  return out.join(" ")
}
