/**
 * `repetition.*`: a draft that repeats — passages shared with the recent episodes (`recent`), passages
 * twice in itself (`internal`), the sentences of an older committed episode (`copy`, by fingerprint,
 * see `../Fingerprint.ts`), the previous episode retold sentence by sentence in the same order
 * (`retell`), too few distinct word bigrams (`distinct-n`, a formulaic, looping draft).
 */
import type { GuardFinding } from "../../domain/Episode.ts"
import { defaultContinuityOptions, evidenceOf, type GuardCheck, type GuardContext } from "../Context.ts"
import { hashedSpans } from "../Fingerprint.ts"
import { bibleText, bodyOf, bodyOnly, bodySentences, isSpaceCode, squeezedOnce } from "../Readings.ts"
import { isNfcInert } from "../../text/Hangul.ts"
import { type Span, splitSentences } from "../../text/Sentences.ts"
import { charShingles, isGramSize, type KnownHits, occurrencesIn, type PairGrams, pairGrams, PairIndex, pairOccurrencesIn, repeatedPassages, repeatedPassagesIn, sharedPassages, sharedPassagesWhere, shingleOverlap, squeeze, type Squeezed, SqueezedText, textGrams, type TextGrams } from "../../text/Shingles.ts"
import { IdMarks, TrigramTable } from "../../text/Trigrams.ts"
import { rememberedIn, scratchIn } from "../../util/Memo.ts"

/** The draft without headings, squeezed, and its n-grams: both repetition checks read them. The last draft is kept. */
interface DraftGrams {
  readonly text: string
  readonly draft: string
  readonly sq: Squeezed
  readonly grams: Map<number, TextGrams>
}

/** The draft's n-grams, by size as the checks ask for them; the last drafts' are kept. */
const draftOf = rememberedIn(2, (text: string, memory): DraftGrams => {
  const draft = bodyOf(memory, text)
  return { text, draft, sq: squeeze(draft), grams: new Map() }
})

const draftGrams = (d: DraftGrams, n: number): TextGrams => {
  let g = d.grams.get(n)
  if (g === undefined) {
    g = textGrams(d.sq.chars, n)
    d.grams.set(n, g)
  }
  return g
}

/** The recent episodes' texts and those whose n-grams do not count (their summaries, the Bible's text), squeezed. */
const recentTexts = (ctx: GuardContext) => {
  const bodies = ctx.recent.map((ep) => squeezedOnce(ctx.memory, "body", ep.body))
  const excluded: Array<SqueezedText> = []
  for (const ep of ctx.recent) if (ep.summary) excluded.push(squeezedOnce(ctx.memory, "text", ep.summary))
  excluded.push(squeezedOnce(ctx.memory, "text", bibleText(ctx.bible)))
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
  const d = draftOf(ctx.memory, ctx.text)
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
  const d = draftOf(ctx.memory, ctx.text)
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

export interface CopyOptions {
  /** Share of the draft's fingerprinted sentences found in one earlier episode that is an error. Default 0.3. */
  readonly copyShare: number
  /** … and at least this many of them. Default 4. */
  readonly copyMinSentences: number
}

export const defaultCopyOptions: CopyOptions = { copyShare: 0.3, copyMinSentences: 4 }

/**
 * `repetition.copy`: a large share of the draft's sentences are sentences of one earlier episode
 * (any of the history, not only the recent ones). Names that episode; evidence is the first
 * copied sentence. The previous episode is compared too: a copy of it is a copy.
 */
export const copyCheck: GuardCheck = (ctx) => {
  if (ctx.history.length === 0) return []
  const o = defaultCopyOptions
  // the draft is NFC: its body's sentences are the ones `hashedSentences` would find
  const draft = hashedSpans(bodySentences(ctx.memory, ctx.text))
  if (draft.length === 0) return []
  const draftHashes = new Set<number>()
  for (const s of draft) draftHashes.add(s.hash)
  // per earlier episode: how many of the draft's distinct sentences it holds
  let worst: { number: number; shared: number } | undefined
  for (const ep of ctx.history) {
    if (ep.number >= ctx.episode) continue // a redraft of this episode, or a later one, is no source
    let shared = 0
    for (const h of ep.sentences) if (draftHashes.has(h)) shared++
    if (worst === undefined || shared > worst.shared) worst = { number: ep.number, shared }
  }
  if (worst === undefined) return []
  const share = worst.shared / draftHashes.size
  if (worst.shared < o.copyMinSentences || share < o.copyShare) return []
  const source = new Set(ctx.history.find((e) => e.number === worst.number)!.sentences)
  const first = draft.find((s) => source.has(s.hash))!
  const finding: GuardFinding = {
    code: "repetition.copy",
    category: "repetition",
    severity: "error",
    message: `${worst.shared} of the draft's ${draftHashes.size} sentences (${(share * 100).toFixed(0)}%) are sentences of episode ${worst.number}: a copy of an earlier episode`,
    evidence: evidenceOf(ctx.text, first.span.start, first.span.end),
  }
  return [finding]
}

/** `[“”‘’"'.,!?…·:;()\-—]`, left out of trigrams. */
const isTrigramPunct = (c: number): boolean =>
  c < 0x80
    ? c === 0x22 || c === 0x27 || c === 0x2e || c === 0x2c || c === 0x21 || c === 0x3f || c === 0x3a || c === 0x3b || c === 0x28 ||
      c === 0x29 || c === 0x2d
    : c === 0x201c || c === 0x201d || c === 0x2018 || c === 0x2019 || c === 0x2026 || c === 0xb7 || c === 0x2014

/** The buffers of one retell comparison, reused by the next one of the same guard instance (they grow to the longest texts). */
class RetellScratch {
  /** Code units of one sentence. */
  units = new Uint16Array(1024)
  /** The trigrams of one comparison (the previous episode's and the draft's). */
  readonly table = new TrigramTable()
  readonly sentenceMarks = new IdMarks()
  /** Trigram ids of the sentences of one comparison, one after another (no array per sentence). */
  pool = new Int32Array(16_384)
  poolLength = 0
  /** The last sentence's length without whitespace alone. */
  lastSqueezed = 0
}

const retellScratch = scratchIn(() => new RetellScratch())

/**
 * Appends the distinct character trigrams of one sentence in NFC (whitespace and punctuation left
 * out), as ids in order of first occurrence, to `pool` at `poolLength`; returns how many.
 */
const appendGrams = (scratch: RetellScratch, sentence: string): number => {
  const { table, sentenceMarks } = scratch
  let { units, pool, poolLength } = scratch
  let t = sentence
  let normalized = false
  if (units.length < t.length) units = new Uint16Array(t.length * 2)
  let n = 0
  let squeezed = 0
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    // a Hangul syllable is neither whitespace nor punctuation: one test for most of the text
    if (c >= 0xac00 && c <= 0xd7a3) {
      squeezed++
      units[n++] = c
      continue
    }
    if (!normalized && !isNfcInert(c)) {
      // NFC may change the sentence: start again on its NFC
      normalized = true
      t = sentence.normalize("NFC")
      if (units.length < t.length) units = new Uint16Array(t.length * 2)
      n = 0
      squeezed = 0
      i = -1
      continue
    }
    if (isSpaceCode(c)) continue
    squeezed++
    if (!isTrigramPunct(c)) units[n++] = c
  }
  sentenceMarks.next(table.size + t.length)
  scratch.lastSqueezed = squeezed
  scratch.units = units
  if (pool.length < poolLength + n) {
    const grown = new Int32Array(Math.max(pool.length * 2, poolLength + n))
    grown.set(pool.subarray(0, poolLength))
    pool = grown
    scratch.pool = grown
  }
  let distinct = 0
  for (let i = 0; i + 3 <= n; i++) {
    const id = table.idOf(units[i]!, units[i + 1]!, units[i + 2]!)
    if (sentenceMarks.mark(id)) pool[poolLength + distinct++] = id
  }
  scratch.poolLength = poolLength + distinct
  return distinct
}

/** Length of the longest strictly increasing subsequence, and its members (indices into `xs`). */
const longestIncreasing = (xs: ReadonlyArray<number>): Array<number> => {
  const tails: Array<number> = []
  const tailIdx: Array<number> = []
  const prev: Array<number> = new Array(xs.length).fill(-1)
  xs.forEach((x, i) => {
    if (x < 0) return
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (tails[mid]! < x) lo = mid + 1
      else hi = mid
    }
    tails[lo] = x
    tailIdx[lo] = i
    prev[i] = lo > 0 ? tailIdx[lo - 1]! : -1
  })
  const out: Array<number> = []
  for (let i = tailIdx[tails.length - 1] ?? -1; i >= 0; i = prev[i]!) out.push(i)
  return out.reverse()
}

/** The draft's sentences that follow the previous episode in order (near copies, increasing positions). */
export const retoldSentences = (ctx: GuardContext, similarity = defaultContinuityOptions.retellSimilarity) => {
  const last = [...ctx.recent].sort((a, b) => a.number - b.number).at(-1)
  if (last === undefined) return { eligible: 0, retold: [] as Array<Span> }
  const scratch = retellScratch(ctx.memory)
  const { table } = scratch
  const ref = [last.summary ?? "", bodyOnly(last.body.normalize("NFC"))].join("\n")
  const refSentences = splitSentences(ref)
  const draftSentences = bodySentences(ctx.memory, ctx.text)
  // room for every trigram of both texts (fewer than their code units)
  table.clear(ref.length + ctx.text.length)

  // the previous episode's sentences with ≥ 6 trigrams, and for each trigram the sentences that have it
  scratch.poolLength = 0
  const keptFrom: Array<number> = []
  const keptSize: Array<number> = []
  for (const s of refSentences) {
    const from = scratch.poolLength
    const size = appendGrams(scratch, s.text)
    if (size < 6) {
      scratch.poolLength = from
      continue
    }
    keptFrom.push(from)
    keptSize.push(size)
  }
  const pairs = scratch.poolLength
  const kept = keptFrom.length
  const sizes = Int32Array.from(keptSize)
  const counts = new Int32Array(table.size + 1)
  for (let p = 0; p < pairs; p++) counts[scratch.pool[p]! + 1]!++
  const starts = counts // prefix sums: the sentences that have id `t` are post[starts[t] .. starts[t + 1])
  for (let t = 1; t < starts.length; t++) starts[t]! += starts[t - 1]!
  const fill = starts.slice(0, starts.length - 1)
  const post = new Int32Array(pairs)
  for (let j = 0; j < kept; j++) {
    for (let p = keptFrom[j]!, end = p + keptSize[j]!; p < end; p++) post[fill[scratch.pool[p]!]!++] = j
  }
  const known = starts.length - 1 // ids from here on are the draft's own

  const eligible: Array<Span> = []
  const match: Array<number> = []
  const shared = new Int32Array(kept)
  const touched = new Int32Array(kept)
  for (const s of draftSentences) {
    scratch.poolLength = pairs // each draft sentence in turn after the reference's
    const size = appendGrams(scratch, s.text)
    if (scratch.lastSqueezed < 10) continue
    eligible.push(s)
    let nTouched = 0
    for (let p = pairs; p < pairs + size; p++) {
      const t = scratch.pool[p]!
      if (t >= known) continue
      for (let q = starts[t]!, end = starts[t + 1]!; q < end; q++) {
        const j = post[q]!
        if (shared[j]++ === 0) touched[nTouched++] = j
      }
    }
    // the most similar at or above the threshold, the later one of equals (as a scan in order keeps it)
    let best = -1
    let bestSim = similarity
    for (let k = 0; k < nTouched; k++) {
      const j = touched[k]!
      const inter = shared[j]!
      shared[j] = 0
      const sim = inter / (size + sizes[j]! - inter)
      if (sim > bestSim || (sim === bestSim && j > best)) {
        bestSim = sim
        best = j
      }
    }
    match.push(best)
  }
  const chain = longestIncreasing(match)
  return { eligible: eligible.length, retold: chain.map((i) => eligible[i]!) }
}

export const retellCheck: GuardCheck = (ctx) => {
  if (ctx.recent.length === 0) return []
  const o = defaultContinuityOptions
  const { eligible, retold } = retoldSentences(ctx)
  if (eligible === 0 || retold.length < o.retellMinSentences) return []
  const share = retold.length / eligible
  if (share < o.retellShare) return []
  const first = retold[0]!
  const lastS = retold[retold.length - 1]!
  return [{
    code: "repetition.retell",
    category: "timeline-plot",
    severity: "error",
    message: `${retold.length} of ${eligible} sentences (${(share * 100).toFixed(0)}%) retell the previous episode in the same order: the story does not move on`,
    evidence: evidenceOf(ctx.text, first.start, Math.max(first.end, Math.min(lastS.end, first.start + 400))),
  }]
}

// ---------------------------------------------------------------------------
// repetition.distinct-n

interface Token {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** `[\s“”‘’"'.,!?…·:;()[\]「」『』—–\-~]`: what separates the words distinct-n counts. */
const isWordBreak = (c: number): boolean =>
  c < 0x80
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x22 || c === 0x27 || c === 0x2e || c === 0x2c || c === 0x21 || c === 0x3f ||
      c === 0x3a || c === 0x3b || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x2d || c === 0x7e
    : isSpaceCode(c) || c === 0x201c || c === 0x201d || c === 0x2018 || c === 0x2019 || c === 0x2026 || c === 0xb7 || c === 0x300c ||
      c === 0x300d || c === 0x300e || c === 0x300f || c === 0x2014 || c === 0x2013

/**
 * The words of `text` (maximal runs of code units that are no word break), as offsets, each with a
 * number shared by equal words: a table keyed by the words' code units finds them in place,
 * without a string per word.
 */
const wordsIn = (text: string): { starts: Int32Array; ends: Int32Array; ids: Int32Array; count: number; distinct: number } => {
  const starts: Array<number> = []
  const ends: Array<number> = []
  for (let i = 0; i < text.length;) {
    if (isWordBreak(text.charCodeAt(i))) {
      i++
      continue
    }
    const start = i
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      // a Hangul syllable (most of a word) breaks no word: one test before the long one
      if ((c < 0xac00 || c > 0xd7a3) && isWordBreak(c)) break
    }
    starts.push(start)
    ends.push(i)
  }
  const count = starts.length
  let size = 16
  while (size < count * 2) size *= 2
  const mask = size - 1
  const slotWord = new Int32Array(size).fill(-1) // the index of the word that first had this slot's id
  const ids = new Int32Array(count)
  let distinct = 0
  const slotId = new Int32Array(size)
  for (let w = 0; w < count; w++) {
    const s = starts[w]!
    const e = ends[w]!
    let h = 0
    for (let i = s; i < e; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0
    for (let at = (h ^ (h >>> 15)) & mask;; at = (at + 1) & mask) {
      const other = slotWord[at]!
      if (other < 0) {
        slotWord[at] = w
        slotId[at] = distinct
        ids[w] = distinct++
        break
      }
      const os = starts[other]!
      if (ends[other]! - os === e - s) {
        let same = true
        for (let k = 0; k < e - s && same; k++) same = text.charCodeAt(os + k) === text.charCodeAt(s + k)
        if (same) {
          ids[w] = slotId[at]!
          break
        }
      }
    }
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends), ids, count, distinct }
}

/**
 * Distinct word bigrams / all word bigrams (headings left out), over the
 * window of `window` bigrams where it is lowest (a long draft repeats more
 * by nature; a loop is local). `top` is that window's most repeated bigram.
 */
export const distinct2 = (text: string, window = defaultContinuityOptions.distinctMinBigrams, body = bodyOnly(text)): {
  ratio: number
  total: number
  top: { gram: string; count: number; at: Token } | null
} => {
  const words = wordsIn(body)
  const total = Math.max(0, words.count - 1)
  if (total === 0) return { ratio: 1, total, top: null }
  // each bigram as a dense id, by its pair of word numbers
  const pairs = new PairIndex(total)
  const gram = new Int32Array(total)
  let bigrams = 0
  for (let i = 0; i < total; i++) {
    const found = pairs.firstOrAdd(words.ids[i]!, words.ids[i + 1]!, bigrams)
    gram[i] = found >= 0 ? found : bigrams++
  }
  const size = Math.min(window, total)
  let best = { ratio: 2, from: 0 }
  const stride = Math.max(1, Math.floor(size / 3))
  const seenIn = new Int32Array(bigrams).fill(-1)
  for (let from = 0; ; from = Math.min(from + stride, total - size)) {
    let distinct = 0
    for (let i = from; i < from + size; i++) {
      const g = gram[i]!
      if (seenIn[g] !== from) {
        seenIn[g] = from
        distinct++
      }
    }
    const ratio = distinct / size
    if (ratio < best.ratio) best = { ratio, from }
    if (from + size >= total) break
  }
  const { starts, ends } = words
  const wordAt = (i: number) => body.slice(starts[i]!, ends[i]!)
  const counts = new Map<string, { count: number; at: Token }>()
  for (let i = best.from; i < best.from + size; i++) {
    const g = `${wordAt(i)} ${wordAt(i + 1)}`
    const c = counts.get(g)
    const at = { start: starts[i]!, end: ends[i + 1]!, text: g }
    if (c === undefined) counts.set(g, { count: 1, at })
    else {
      c.count++
      c.at = at
    }
  }
  let top: { gram: string; count: number; at: Token } | null = null
  for (const [gram, c] of counts) if (top === null || c.count > top.count) top = { gram, count: c.count, at: c.at }
  return { ratio: best.ratio, total, top }
}

export const distinctNCheck: GuardCheck = (ctx) => {
  const o = defaultContinuityOptions
  const d = distinct2(ctx.text, o.distinctMinBigrams, bodyOf(ctx.memory, ctx.text))
  if (d.total < o.distinctMinBigrams || d.ratio >= o.minDistinct2 || d.top === null || d.top.count < 3) return []
  return [{
    code: "repetition.distinct-n",
    category: "style",
    severity: "error",
    message: `only ${(d.ratio * 100).toFixed(1)}% of ${o.distinctMinBigrams} consecutive word bigrams are distinct (least ${(o.minDistinct2 * 100).toFixed(0)}%); "${d.top.gram}" occurs ${d.top.count} times there`,
    evidence: evidenceOf(ctx.text, d.top.at.start, d.top.at.end),
  }]
}
