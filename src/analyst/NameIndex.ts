/**
 * Who a word of Korean prose names: an index of the forms (full name, aliases, the given name of a
 * Korean full name) of the characters, factions, items or places the analyst knows, and the
 * matching of a word against it with its particles (`윤하가`, `도윤이는`, `연화 공주께서`,
 * `마석두 단장은`). A form two entities share names neither of them.
 */
import { givenNames } from "../guard/Names.ts"
import { isParticleSuffix } from "../text/Particles.ts"
import { TITLES_AFTER } from "./KoreanPatterns.ts"

export interface Named {
  readonly id: string
  readonly name: string
  readonly aliases?: ReadonlyArray<string>
}

export interface NameIndex {
  /** One-word forms → id. */
  readonly words: ReadonlyMap<string, string>
  /** Forms of several words, split, → id. */
  readonly phrases: ReadonlyArray<{ readonly words: ReadonlyArray<string>; readonly id: string }>
  /** Every form (phrases joined by one space) → id, longest first. */
  readonly forms: ReadonlyArray<readonly [string, string]>
  /** The forms by their first code unit, longest first. */
  readonly byFirst: ReadonlyMap<number, ReadonlyArray<readonly [string, string]>>
  readonly longest: number
}

/** The forms of an entity: its name and aliases as written, and the given name of a Korean full name (`서윤하` → `윤하`). */
export const formsOf = (thing: Named): ReadonlyArray<string> => {
  const out = new Set<string>()
  for (const raw of [thing.name, ...(thing.aliases ?? [])]) {
    const form = raw.normalize("NFC").trim().replace(/\s+/g, " ")
    if (form.length < 2) continue
    out.add(form)
    for (const given of givenNames(form)) out.add(given)
  }
  return [...out]
}

export const buildNameIndex = (things: ReadonlyArray<Named>): NameIndex => {
  const owners = new Map<string, Set<string>>()
  for (const t of things) {
    for (const f of formsOf(t)) {
      const set = owners.get(f) ?? new Set<string>()
      set.add(t.id)
      owners.set(f, set)
    }
  }
  const words = new Map<string, string>()
  const phrases: Array<{ words: ReadonlyArray<string>; id: string }> = []
  const forms: Array<readonly [string, string]> = []
  let longest = 0
  for (const [form, ids] of owners) {
    if (ids.size !== 1) continue
    const id = [...ids][0]!
    forms.push([form, id])
    if (form.includes(" ")) phrases.push({ words: form.split(" "), id })
    else {
      words.set(form, id)
      longest = Math.max(longest, form.length)
    }
  }
  forms.sort((a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  phrases.sort((a, b) => b.words.length - a.words.length)
  const byFirst = new Map<number, Array<readonly [string, string]>>()
  for (const f of forms) {
    const list = byFirst.get(f[0].charCodeAt(0)) ?? []
    list.push(f)
    byFirst.set(f[0].charCodeAt(0), list)
  }
  return { words, phrases, forms, longest, byFirst }
}

/** A word of a sentence, with its offsets in the text. */
export interface Word {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** A name found at a word: the entity, what follows the name in the word (its particles), and the first word of the name. */
export interface NameAt {
  readonly id: string
  readonly particle: string
  readonly first: number
}

/** The entity that `word` names followed only by particles, and those particles. */
export const nameInWord = (index: NameIndex, word: string): { readonly id: string; readonly particle: string } | undefined => {
  for (let k = Math.min(word.length, index.longest); k >= 2; k--) {
    const head = word.slice(0, k)
    const id = index.words.get(head)
    if (id !== undefined && isParticleSuffix(word.slice(k), head[k - 1]!)) return { id, particle: word.slice(k) }
  }
  return undefined
}

/** The entity named by words[i] (with the words before it for a name of several words, or a name before a title). */
export const nameAt = (index: NameIndex, words: ReadonlyArray<Word>, i: number): NameAt | undefined => {
  const w = words[i]!.text
  for (const p of index.phrases) {
    const n = p.words.length
    if (i - n + 1 < 0) continue
    let same = true
    for (let k = 0; k < n - 1 && same; k++) same = words[i - n + 1 + k]!.text === p.words[k]
    const last = p.words[n - 1]!
    if (same && w.startsWith(last) && isParticleSuffix(w.slice(last.length), last[last.length - 1]!)) {
      return { id: p.id, particle: w.slice(last.length), first: i - n + 1 }
    }
  }
  const own = nameInWord(index, w)
  if (own !== undefined) return { ...own, first: i }
  // 마석두 단장은: the name bare, a title after it carrying the particles
  if (i > 0) {
    const before = index.words.get(words[i - 1]!.text)
    if (before !== undefined) {
      for (let k = Math.min(w.length, 3); k >= 1; k--) {
        const title = w.slice(0, k)
        if (TITLES_AFTER.has(title) && isParticleSuffix(w.slice(k), title[k - 1]!)) return { id: before, particle: w.slice(k), first: i - 1 }
      }
    }
  }
  return undefined
}

/** A mention of an entity in a text. */
export interface Mention {
  readonly id: string
  readonly start: number
  /** End of the name (particles excluded). */
  readonly end: number
}

const isSyllable = (c: number): boolean => c >= 0xac00 && c <= 0xd7a3

/**
 * Every mention of the index's entities in `text`, in order: a form standing at the start of a word
 * and followed by particles only; where several forms start there, the longest.
 */
export const mentionsIn = (text: string, index: NameIndex): Array<Mention> => {
  const out: Array<Mention> = []
  let previousIsSyllable = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const startsWord = !previousIsSyllable
    previousIsSyllable = isSyllable(c)
    if (!startsWord) continue
    const forms = index.byFirst.get(c)
    if (forms === undefined) continue
    for (const [form, id] of forms) {
      if (!text.startsWith(form, i)) continue
      let e = i + form.length
      while (e < text.length && isSyllable(text.charCodeAt(e))) e++
      if (!isParticleSuffix(text.slice(i + form.length, e), form[form.length - 1]!)) continue
      out.push({ id, start: i, end: i + form.length })
      i += form.length - 1
      previousIsSyllable = isSyllable(text.charCodeAt(i))
      break
    }
  }
  return out
}
