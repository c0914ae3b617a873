/**
 * Who stands where before a predicate in a Korean sentence: its subject (the nearest word with a
 * subject particle), its object, its dative, its owner (`X의`). The search is conservative: a word
 * that may be someone else (an unknown name, `아버지는`, `사내가`) or a figurative subject (`기가
 * 죽었다`, `마음이`) ends it with no answer, because naming the wrong character is worse than
 * naming none.
 */
import { ABSTRACT_NOUNS, DOUBLE_SURNAMES, NOT_NAMES, SURNAMES } from "../guard/Lexicon.ts"
import { isAllHangulSyllables } from "../text/Hangul.ts"
import { INANIMATE_SUBJECTS, PERSON_NOUNS, TARGET_PARTICLES } from "./KoreanPatterns.ts"
import { type NameIndex, nameAt, type Word } from "./NameIndex.ts"

export type Found =
  | { readonly _tag: "Named"; readonly ids: ReadonlyArray<string>; readonly word: number; readonly end: number }
  /** `그는`, `그녀가` …, ending at `end`. */
  | { readonly _tag: "Pronoun"; readonly end: number }
  | { readonly _tag: "None" }
  | { readonly _tag: "Blocked" }

const NONE: Found = { _tag: "None" }
const BLOCKED: Found = { _tag: "Blocked" }

const PRONOUNS = new Set(["그", "그녀", "그놈", "그자", "그이", "그분", "녀석", "그 녀석"])
const SUBJECT_ENDINGS = ["께서는", "께서도", "께서", "이가", "이는", "이도", "은", "는", "이", "가", "도", "마저", "조차"]
/** Stems of adverbs in -이 (`깊이`, `높이`, `같이`) and of `-다가`: not subjects. */
const ADVERB_STEMS = new Set(["깊", "높", "같", "많", "멀찍", "가까", "나직", "조용", "천천", "깨끗", "말없", "힘없", "하염없", "끝없", "틈틈", "곳곳", "가만", "다", "헛되", "길"])
/** Two-syllable verb stems before the adnominal `는` (`흐르는 피`, `떨리는 손`). */
const ADNOMINAL_STEMS = new Set(["흐르", "떨리", "꺼지", "식어", "스러", "무너", "다가", "바라", "지켜", "쓰러", "사라", "흩어", "번지", "빛나", "타오", "울리", "들리", "보이", "남아", "젖어", "떨어", "쏟아", "밀려", "몰아", "새어", "흘러", "꺼져"])

/** The noun and subject particle of a word, or undefined. */
const subjectSplit = (word: string): { noun: string; particle: string } | undefined => {
  for (const p of SUBJECT_ENDINGS) {
    if (word.length > p.length && word.endsWith(p)) {
      const noun = word.slice(0, word.length - p.length)
      if (isAllHangulSyllables(noun)) return { noun, particle: p }
    }
  }
  return undefined
}

const isPerson = (noun: string): boolean => PERSON_NOUNS.has(noun) || (NOT_NAMES.has(noun) && !INANIMATE_SUBJECTS.has(noun) && !ABSTRACT_NOUNS.has(noun))

/**
 * Bound nouns an adnominal stands before (`붙잡은 채`, `없다는 듯`, `들은 뒤`): the word before them
 * is no subject. Whole words only (with a particle): a name's topic may stand before any other noun.
 */
const MODIFIED = /^(?:채|듯|뒤|후|것|순간|적|줄|때|동안|사이|만큼|대로|무렵|척)(?:로|이|에|을|를|은|는|도|의|에서|이다|이었다|였다)?$/

/** What an unknown word with a subject particle means for the search: skip it, or stop. */
const unknownSubject = (noun: string, particle: string, next: string | undefined): "skip" | "stop" => {
  if (INANIMATE_SUBJECTS.has(noun)) return "skip"
  if (isPerson(noun)) return "stop"
  if (particle === "은" || particle === "는") {
    if (next !== undefined && MODIFIED.test(next)) return "skip"
    // 믿을 수 없다는 (듯): a quoted clause
    if (particle === "는" && noun.endsWith("다")) return "skip"
    // one-syllable stems are adnominals (작은, 붉은, 있는, 보는); longer ones may be a name (무진은)
    if (noun.length === 1) return "skip"
    if (particle === "는") {
      // 이서아는, 남궁민서는: a full name (a surname and a given name) may be someone the Bible does not know
      if ((noun.length === 3 && SURNAMES.has(noun[0]!)) || (noun.length === 4 && DOUBLE_SURNAMES.has(noun.slice(0, 2)))) return "stop"
      // 지켜보는, 쓰러지는, 흐르는 (피): adnominals of verbs
      if (noun.length >= 3 || ADNOMINAL_STEMS.has(noun)) return "skip"
    }
    return "stop"
  }
  if (particle === "이" || particle === "가") {
    if (ADVERB_STEMS.has(noun) || noun.endsWith("없") || noun.endsWith("다")) return "skip"
    return "stop"
  }
  // 도, 마저, 조차 after an unknown word: `그것도`, `이번에도`
  return "skip"
}

/**
 * The subject before word index `before` (exclusive): the character(s) named with a subject
 * particle (`태주와 백린은` gives both), a pronoun, nothing, or blocked by someone else.
 */
export const subjectBefore = (cast: NameIndex, words: ReadonlyArray<Word>, before: number): Found => {
  for (let i = before - 1; i >= 0; i--) {
    const named = nameAt(cast, words, i)
    if (named !== undefined) {
      if (TARGET_PARTICLES.subject.has(named.particle)) {
        const ids = [named.id]
        // 태주와 백린은 …: partners joined by 와/과 before the subject
        for (let k = named.first - 1; k >= 0; k--) {
          const partner = nameAt(cast, words, k)
          if (partner === undefined || !TARGET_PARTICLES.with.has(partner.particle)) break
          if (!ids.includes(partner.id)) ids.unshift(partner.id)
          k = partner.first
        }
        return { _tag: "Named", ids, word: named.first, end: words[i]!.end }
      }
      i = named.first
      continue
    }
    const w = words[i]!.text
    const split = subjectSplit(w)
    if (split === undefined) continue
    if (PRONOUNS.has(split.noun)) return { _tag: "Pronoun", end: words[i]!.end }
    if (unknownSubject(split.noun, split.particle, words[i + 1]?.text) === "stop") return BLOCKED
  }
  return NONE
}

/** The character the word right before `before` names with `의` (allowing one modifier between: `태주의 싸늘한 시신`). */
export const ownerBefore = (cast: NameIndex, words: ReadonlyArray<Word>, before: number): Found => {
  for (let i = before - 1; i >= Math.max(0, before - 2); i--) {
    const named = nameAt(cast, words, i)
    if (named !== undefined) {
      return TARGET_PARTICLES.owner.has(named.particle) ? { _tag: "Named", ids: [named.id], word: named.first, end: words[i]!.end } : BLOCKED
    }
    // one modifier may stand between: 태주의 싸늘한 시신, 백린의 왼쪽 다리
    if (i === before - 2 || !OWNED_MODIFIER.test(words[i]!.text)) break
  }
  return NONE
}

/** Words between an owner and what is owned: adnominals and sides. */
const OWNED_MODIFIER = /^(?:[가-힣]*(?:한|운|은|던|진|된|린|른|난|인)|왼쪽|오른쪽|왼|오른|한쪽|양쪽|두|한|온)$/

/**
 * The nearest word before `before` carrying one of `particles` (`무결을`, `윤하에게`, `윤하와`):
 * the character it names, or blocked when it names no one the index knows.
 */
export const markedBefore = (cast: NameIndex, words: ReadonlyArray<Word>, before: number, particles: ReadonlySet<string>): Found => {
  for (let i = before - 1; i >= 0; i--) {
    const named = nameAt(cast, words, i)
    if (named !== undefined) {
      if (particles.has(named.particle)) return { _tag: "Named", ids: [named.id], word: named.first, end: words[i]!.end }
      i = named.first
      continue
    }
    const w = words[i]!.text
    for (const p of particles) {
      if (w.length > p.length && w.endsWith(p) && isAllHangulSyllables(w)) {
        const noun = w.slice(0, w.length - p.length)
        // 태주의 가슴을 찔러 …: a body part of a named character
        if (INANIMATE_SUBJECTS.has(noun) && i > 0) {
          const owner = nameAt(cast, words, i - 1)
          if (owner !== undefined && TARGET_PARTICLES.owner.has(owner.particle)) {
            return { _tag: "Named", ids: [owner.id], word: owner.first, end: words[i - 1]!.end }
          }
        }
        // someone or something the index does not know takes that place: the phrase is not about the cast
        return BLOCKED
      }
    }
  }
  return NONE
}
