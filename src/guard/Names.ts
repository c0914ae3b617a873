/**
 * Reading names in Korean prose, for the name checks (`name.unknown` in `checks/NamesAndPlaces.ts`,
 * `character.dead-acts` in `checks/Character.ts`) and the analyst: the known forms of the Bible's
 * names, the words that are no names, and the narration (quoted dialogue and thoughts masked) with
 * the subject of each speech/gesture/action verb — the nearest preceding word carrying a subject
 * particle (이/가/은/는/께서/도).
 */
import type { Character } from "../domain/Bible.ts"
import { ABSTRACT_NOUNS, ABSTRACT_SUFFIXES, ACTION_VERB, DOUBLE_SURNAMES, GESTURE_VERB, NOT_NAMES, ROLE_SUFFIXES, SPEECH_VERB, SURNAMES } from "./Lexicon.ts"
import { isAllHangulSyllables } from "../text/Hangul.ts"
import { isParticleSuffix, stripHypocoristic } from "../text/Particles.ts"
import { type Span, splitSentences } from "../text/Sentences.ts"
import { type Memory, rememberedIn } from "../util/Memo.ts"

export interface NamedThing {
  readonly name: string
  readonly aliases?: ReadonlyArray<string>
}

/** Replaces quoted passages (“…”, ‘…’, "…", 「…」), quotes included, by spaces: offsets stay valid. */
export const maskQuotes = (text: string): string => {
  // Equivalent to blanking single code units of `text.split("")`; built from runs of kept text and of spaces.
  const parts: Array<string> = []
  let runStart = 0 // start of the current run
  let blanking = false // whether the current run is blanked
  let depth = 0
  let straight = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let blank: boolean
    // a Hangul syllable (most of the text) is no quote or line break: blanked as the quote state says
    if (c >= 0xac00 && c <= 0xd7a3) blank = depth > 0 || straight
    else if (c === 0x0a) {
      depth = 0
      straight = false
      blank = false
    } else if (c === 0x201c || c === 0x2018 || c === 0x300c || c === 0x300e) { // “ ‘ 「 『
      depth++
      blank = true
    } else if ((c === 0x201d || c === 0x2019 || c === 0x300d || c === 0x300f) && depth > 0) { // ” ’ 」 』
      depth--
      blank = true
    } else if (c === 0x22) {
      straight = !straight
      blank = true
    } else blank = depth > 0 || straight
    if (blank !== blanking) {
      if (i > runStart) parts.push(blanking ? " ".repeat(i - runStart) : text.slice(runStart, i))
      runStart = i
      blanking = blank
    }
  }
  if (runStart === 0 && !blanking) return text
  if (text.length > runStart) parts.push(blanking ? " ".repeat(text.length - runStart) : text.slice(runStart))
  return parts.join("")
}

/** The quoted passages of `text` (content without the quote marks), with offsets. */
export const quotedSpans = (text: string): Array<Span> => {
  const out: Array<Span> = []
  const re = /“([^”\n]*)”|"([^"\n]*)"|‘([^’\n]*)’|「([^」\n]*)」/g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const inner = m[1] ?? m[2] ?? m[3] ?? m[4] ?? ""
    out.push({ start: m.index + 1, end: m.index + 1 + inner.length, text: inner })
  }
  return out
}

// ---------------------------------------------------------------------------
// Known names

/** Every form that names a Bible entity: full names, aliases, their words, given names. */
export const knownNameForms = (things: ReadonlyArray<NamedThing>): Set<string> => {
  const out = new Set<string>()
  const add = (s: string) => {
    const t = s.normalize("NFC").trim()
    if (t.length === 0) return
    out.add(t)
    out.add(t.replace(/\s+/g, ""))
    for (const w of t.split(/\s+/)) {
      if (w.length >= 2) out.add(w)
      const bare = w.replace(/의$/, "")
      if (bare.length >= 2) out.add(bare)
    }
    for (const g of givenNames(t)) out.add(g)
  }
  for (const t of things) {
    add(t.name)
    for (const a of t.aliases ?? []) add(a)
  }
  return out
}

/**
 * {@link knownNameForms}, remembered by what it reads of the things (names and aliases, in order):
 * every check of every draft asks for the same Bible's forms. Callers do not change the set.
 */
export const knownFormsOf = (memory: Memory, things: ReadonlyArray<NamedThing>): ReadonlySet<string> =>
  knownFormsByKey(memory, JSON.stringify(things.map((t) => [t.name, t.aliases ?? []])))
const knownFormsByKey = rememberedIn(1024, (key: string): ReadonlySet<string> =>
  knownNameForms((JSON.parse(key) as Array<[string, Array<string>]>).map(([name, aliases]) => ({ name, aliases }))))

/** `서윤하` → `윤하`; `남궁민서` → `민서`; other names → none. */
export const givenNames = (name: string): Array<string> => {
  if (!isAllHangulSyllables(name)) return []
  if (name.length === 4 && DOUBLE_SURNAMES.has(name.slice(0, 2))) return [name.slice(2)]
  if (name.length === 3 && SURNAMES.has(name[0])) return [name.slice(1)]
  return []
}

/** Whether `word` (a bare candidate) is a known form, or a known form plus particles. */
export const isKnown = (word: string, known: ReadonlySet<string>): boolean => {
  if (known.has(word)) return true
  for (let k = word.length - 1; k >= 2; k--) {
    const head = word.slice(0, k)
    if (known.has(head) && isParticleSuffix(word.slice(k), head[head.length - 1])) return true
  }
  return false
}

const DEMONSTRATIVES = ["그", "이", "저"]
const SHORT_ROLE_SUFFIXES = ["들", "님", "씨"]
const NAME_ENDINGS = ["원", "부", "인", "자", "수", "공"]

/** Whether a bare word is surely not a person's name. (Pure: the answers are remembered.) */
export const isNotName = (word: string): boolean => decideNotName(word)

const decideNotName = (word: string): boolean => {
  if (!isAllHangulSyllables(word)) return true
  if (word.length < 2 || word.length > 6) return true
  if (NOT_NAMES.has(word) || ABSTRACT_NOUNS.has(word)) return true
  const hyp = stripHypocoristic(word, 2)
  if (NOT_NAMES.has(hyp)) return true
  for (const suf of ABSTRACT_SUFFIXES) if (word.endsWith(suf)) return true
  // a pronoun or demonstrative in front: 그남자, 이사람 …
  for (const p of DEMONSTRATIVES) if (word.startsWith(p) && NOT_NAMES.has(word.slice(1)) && word.length > 2) return true
  // role endings: 기사단장, 경비대, 사냥꾼, 마을사람들 …
  const nameLike3 = word.length === 3 && SURNAMES.has(word[0])
  for (const suf of ROLE_SUFFIXES) {
    if (!word.endsWith(suf) || word.length - suf.length < 1) continue
    if (word.length < 3 && !SHORT_ROLE_SUFFIXES.includes(suf)) continue
    if (nameLike3 && NAME_ENDINGS.includes(suf)) continue
    return true
  }
  // a known role noun at the end of a compound: 여관주인, 젊은병사 …
  for (let k = 1; k < word.length - 1; k++) if (NOT_NAMES.has(word.slice(k)) && word.length - k >= 2) return true
  return false
}
/** `isNotName`, remembered: a story reuses its words. */
export const isNotNameIn = rememberedIn(50_000, decideNotName)

// ---------------------------------------------------------------------------
// Subjects of verbs

interface Word {
  readonly start: number
  readonly end: number
  readonly text: string
}

const WORD = /[^\s.,?!…·:;“”‘’"'()[\]「」『』—–\-~]+/g

const wordsOf = (masked: string, from: number, to: number): Array<Word> => {
  const out: Array<Word> = []
  const slice = masked.slice(from, to)
  WORD.lastIndex = 0
  for (let m = WORD.exec(slice); m !== null; m = WORD.exec(slice)) {
    out.push({ start: from + m.index, end: from + m.index + m[0].length, text: m[0] })
  }
  return out
}

/** Words after which an 은/는 word is an adnominal modifier, not a subject (`떨리는 목소리로`). */
const MODIFIED = /^(?:목소리|얼굴|눈빛|표정|눈|손|말투|투|몸짓|동안|사이|순간|듯|채|척|모습|걸음|눈길|시선|뒷모습|것|때|곳|중)/

export interface Subject {
  /** The bare noun (particles stripped). */
  readonly noun: string
  readonly start: number
  readonly end: number
}

const SUBJECT_MARKERS = ["께서는", "께서도", "께서", "은", "는", "이", "가", "도"]
/** Stems of adverbs in -이 (나직이, 가까이 …). */
const ADVERB_STEMS = new Set(["나직", "나지막", "깊", "높", "같", "많", "멀찍", "느긋", "반듯", "꼿꼿", "또렷", "가까", "깨끗", "틈틈", "곳곳", "겹겹", "샅샅", "일일", "번번", "낱낱", "길", "널찍", "비스듬", "헛되", "부질없", "새삼스레", "수많", "적"])

const PRONOUNS = ["그", "나", "너", "저", "난", "넌", "내", "네", "제"]

/**
 * The subject of the verb at `verbAt`: the nearest preceding word (at most 12
 * back, same sentence) with a subject particle. One-syllable stems other than
 * pronouns (작은, 높이) and adnominals before a modified noun (떨리는 목소리로)
 * are skipped. The noun keeps a hypocoristic 이 (`도윤이는` → `도윤이`).
 */
export const subjectBefore = (
  words: ReadonlyArray<Word>,
  verbAt: number,
  known: (noun: string) => boolean = () => true,
): Subject | undefined => {
  let idx = -1
  for (let i = 0; i < words.length; i++) if (words[i].end <= verbAt) idx = i
  let nearest: Subject | undefined
  for (let i = idx, seen = 0; i >= 0 && seen < 12; i--, seen++) {
    const found = subjectWord(words, i, verbAt)
    if (found === undefined) continue
    if (found.noun.length === 1 || known(found.noun)) return found
    // an unknown word nearest the verb may be a modifier (흔들리는 불빛): a known name further back wins
    if (nearest === undefined) nearest = found
  }
  return nearest
}

/** Word `i` as a subject (noun + subject particle), or undefined. */
const subjectWord = (words: ReadonlyArray<Word>, i: number, verbAt: number): Subject | undefined => {
  const w = words[i]
  const next = words[i + 1]
  for (const p of SUBJECT_MARKERS) {
    if (!w.text.endsWith(p) || w.text.length - p.length < 1) continue
    const noun = w.text.slice(0, w.text.length - p.length)
    if (!isAllHangulSyllables(noun)) return undefined
    if ((p === "은" || p === "는") && next !== undefined && next.start < verbAt && MODIFIED.test(next.text)) return undefined
    if (noun.length === 1) return PRONOUNS.includes(noun) ? { noun, start: w.start, end: w.start + 1 } : undefined
    // 뜸을 들이다가 (connective -다가), 나직이 / 힘없이 (adverbs in -이): not subjects
    if (p === "가" && noun.length >= 3 && noun.endsWith("다")) return undefined
    // 다가가, 걸어가, 따라가: 가다 after a connective, not a subject
    if (p === "가" && (noun === "다가" || /[어러려와]$/.test(noun))) return undefined
    if (p === "이" && (noun.endsWith("없") || ADVERB_STEMS.has(noun))) return undefined
    return { noun, start: w.start, end: w.start + noun.length }
  }
  return undefined
}

export interface VerbHit {
  readonly kind: "speech" | "gesture" | "action"
  readonly at: number
  readonly end: number
}

const VERB_PATTERNS: ReadonlyArray<readonly [RegExp, VerbHit["kind"]]> = [[SPEECH_VERB, "speech"], [GESTURE_VERB, "gesture"], [ACTION_VERB, "action"]]

/** The words of a pattern that is an alternation of literal words, `/(?:말했|물었|…)/g`. */
const wordsOfAlternation = (re: RegExp): Array<string> => {
  const m = /^\(\?:([^\\^$.*+?()[\]{}]*)\)$/.exec(re.source)
  if (m === null || re.flags !== "g") throw new Error(`not an alternation of literal words: ${re}`)
  return m[1]!.split("|")
}

/** A verb pattern's words that start with one code unit, in the pattern's order, with their second code units. */
interface VerbWords {
  readonly pattern: number
  readonly words: ReadonlyArray<string>
  readonly seconds: Int32Array
}

/** Per code unit, 1 + the index in {@link verbGroups} of the words that start with it (0: none). */
const verbStarts = new Uint16Array(0x10000)
/** Per first code unit, each pattern's words starting with it, in the patterns' order. */
const verbGroups: Array<Array<VerbWords>> = []
{
  const byFirst = new Map<number, Array<Array<string>>>()
  VERB_PATTERNS.forEach(([re], k) => {
    for (const word of wordsOfAlternation(re)) {
      const first = word.charCodeAt(0)
      const lists = byFirst.get(first) ?? VERB_PATTERNS.map((): Array<string> => [])
      lists[k]!.push(word)
      byFirst.set(first, lists)
    }
  })
  for (const [first, lists] of byFirst) {
    verbGroups.push(lists.flatMap((words, pattern) =>
      words.length === 0 ? [] : [{ pattern, words, seconds: Int32Array.from(words, (w) => w.length > 1 ? w.charCodeAt(1) : -1) }]
    ))
    verbStarts[first] = verbGroups.length
  }
}

/**
 * The matches of the verb patterns in `text.slice(from, to)` (offsets in `text`), by position and
 * then in the patterns' order, as a stable sort of the three patterns' global matches gives them.
 * Each pattern is matched as the engine matches it (the leftmost position, its first word that fits,
 * the next search after the match), but all three in one pass, trying only the words that start
 * with the code unit at hand: the engine tries each pattern at every position.
 */
export const verbHitsIn = (text: string, from: number, to: number): Array<VerbHit> => {
  const out: Array<VerbHit> = []
  const resume = [from, from, from]
  for (let p = from; p < to; p++) {
    const group = verbStarts[text.charCodeAt(p)]!
    if (group === 0) continue
    const second = p + 1 < to ? text.charCodeAt(p + 1) : -2
    for (const { pattern, words, seconds } of verbGroups[group - 1]!) {
      if (p < resume[pattern]!) continue
      for (let w = 0; w < words.length; w++) {
        const word = words[w]!
        if ((seconds[w] === second || seconds[w] === -1) && p + word.length <= to && text.startsWith(word, p)) {
          out.push({ kind: VERB_PATTERNS[pattern]![1], at: p, end: p + word.length })
          resume[pattern] = p + word.length
          break
        }
      }
    }
  }
  return out
}

const verbHits = (masked: string, s: Span): Array<VerbHit> => verbHitsIn(masked, s.start, s.end)

/**
 * A draft's narration as both name checks read it: the masked text, its sentences, the verbs of
 * each sentence (as {@link verbHits} finds them) and, on demand, its words. The last one is kept:
 * the guard runs both checks on the same draft.
 */
interface Narration {
  readonly text: string
  readonly masked: string
  readonly sentences: ReadonlyArray<Span>
  readonly hits: ReadonlyArray<ReadonlyArray<VerbHit>>
  readonly words: Array<Array<Word> | undefined>
}

export const narrationOf = rememberedIn(2, (text: string): Narration => {
  const masked = maskQuotes(text)
  const sentences = splitSentences(masked)
  return { text, masked, sentences, hits: hitsBySentence(masked, sentences), words: [] }
})

/** The draft with its quotes masked and its sentences, as the name checks read it (cached: the last draft). */
export const narrationSentences = (memory: Memory, text: string): { readonly masked: string; readonly sentences: ReadonlyArray<Span> } => narrationOf(memory, text)

export const sentenceWords = (n: Narration, i: number): Array<Word> => {
  let words = n.words[i]
  if (words === undefined) {
    const s = n.sentences[i]
    words = wordsOf(n.masked, s.start, s.end)
    n.words[i] = words
  }
  return words
}

/**
 * `verbHits(masked, s)` for every sentence, from one scan of the whole text. A verb holds no
 * terminator, quote or line break, so a match never crosses a sentence boundary and the scan finds
 * what the per-sentence scans find; should a match not lie within one sentence, the per-sentence
 * scans are run instead.
 */
const hitsBySentence = (masked: string, sentences: ReadonlyArray<Span>): Array<Array<VerbHit>> => {
  const all = verbHitsIn(masked, 0, masked.length)
  const out: Array<Array<VerbHit>> = sentences.map(() => [])
  let si = 0
  for (const h of all) {
    while (si < sentences.length && sentences[si].end < h.end) si++
    if (si >= sentences.length || h.at < sentences[si].start) return sentences.map((s) => verbHits(masked, s))
    out[si].push(h)
  }
  return out
}

// ---------------------------------------------------------------------------
// Unknown names

export interface NameCheckInput {
  /** NFC text. */
  readonly text: string
  readonly characters: ReadonlyArray<Character>
  /** Places, factions, items: named things that are not unknown people either. */
  readonly others: ReadonlyArray<NamedThing>
  /** Recent episodes (and their summaries): a sentence retelling one is a recap, where the dead may still act. */
  readonly recaps?: ReadonlyArray<string>
  /** The guard instance's memory (see `GuardContext.memory`). */
  readonly memory: Memory
}
