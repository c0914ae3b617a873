/**
 * The guard's built-in checks. Each is a {@link GuardCheck}: a pure function of
 * the {@link GuardContext} returning findings whose evidence is a span of
 * `ctx.text` (the NFC draft): `ctx.text.slice(start, end) === evidence.text`.
 */
import type { Bible, Character } from "../domain/Bible.ts"
import { countCharsWithSpaces, type Episode, type Evidence, type GuardFinding, type Severity } from "../domain/Episode.ts"
import type { LengthBand } from "../domain/Project.ts"
import { hangulStats, isHangul, isLetter } from "../text/Hangul.ts"
import { isParticleSuffix } from "../text/Particles.ts"
import {
  charShingles, isGramSize, isWhitespaceCode, type KnownHits, occurrencesIn, pairGrams, type PairGrams, pairOccurrencesIn, repeatedPassages, repeatedPassagesIn,
  sharedPassages, sharedPassagesWhere, shingleOverlap, squeeze, type Squeezed, squeezeChars, SqueezedText, textGrams, type TextGrams,
} from "../text/Shingles.ts"
import { deadCharacterFindings, knownFormsOf, unknownNameFindings } from "./Names.ts"
import { keepRecent } from "../util/Lru.ts"
import type { EpisodeFingerprint } from "./Fingerprint.ts"

/** What the guard reads of a recent episode. */
export type RecentEpisode = Pick<Episode, "number" | "body"> & Partial<Pick<Episode, "summary">>

/** What a guard check needs to know about the project. */
export interface GuardProject {
  readonly lengthBand: LengthBand
  readonly language: string
  readonly bannedWords: ReadonlyArray<string>
  /** The project's style rules: the point of view they ask for is checked (see `PointOfView.ts`). */
  readonly styleRules?: ReadonlyArray<string>
}

/** What a guard check needs to know about the Bible. */
export type GuardBible = Pick<Bible, "characters"> & Partial<Pick<Bible, "places" | "factions" | "items" | "worldRules">>

export interface GuardOptions {
  /** `accepted` needs a reward at least this high (and no error). Default 0.6. */
  readonly acceptThreshold: number
  /** Least share of Hangul among letters for a `ko` project. Default 0.85. */
  readonly minHangulShare: number
  /**
   * Most share of Latin words among the words of a `ko` draft (Bible names and acronyms of up to
   * five capitals such as OK, CCTV, SNS left out). Default 0.05.
   */
  readonly maxLatinWordShare: number
  /** … and a draft with fewer Latin words than this passes whatever its share. Default 5. */
  readonly minLatinWords: number
  /** Character n-gram size for repetition (whitespace ignored). Default 10. */
  readonly shingleSize: number
  /** A passage shared with a recent episode at least this long (non-space characters) is an error. Default 60. */
  readonly recentPassageError: number
  /** … and at least this long a warning. Default 40. */
  readonly recentPassageWarning: number
  /** n-gram size for the shared share (longer than `shingleSize`: names and speech tags recur by nature). Default 20. */
  readonly shareShingleSize: number
  /** Share of the draft's `shareShingleSize`-grams found in recent episodes that is an error. Default 0.25. */
  readonly recentShareError: number
  /** A passage occurring twice in the draft at least this long is an error. Default 60. */
  readonly internalPassageError: number
  /** … and at least this long a warning. Default 40. */
  readonly internalPassageWarning: number
  /**
   * Severity of `ending.no-hook` and `ending.monotonous` (see `Cliffhanger.ts`), or "off". Default
   * "warning": a weak ending costs 10 % of the reward but never rejects a draft on its own.
   */
  readonly endingSeverity: Severity | "off"
  /** `ending.monotonous`: this many episodes in a row (the draft included) ending on the same kind of hook. Default 3. */
  readonly monotonousEndingRun: number
  /** … or this many in a row ending on nearly the same final sentence. Default 2. */
  readonly similarEndingRun: number
}

export const defaultGuardOptions: GuardOptions = {
  acceptThreshold: 0.6,
  minHangulShare: 0.85,
  maxLatinWordShare: 0.05,
  minLatinWords: 5,
  shingleSize: 10,
  recentPassageError: 60,
  recentPassageWarning: 40,
  shareShingleSize: 20,
  recentShareError: 0.25,
  internalPassageError: 60,
  internalPassageWarning: 40,
  endingSeverity: "warning",
  monotonousEndingRun: 3,
  similarEndingRun: 2,
}

/** Everything a check sees. `text` is the draft in NFC; evidence offsets refer to it. */
export interface GuardContext {
  readonly text: string
  /** The episode the draft is for: the job's number (a check never guesses it from the recent episodes). */
  readonly episode: number
  /** A fingerprint of every committed episode of the project (see `Fingerprint.ts`); empty when not given. */
  readonly history: ReadonlyArray<EpisodeFingerprint>
  readonly project: GuardProject
  readonly bible: GuardBible
  /** Recent episodes, newest last (with their summaries when known: a recap of one is no copy). */
  readonly recent: ReadonlyArray<RecentEpisode>
  /** Project banned words and the extra ones, NFC, deduplicated. */
  readonly bannedWords: ReadonlyArray<string>
  readonly options: GuardOptions
}

/** A guard check, built-in or a plugin's: pure, and its evidence must be a span of `ctx.text`. */
export type GuardCheck = (ctx: GuardContext) => ReadonlyArray<GuardFinding>

export const isKorean = (language: string): boolean => /^ko(?:-|$)/i.test(language)

export const evidenceOf = (text: string, start: number, end: number): Evidence => ({ start, end, text: text.slice(start, end) })

// ---------------------------------------------------------------------------

/** `length.short` / `length.long`: characters with spaces (line breaks excluded) outside the band. */
export const lengthCheck: GuardCheck = (ctx) => {
  const { text } = ctx
  const { min, max } = ctx.project.lengthBand
  const n = countCharsWithSpaces(text)
  if (n < min) {
    const start = text.length - text.trimStart().length
    const end = text.trimEnd().length
    return [{
      code: "length.short",
      category: "length",
      severity: "error",
      message: `${n} characters with spaces, below the band ${min}–${max} by ${min - n}`,
      evidence: evidenceOf(text, start, Math.max(start, end)),
    }]
  }
  if (n > max) {
    // evidence: everything past the max-th counted character
    let counted = 0
    let cut = text.length
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i) ?? 0
      const width = cp > 0xffff ? 2 : 1
      const ch = text.slice(i, i + width)
      if (ch !== "\n" && ch !== "\r") {
        if (counted === max) {
          cut = i
          break
        }
        counted++
      }
      i += width
    }
    return [{
      code: "length.long",
      category: "length",
      severity: "error",
      message: `${n} characters with spaces, above the band ${min}–${max} by ${n - max}`,
      evidence: evidenceOf(text, cut, text.length),
    }]
  }
  return []
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * `banned-word`: every occurrence of a banned word (case-insensitive). A word
 * of three or more characters matches anywhere (Korean glues particles and
 * compounds to it: `스마트폰으로`, `구형스마트폰`); a shorter one only as a
 * word of its own, bare or with particles (`헐` must not match `헐떡였다`).
 */
export const bannedWordCheck: GuardCheck = (ctx) => {
  const out: Array<GuardFinding> = []
  for (const word of ctx.bannedWords) {
    const short = [...word].length <= 2
    const re = new RegExp(short ? `(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(\\p{L}*)` : escapeRegExp(word), "giu")
    for (let m = re.exec(ctx.text); m !== null; m = re.exec(ctx.text)) {
      if (m[0].length === 0) {
        re.lastIndex++
        continue
      }
      const rest = short ? (m[1] ?? "") : ""
      if (short && rest.length > 0 && !isParticleSuffix(rest, word[word.length - 1])) continue
      const end = m.index + m[0].length - rest.length
      out.push({
        code: "banned-word",
        category: "style",
        severity: "error",
        message: `banned word "${word}"`,
        evidence: evidenceOf(ctx.text, m.index, end),
      })
    }
  }
  return out.sort((a, b) => (a.evidence?.start ?? 0) - (b.evidence?.start ?? 0))
}

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
  const names = knownFormsOf([...ctx.bible.characters, ...namedOthers(ctx.bible)])
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

const HEADING_LINE = /^[ \t]*#[^\n]*$/gm
/**
 * The text with its heading lines blanked (offsets kept). Several checks read the draft's (and one
 * the previous episode's): the last two answers are kept (by value: a hit compares the strings).
 */
export const bodyOnly = (text: string): string => {
  if (text === bodies[0]) return bodies[1]
  if (text === bodies[2]) return bodies[3]
  const body = text.includes("#") ? text.replace(HEADING_LINE, (line) => " ".repeat(line.length)) : text
  bodies = [text, body, bodies[0], bodies[1]]
  return body
}
let bodies: readonly [string, string, string, string] = ["", "", "", ""]

/** Text the Bible supplies (descriptions, rules, premise-like facts): quoting it is not copying an episode. */
export const bibleText = (bible: GuardBible): string =>
  [
    ...(bible.places ?? []).map((p) => `${p.name} ${p.description}`),
    ...(bible.factions ?? []).map((f) => `${f.name} ${f.description}`),
    ...(bible.items ?? []).map((i) => `${i.name} ${i.description}`),
    ...(bible.worldRules ?? []),
    ...bible.characters.flatMap((c) => [...c.traits]),
  ].join("\n").normalize("NFC")

/** The draft without headings, squeezed, and its n-grams: both repetition checks read them. The last draft is kept. */
interface DraftGrams {
  readonly text: string
  readonly draft: string
  readonly sq: Squeezed
  readonly grams: Map<number, TextGrams>
}

let lastDraft: DraftGrams | undefined

const draftOf = (text: string): DraftGrams => {
  if (lastDraft !== undefined && lastDraft.text === text) return lastDraft
  const draft = bodyOnly(text)
  lastDraft = { text, draft, sq: squeeze(draft), grams: new Map() }
  return lastDraft
}

const draftGrams = (d: DraftGrams, n: number): TextGrams => {
  let g = d.grams.get(n)
  if (g === undefined) {
    g = textGrams(d.sq.chars, n)
    d.grams.set(n, g)
  }
  return g
}

/**
 * Squeezed recent episodes, summaries and Bible texts with their n-gram hashes, by their text: a
 * committed episode is compared with the next few drafts of its project. An LRU with room for
 * every project's recent episodes (the factory interleaves the jobs of many projects).
 */
const SQUEEZED_CACHE_SIZE = 160
const squeezedBodies = new Map<string, SqueezedText>()
const squeezedTexts = new Map<string, SqueezedText>()
const squeezedOnce = (kind: "body" | "text", source: string): SqueezedText => {
  // bodyOnly leaves a text without `#` as it is (NFC makes none): a committed body has no heading,
  // and the place check squeezes the same bodies as texts
  const headings = kind === "body" && source.includes("#")
  const cache = headings ? squeezedBodies : squeezedTexts
  let hit = cache.get(source)
  if (hit === undefined) hit = new SqueezedText(squeezeChars(headings ? bodyOnly(source.normalize("NFC")) : source.normalize("NFC")))
  keepRecent(cache, source, hit, SQUEEZED_CACHE_SIZE)
  return hit
}

/** `squeezeChars(text.normalize("NFC"))`, remembered with the recent episodes' texts. */
export const squeezedNfc = (text: string): string => squeezedOnce("text", text).chars

/** The recent episodes' texts and those whose n-grams do not count (their summaries, the Bible's text), squeezed. */
const recentTexts = (ctx: GuardContext) => {
  const bodies = ctx.recent.map((ep) => squeezedOnce("body", ep.body))
  const excluded: Array<SqueezedText> = []
  for (const ep of ctx.recent) if (ep.summary) excluded.push(squeezedOnce("text", ep.summary))
  excluded.push(squeezedOnce("text", bibleText(ctx.bible)))
  return { bodies, excluded }
}

type RecentTexts = ReturnType<typeof recentTexts>

interface Reference {
  /** Whether the n-gram at draft position `i` occurs in a recent episode and in no excluded text. */
  readonly shared: (i: number) => boolean
  /** Where each text's n-grams occur in the draft (see {@link occurrencesIn}). */
  readonly bodies: ReadonlyArray<KnownHits>
  readonly excluded: ReadonlyArray<KnownHits>
}

/**
 * The n-grams of the recent episodes, minus those of their summaries (a recap is allowed) and of the
 * Bible, as a test on the n-grams of the squeezed draft. The draft's n-grams are indexed and the
 * other texts looked up in it (for a larger n, only where a smaller one, `prior`, found both ends):
 * the same answers as a set of the recent n-grams, for less work.
 */
const referenceFor = (texts: RecentTexts, grams: TextGrams, prior?: Reference): Reference => {
  const inBodies = new Uint8Array(grams.first.length)
  const minus = new Uint8Array(grams.first.length)
  const usable = prior !== undefined && prior.bodies.length > 0 && prior.bodies[0]!.k <= grams.n ? prior : undefined
  const bodies = texts.bodies.map((t, j) => ({ k: grams.n, at: occurrencesIn(grams, t, inBodies, usable?.bodies[j]) }))
  const excluded = texts.excluded.map((t, j) => ({ k: grams.n, at: occurrencesIn(grams, t, minus, usable?.excluded[j]) }))
  const { first } = grams
  return { shared: (i) => inBodies[first[i]!] === 1 && minus[first[i]!] === 0, bodies, excluded }
}

/** {@link referenceFor} of the draft's m-grams as pairs of its k-grams, from the k-gram reference. */
const pairReferenceFor = (texts: RecentTexts, grams: PairGrams, base: Reference): ((i: number) => boolean) => {
  const inBodies = new Uint8Array(grams.first.length)
  const minus = new Uint8Array(grams.first.length)
  texts.bodies.forEach((t, j) => pairOccurrencesIn(grams, base.bodies[j]!, t.chars.length, inBodies))
  texts.excluded.forEach((t, j) => pairOccurrencesIn(grams, base.excluded[j]!, t.chars.length, minus))
  const { first } = grams
  return (i) => inBodies[first[i]!] === 1 && minus[first[i]!] === 0
}

/** Share of the distinct n-grams (`first[i] === i`) that `shared` accepts; 0 without any. */
const shareOf = (grams: { readonly first: Int32Array; readonly distinct: number }, shared: (i: number) => boolean): number => {
  if (grams.distinct === 0) return 0
  let count = 0
  for (let i = 0; i < grams.first.length; i++) if (grams.first[i] === i && shared(i)) count++
  return count / grams.distinct
}

/**
 * `repetition.recent`: a long passage (or a large share of the draft's
 * n-grams) shared with recent episodes; evidence is the longest shared
 * passage. Recaps of a recent episode's summary and text taken from the Bible
 * do not count.
 */
export const recentRepetitionCheck: GuardCheck = (ctx) => {
  if (ctx.recent.length === 0) return []
  const o = ctx.options
  const n = o.shingleSize
  const d = draftOf(ctx.text)
  const { draft, sq } = d
  const texts = recentTexts(ctx)
  const base = isGramSize(n) ? referenceFor(texts, draftGrams(d, n)) : undefined
  const passages = base !== undefined
    ? sharedPassagesWhere(draft, sq, base.shared, n, Math.min(o.recentPassageWarning, o.recentPassageError))
    : sharedPassages(draft, slowRecentReference(ctx, n), n, Math.min(o.recentPassageWarning, o.recentPassageError))
  const m = o.shareShingleSize
  let share: number
  if (!isGramSize(m)) share = shingleOverlap(draft, slowRecentReference(ctx, m), m)
  else if (base !== undefined && m >= n && m <= 2 * n) {
    const grams = pairGrams(draftGrams(d, n), m)
    share = shareOf(grams, pairReferenceFor(texts, grams, base))
  } else {
    const grams = draftGrams(d, m)
    share = shareOf(grams, referenceFor(texts, grams, base).shared)
  }
  const longest = passages[0]
  const pct = (share * 100).toFixed(1)
  if ((longest !== undefined && longest.length >= o.recentPassageError) || share >= o.recentShareError) {
    return [{
      code: "repetition.recent",
      category: "repetition",
      severity: "error",
      message: longest === undefined
        ? `${pct}% of the draft's ${o.shareShingleSize}-grams occur in recent episodes`
        : `a passage of ${longest.length} characters is copied from a recent episode (${pct}% of the draft's ${o.shareShingleSize}-grams are shared)`,
      ...(longest === undefined ? {} : { evidence: evidenceOf(ctx.text, longest.start, longest.end) }),
    }]
  }
  if (longest !== undefined && longest.length >= o.recentPassageWarning) {
    return [{
      code: "repetition.recent",
      category: "repetition",
      severity: "warning",
      message: `a passage of ${longest.length} characters also occurs in a recent episode`,
      evidence: evidenceOf(ctx.text, longest.start, longest.end),
    }]
  }
  return []
}

/** The reference as a set of strings: only for an n-gram size that is not a positive integer. */
const slowRecentReference = (ctx: GuardContext, n: number): Set<string> => {
  const reference = new Set<string>()
  for (const ep of ctx.recent) for (const g of charShingles(bodyOnly(ep.body.normalize("NFC")), n)) reference.add(g)
  for (const ep of ctx.recent) if (ep.summary) for (const g of charShingles(ep.summary.normalize("NFC"), n)) reference.delete(g)
  for (const g of charShingles(bibleText(ctx.bible), n)) reference.delete(g)
  return reference
}

/** `repetition.internal`: a passage that occurs twice in the draft; evidence is the later copy. */
export const internalRepetitionCheck: GuardCheck = (ctx) => {
  const o = ctx.options
  const d = draftOf(ctx.text)
  const min = Math.min(o.internalPassageWarning, o.internalPassageError)
  const passages = isGramSize(o.shingleSize)
    ? repeatedPassagesIn(d.draft, d.sq, draftGrams(d, o.shingleSize), min)
    : repeatedPassages(d.draft, o.shingleSize, min)
  const longest = passages[0]
  if (longest === undefined) return []
  const severity = longest.length >= o.internalPassageError ? "error" : "warning"
  return [{
    code: "repetition.internal",
    category: "repetition",
    severity,
    message: `a passage of ${longest.length} characters occurs twice in the draft`,
    evidence: evidenceOf(ctx.text, longest.start, longest.end),
  }]
}

const namedOthers = (bible: GuardBible) => [...(bible.places ?? []), ...(bible.factions ?? []), ...(bible.items ?? [])]

/** `name.unknown`: see `Names.ts`. Korean only. */
export const unknownNameCheck: GuardCheck = (ctx) =>
  isKorean(ctx.project.language)
    ? unknownNameFindings({ text: ctx.text, characters: ctx.bible.characters, others: namedOthers(ctx.bible) })
    : []

/** `character.dead-acts`: see `Names.ts`. Korean only. */
export const deadCharacterCheck: GuardCheck = (ctx) =>
  isKorean(ctx.project.language)
    ? deadCharacterFindings({
      text: ctx.text,
      characters: ctx.bible.characters as ReadonlyArray<Character>,
      others: namedOthers(ctx.bible),
      recaps: ctx.recent.flatMap((e) => (e.summary ? [e.body, e.summary] : [e.body])),
    })
    : []

/** The built-in checks, in the order their findings are listed. */
export const builtinChecks: ReadonlyArray<readonly [name: string, check: GuardCheck]> = [
  ["length", lengthCheck],
  ["banned-words", bannedWordCheck],
  ["hangul-share", hangulShareCheck],
  ["unknown-names", unknownNameCheck],
  ["dead-characters", deadCharacterCheck],
  ["recent-repetition", recentRepetitionCheck],
  ["internal-repetition", internalRepetitionCheck],
]
