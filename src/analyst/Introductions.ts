/**
 * New people and places the text introduces by name, by the patterns Korean prose uses for it:
 * `이름은 무진이었다`, `무진이라는 사내`, `'흑랑'이라 불리는 자객`, `자신을 하린이라고 소개했다`,
 * `저는 하린이라고 합니다`, `경사 문태오` (a full name after an occupation, met again),
 * `하람이라는 작은 마을`, `청풍객잔에 도착했다`. A name the Bible has
 * already (name, alias or given name) or a common noun is never introduced.
 */
import { ABSTRACT_NOUNS, NOT_NAMES, SURNAMES } from "../guard/Lexicon.ts"
import { givenNames } from "../guard/Names.ts"
import { batchimIndex, isAllHangulSyllables } from "../text/Hangul.ts"
import { isParticleSuffix, nounCandidates } from "../text/Particles.ts"
import {
  INTRODUCTIONS, isPlaceNoun, NAME_BEFORE, NAME_TAGS, NEVER_NAMES, OCCUPATIONS, PERSON_NOUNS, PLACE_ENDINGS, TITLES_AFTER,
} from "./KoreanPatterns.ts"
import { type NameIndex, nameInWord } from "./NameIndex.ts"
import type { Narration } from "./Narration.ts"
import type { PhraseHit } from "./PhraseMatcher.ts"
import { type AnalystRule, isArrivalRule } from "./Phrases.ts"

export interface IntroducedPerson {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly role: string
  /** Where the introducing pattern starts and ends in the text. */
  readonly start: number
  readonly end: number
}

export interface IntroducedPlace {
  readonly name: string
  readonly description: string
  readonly start: number
  readonly end: number
}

export interface KnownNames {
  /** The Bible's characters: a name of theirs is never a new person or place. */
  readonly characters: NameIndex
  /** Its factions, items and places (made when first asked for). */
  readonly others: () => NameIndex
  /** The Bible's place names, spaces removed. */
  readonly places: ReadonlySet<string>
}

const squeeze = (s: string): string => s.replace(/\s+/g, "")

/** Whether `word` is a Bible name (with particles, if any). */
const isKnownName = (known: KnownNames, word: string): boolean =>
  nameInWord(known.characters, word) !== undefined || nameInWord(known.others(), word) !== undefined

/** Whether `name` may be a new person's name: Hangul, 2–5 syllables, no common noun, nobody's name already. */
export const isNewName = (name: string, known: KnownNames): boolean =>
  isAllHangulSyllables(name) && name.length >= 2 && name.length <= 5 && !NOT_NAMES.has(name) && !ABSTRACT_NOUNS.has(name) &&
  !NEVER_NAMES.has(name) && !PERSON_NOUNS.has(name) && !isPlaceNoun(name) && !isKnownName(known, name) &&
  !known.places.has(name)

const isNewPlace = (name: string, known: KnownNames): boolean => {
  const bare = squeeze(name)
  return !known.places.has(bare) && !isKnownName(known, bare) && !NOT_NAMES.has(bare) && !NEVER_NAMES.has(bare)
}

/** A one-word place name (`청풍객잔`, `흑수항`): its ending, or undefined. */
const placeEnding = (word: string): string | undefined => {
  if (!isAllHangulSyllables(word) || NOT_NAMES.has(word) || isPlaceNoun(word)) return undefined
  for (const ending of PLACE_ENDINGS) {
    if (!word.endsWith(ending)) continue
    const stem = word.length - ending.length
    if (stem >= (ending.length === 1 ? 2 : 1) && stem + ending.length <= 7) return ending
  }
  return undefined
}

/** A role the text gives a name: a role noun right before it (`대장장이 마석두`) or a title right after it (`마석두 단장`). */
export const roleInText = (text: string, name: string): string => {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = /([가-힣]+)\s$/.exec(text.slice(Math.max(0, at - 8), at))
    if (before !== null && PERSON_NOUNS.get(before[1]!) === true) return before[1]!
    const after = /^\s([가-힣]+)/.exec(text.slice(at + name.length, at + name.length + 8))
    if (after !== null && text.charCodeAt(at + name.length) === 0x20) {
      for (const candidate of nounCandidates(after[1]!, 1)) if (TITLES_AFTER.has(candidate)) return candidate
    }
  }
  return ""
}

const isSyllable = (c: number): boolean => c >= 0xac00 && c <= 0xd7a3

/** Syllables that end a word as a particle: a three-syllable word ending in one is a noun and its particle. */
const PARTICLE_ENDINGS: ReadonlySet<string> = new Set(["을", "를", "이", "가", "은", "는", "의", "에", "도", "와", "과", "로", "께", "만", "랑"])

/**
 * The matches of `re` in `text` that lie around an occurrence of one of `needs` (`reach` code units
 * before and after it, widened to whole words), in order, with their offsets in `text`.
 */
const matchesAround = (
  text: string,
  re: RegExp,
  needs: ReadonlyArray<string>,
  reach: readonly [number, number],
): Array<RegExpExecArray> => {
  const windows: Array<[number, number]> = []
  for (const word of needs) {
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      let start = Math.max(0, at - reach[0])
      while (start > 0 && isSyllable(text.charCodeAt(start - 1))) start--
      let end = Math.min(text.length, at + word.length + reach[1])
      while (end < text.length && isSyllable(text.charCodeAt(end))) end++
      windows.push([start, end])
    }
  }
  if (windows.length === 0) return []
  windows.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = [windows[0]!]
  for (const w of windows.slice(1)) {
    const last = merged[merged.length - 1]!
    if (w[0] <= last[1]) last[1] = Math.max(last[1], w[1])
    else merged.push(w)
  }
  const out: Array<RegExpExecArray> = []
  for (const [start, end] of merged) {
    // a window starts at the start of a line or after a space: a match at its start starts a word in the text too
    for (const m of text.slice(start, end).matchAll(re)) {
      m.index += start
      out.push(m as RegExpExecArray)
    }
  }
  return out
}

/** An adnominal word (`작은`, `조용한`, `커다란`, `낡은`): it ends in a syllable with the final ㄴ. */
const isAdnominal = (word: string): boolean => word.length >= 2 && batchimIndex(word[word.length - 1]!) === 4

export interface Introductions {
  readonly people: ReadonlyArray<IntroducedPerson>
  readonly places: ReadonlyArray<IntroducedPlace>
}

/** The people and places `n`'s text introduces: people anywhere (`제 이름은 …` is dialogue), places where the narration arrives. */
export const findIntroductions = (n: Narration, known: KnownNames, phrases: ReadonlyArray<PhraseHit<AnalystRule>>): Introductions => {
  const text = n.text
  const people: Array<IntroducedPerson> = []
  const places: Array<IntroducedPlace> = []
  const person = (name: string, nounRole: string, start: number, end: number) => {
    if (!isNewName(name, known) || people.some((p) => p.name === name)) return
    const aliases = givenNames(name).filter((g) => isNewName(g, known))
    people.push({ name, aliases, role: nounRole !== "" ? nounRole : roleInText(text, name), start, end })
  }
  const place = (name: string, description: string, start: number, end: number) => {
    if (!isNewPlace(name, known) || places.some((p) => squeeze(p.name) === squeeze(name))) return
    places.push({ name, description, start, end })
  }

  for (const { re, name: where, nounAfter, needs, reach } of INTRODUCTIONS) {
    for (const m of matchesAround(text, re, needs, reach)) {
      let name: string
      let start = m.index
      if (where === "group") name = m[1]!
      else {
        const window = text.slice(Math.max(0, m.index - 8), m.index)
        const before = NAME_BEFORE.exec(window)
        if (before === null) continue
        name = before[1]!
        start = m.index - window.length + before.index
        // 윤세라는 …: a known name and its topic particle, not `윤세` + `라는`
        const wordEnd = text.indexOf(" ", start)
        if (isKnownName(known, text.slice(start, wordEnd < 0 ? text.length : wordEnd).replace(/^['‘“"「『]/, ""))) continue
      }
      const end = m.index + m[0].length
      if (where !== "group" && nounAfter && isPlaceNoun(name)) {
        // 붉은바위 마을이라는 곳 / 흑조 클럽이라는 술집: the place's name is the word before and its noun
        const prev = /(?<![가-힣])([가-힣]{2,6}) $/.exec(text.slice(Math.max(0, start - 8), start))
        const word = prev?.[1]
        if (word !== undefined && !isAdnominal(word) && !PARTICLE_ENDINGS.has(word[word.length - 1]!) && !NOT_NAMES.has(word)) {
          place(`${word} ${name}`, name, start - prev![0].length, end)
        }
        continue
      }
      if (!nounAfter) {
        person(name, "", start, end)
        continue
      }
      // the words after `X라는`: a person or place noun, after adnominals only (작은, 낡은, 이름의), says what X is
      const words = (m.groups?.["rest"] ?? "").split(/\s+/)
      for (let k = 0; k < words.length; k++) {
        const w = words[k]!
        // 이름의 소년 / 이름을 가진 소년
        if (w === "이름의" || w === "이름을" || (w === "가진" && words[k - 1] === "이름을")) continue
        const nouns = nounCandidates(w, 1)
        if (nouns.some((x) => NAME_TAGS.has(x))) {
          person(name, "", start, end)
          break
        }
        const personNoun = nouns.find((x) => PERSON_NOUNS.has(x))
        if (personNoun !== undefined) {
          person(name, PERSON_NOUNS.get(personNoun) === true ? personNoun : "", start, end)
          break
        }
        // 청풍이라는 곳: a place, called by no noun of its kind
        const placeNoun = nouns.find((x) => isPlaceNoun(x)) ?? (nouns.includes("곳") ? "곳" : undefined)
        if (placeNoun !== undefined) {
          place(name, [...words.slice(0, k).filter((x) => x !== "이름의"), placeNoun].join(" "), start, end)
          break
        }
        if (!isAdnominal(w)) break
      }
    }
  }

  // 경사 문태오 … 문태오 경사님: a full Korean name after an occupation, met again in the text
  for (let k = 0; k + 1 < n.words.length; k++) {
    const role = n.words[k]!.text
    if (!OCCUPATIONS.has(role)) continue
    const next = n.words[k + 1]!
    if (text.slice(n.words[k]!.end, next.start) !== " ") continue
    const name = next.text.slice(0, 3)
    const rest = next.text.slice(3)
    // 배지를, 사이에, 하나가: a word of two syllables and a particle, not a name
    const bare = rest === "" && PARTICLE_ENDINGS.has(name[2] ?? "")
    if (name.length !== 3 || !SURNAMES.has(name[0]!) || !isAllHangulSyllables(name) || bare || !isParticleSuffix(rest, name[2]!)) continue
    if (text.indexOf(name, next.end) < 0) continue
    person(name, role, n.words[k]!.start, next.end)
  }

  // 청운객잔에 도착했다 / 청풍 객잔에 닿았다
  for (const hit of phrases) {
    if (!isArrivalRule(hit.rule)) continue
    const at = n.words[hit.first - 1]
    if (at === undefined || !at.text.endsWith("에") || at.text.length < 3) continue
    const word = at.text.slice(0, -1)
    const previous = n.words[hit.first - 2]
    if (isPlaceNoun(word) && previous !== undefined && text.slice(previous.end, at.start) === " ") {
      // 청풍 객잔: the word before must be a name, not a modifier (작은, 낡은, 그, 어느, 윤하의)
      const first = previous.text
      const last = first[first.length - 1]!
      const modifier = batchimIndex(last) === 4 || batchimIndex(last) === 8 || last === "의" || NOT_NAMES.has(first) ||
        NEVER_NAMES.has(first) || /(?:던|운|한|른|인|된|은|는)$/.test(first)
      if (!modifier && isAllHangulSyllables(first)) place(`${first} ${word}`, word, previous.start, hit.end)
      continue
    }
    const ending = placeEnding(word)
    if (ending !== undefined) place(word, ending, at.start, hit.end)
  }
  return { people, places }
}
