/**
 * Korean particles (조사) for matching names: `도윤이가`, `서연에게`, `민지야`
 * all name `도윤` / `서연` / `민지`; and the form a particle takes after a word (`josa`). Pure functions.
 */
import { finalOfCode, hasBatchim, isHangulSyllable, isSyllableCode } from "./Hangul.ts"

/** Particles and particle chains that may follow a noun, longest first. */
export const PARTICLES: ReadonlyArray<string> = [
  "에게서는", "한테서는", "께서는", "께서도", "께서만", "에게서", "한테서", "에게는", "에게도", "에게만", "한테는", "한테도",
  "에서는", "에서도", "으로는", "으로도", "이라고", "이라는", "이라면", "이었다", "이었던", "이에요", "이랑은",
  "께서", "에게", "한테", "에서", "으로", "로는", "로도", "이랑", "하고", "처럼", "보다", "까지", "부터", "마저",
  "조차", "밖에", "만큼", "만을", "만이", "만은", "만의", "라고", "라는", "이란", "이라", "라니", "이라니", "라면", "이여", "이야",
  "이나", "이든", "였다", "였던", "이다", "이던", "이는", "이가", "이를", "이의", "이도", "이와", "이만", "이에게",
  "이한테", "께",
  "이", "가", "은", "는", "을", "를", "의", "와", "과", "도", "만", "야", "아", "여", "로", "랑", "란", "나", "든",
  "에", "다", "던", "씨", "님",
].sort((a, b) => b.length - a.length)

const PARTICLE_SET: ReadonlySet<string> = new Set(PARTICLES)

/** {@link PARTICLES} grouped by their last code unit, each group in the order of the list. */
const PARTICLES_BY_LAST: ReadonlyMap<number, ReadonlyArray<string>> = (() => {
  const m = new Map<number, Array<string>>()
  for (const p of PARTICLES) {
    const last = p.charCodeAt(p.length - 1)
    const group = m.get(last)
    if (group === undefined) m.set(last, [p])
    else group.push(p)
  }
  return m
})()
const NONE: ReadonlyArray<string> = []

/** Subject-marking particles (and topic markers), used to find who acts in a clause. */
export const SUBJECT_PARTICLES: ReadonlyArray<string> = ["께서는", "께서도", "께서", "이가", "이는", "이도", "이", "가", "은", "는", "도"]

export const isParticle = (s: string): boolean => PARTICLE_SET.has(s)

/**
 * Whether `rest`, the part of a word after a noun ending in `lastSyllable`,
 * is a particle (chain), optionally after the hypocoristic `이` that follows a
 * name ending in a consonant (`도윤이가`). The empty rest matches.
 */
export const isParticleSuffix = (rest: string, lastSyllable: string): boolean => {
  if (rest === "") return true
  if (PARTICLE_SET.has(rest)) return true
  if (hasBatchim(lastSyllable) && rest.startsWith("이")) {
    const after = rest.slice(1)
    if (after === "" || PARTICLE_SET.has(after)) return true
  }
  // two particles in a row: 에게+는, 와+는 …
  for (let k = 1; k < rest.length; k++) {
    if (PARTICLE_SET.has(rest.slice(0, k)) && PARTICLE_SET.has(rest.slice(k)) && rest.length <= 4) return true
  }
  return false
}

/** Whether `word` is `name` followed by nothing but particles. */
export const wordNames = (word: string, name: string): boolean => {
  if (name.length === 0 || !word.startsWith(name)) return false
  return isParticleSuffix(word.slice(name.length), name[name.length - 1])
}

/**
 * Strips the longest particle (chain) from a word, keeping a stem of at least
 * `minStem` characters (default 2: `세라는` is `세라`+`는`, not `세`+`라는`); a hypocoristic `이` after a consonant-final stem goes too
 * (`도윤이가` → `도윤`). Returns the word unchanged when nothing matches.
 */
export const stripParticle = (word: string, minStem = 2): string => {
  if (word.length === 0) return word
  // only particles ending in the word's last character can match: the same ones, in the same order
  for (const p of PARTICLES_BY_LAST.get(word.charCodeAt(word.length - 1)) ?? NONE) {
    if (word.length - p.length >= minStem && word.endsWith(p)) {
      const stem = word.slice(0, word.length - p.length)
      return stripHypocoristic(stem, minStem)
    }
  }
  return word
}

/** `도윤이` → `도윤` (a consonant-final name plus the friendly `이`); other words unchanged. */
export const stripHypocoristic = (word: string, minStem = 1): string => {
  if (word.length - 1 >= Math.max(minStem, 2) && word.endsWith("이") && hasBatchim(word[word.length - 2])) {
    return word.slice(0, -1)
  }
  return word
}

/**
 * The forms of `word` that may be a bare noun: the word itself, without its
 * longest particle, and without a hypocoristic `이`. Deduplicated, longest first.
 */
export const nounCandidates = (word: string, minStem = 1): Array<string> => {
  const out = new Set<string>([word])
  out.add(stripHypocoristic(word, minStem))
  for (const p of PARTICLES) {
    if (word.length - p.length >= minStem && word.endsWith(p)) {
      const stem = word.slice(0, word.length - p.length)
      out.add(stem)
      out.add(stripHypocoristic(stem, minStem))
    }
  }
  return [...out].sort((a, b) => b.length - a.length)
}

/** A word made of Hangul syllables only. */
export const isHangulWord = (word: string): boolean => {
  if (word.length === 0) return false
  for (const ch of word) if (!isHangulSyllable(ch)) return false
  return true
}

/** Particle pairs: [after a final consonant, after a vowel]. */
const PARTICLE_FORMS: Readonly<Record<string, readonly [string, string]>> = {
  은: ["은", "는"], 는: ["은", "는"],
  이: ["이", "가"], 가: ["이", "가"],
  을: ["을", "를"], 를: ["을", "를"],
  과: ["과", "와"], 와: ["과", "와"],
  아: ["아", "야"], 야: ["아", "야"],
  으로: ["으로", "로"], 로: ["으로", "로"],
  이라면: ["이라면", "라면"], 라면: ["이라면", "라면"],
  이었다: ["이었다", "였다"], 였다: ["이었다", "였다"],
  이라는: ["이라는", "라는"], 라는: ["이라는", "라는"],
  이나: ["이나", "나"], 나: ["이나", "나"],
  이다: ["이다", "다"],
}

/**
 * The final consonant a particle agrees with: of the word's last syllable, looking through closing
 * quotes and brackets; `CONSONANT` for a digit (read aloud, mostly with a final consonant), `UNKNOWN`
 * for a word that ends in anything else.
 */
const UNKNOWN = -1
const CONSONANT = -2
const finalForParticle = (word: string): number => {
  for (let i = word.length - 1; i >= 0; i--) {
    const c = word.charCodeAt(i)
    if (isSyllableCode(c)) return finalOfCode(c)
    if (c >= 0x30 && c <= 0x39) return CONSONANT
    if (c !== 0x29 && c !== 0x22 && c !== 0x27 && c !== 0x201d && c !== 0x2019) return UNKNOWN
  }
  return UNKNOWN
}

/** `word` followed by the right form of a particle (`josa("윤하", "은")` → `윤하는`, `josa("검장", "로")` → `검장으로`). */
export const josa = (word: string, particle: string): string => {
  const pair = PARTICLE_FORMS[particle]
  if (pair === undefined) return word + particle
  const final = finalForParticle(word)
  if (final === UNKNOWN) return word + pair[1]
  if (final === CONSONANT) return word + pair[0]
  // ㄹ takes 로 like a vowel does
  if (pair[0] === "으로") return word + (final === 0 || final === 8 ? "로" : "으로")
  return word + (final === 0 ? pair[1] : pair[0])
}
