/**
 * Finding the phrases of a rule list in a text's words with one dictionary lookup per word, where
 * a regular expression alternating some thousand phrases would try each of them at every
 * position. A phrase is matched by its last word (`숨을 거두었다` by `거두었다`), then the words
 * before it; a phrase of one noun (`시신`) matches a word that is the noun with its particles.
 */
import { isParticleSuffix } from "../text/Particles.ts"
import { expandChoices } from "./KoreanPatterns.ts"
import type { Word } from "./NameIndex.ts"

interface Entry<R> {
  readonly rule: R
  /** The phrase's words, the last one included. */
  readonly words: ReadonlyArray<string>
}

export interface PhraseMatcher<R> {
  readonly byLastWord: ReadonlyMap<string, ReadonlyArray<Entry<R>>>
  readonly nouns: ReadonlyArray<{ readonly noun: string; readonly rule: R }>
  /** The first code units of the nouns. */
  readonly nounStarts: ReadonlySet<number>
}

export interface PhraseHit<R> {
  readonly rule: R
  /** Index of the phrase's first and last word. */
  readonly first: number
  readonly last: number
  readonly start: number
  readonly end: number
}

/** The ways of writing the words with or without the spaces between them (`죽어 버렸다`, `죽어버렸다`). */
const spacings = (words: ReadonlyArray<string>): Array<Array<string>> => {
  if (words.length <= 1) return [[...words]]
  const out: Array<Array<string>> = []
  for (const rest of spacings(words.slice(1))) {
    out.push([words[0]!, ...rest])
    out.push([words[0]! + rest[0]!, ...rest.slice(1)])
  }
  return out
}

/**
 * The matcher of rules' phrases (with `{A|B}` choices). A phrase ending in `다` also ends in the
 * connectives `고` and `으며` (`숨을 거두었고`); it matches only a whole word, so `죽었다고`,
 * `죽었다는` and `죽었다면` are not `죽었다`.
 */
export const phraseMatcher = <R extends { readonly phrases: ReadonlyArray<string> }>(rules: ReadonlyArray<R>): PhraseMatcher<R> => {
  const byLastWord = new Map<string, Array<Entry<R>>>()
  const nouns: Array<{ noun: string; rule: R }> = []
  for (const rule of rules) {
    for (const phrase of rule.phrases.flatMap(expandChoices)) {
      const words = phrase.trim().split(/\s+/)
      const last = words[words.length - 1]!
      if (words.length === 1 && !last.endsWith("다")) {
        nouns.push({ noun: last, rule })
        continue
      }
      const stem = last.slice(0, -1)
      const endings = last.endsWith("다") ? [last, `${stem}고`, `${stem}으며`] : [last]
      for (const ending of endings) {
        for (const spaced of spacings([...words.slice(0, -1), ending])) {
          const key = spaced[spaced.length - 1]!
          const list = byLastWord.get(key) ?? []
          if (!list.some((e) => e.rule === rule && e.words.join(" ") === spaced.join(" "))) list.push({ rule, words: spaced })
          byLastWord.set(key, list)
        }
      }
    }
  }
  return { byLastWord, nouns, nounStarts: new Set(nouns.map((x) => x.noun.charCodeAt(0))) }
}

/**
 * The phrases in `words` (in order of their last word). Where phrases of one rule end at the same
 * word (`포로로 붙잡혔다`, `붙잡혔다`), the longest is the phrase.
 */
export const matchPhrases = <R>(matcher: PhraseMatcher<R>, words: ReadonlyArray<Word>): Array<PhraseHit<R>> => {
  const out: Array<PhraseHit<R>> = []
  for (let j = 0; j < words.length; j++) {
    const w = words[j]!
    const entries = matcher.byLastWord.get(w.text)
    if (entries !== undefined) {
      const from = out.length
      for (const e of entries) {
        const k = e.words.length
        if (j - k + 1 < 0) continue
        let same = true
        for (let q = 0; q < k - 1 && same; q++) same = words[j - k + 1 + q]!.text === e.words[q]
        if (!same) continue
        const first = j - k + 1
        const hit: PhraseHit<R> = { rule: e.rule, first, last: j, start: words[first]!.start, end: w.end }
        let q = from
        while (q < out.length && out[q]!.rule !== e.rule) q++
        if (q === out.length) out.push(hit)
        else if (first < out[q]!.first) out[q] = hit
      }
    }
    if (!matcher.nounStarts.has(w.text.charCodeAt(0))) continue
    for (const { noun, rule } of matcher.nouns) {
      if (w.text.startsWith(noun) && isParticleSuffix(w.text.slice(noun.length), noun[noun.length - 1]!)) {
        out.push({ rule, first: j, last: j, start: w.start, end: w.start + noun.length })
      }
    }
  }
  return out
}
