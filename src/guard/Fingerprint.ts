/**
 * Episode fingerprints: what the guard remembers of every committed episode to catch a draft that
 * copies an OLD one (the recent-repetition check reads only the last few bodies).
 *
 * A fingerprint is the set of 32-bit FNV-1a hashes of the episode's normalised sentences: NFC,
 * lower case, letters and digits only (spacing, punctuation and quote marks do not make a sentence
 * new), sentences with fewer than {@link MIN_SENTENCE_CHARS} such characters left out (“응.”,
 * “그래.” recur in any story). About 4 bytes a sentence: a 5,000-character episode is ~1 KB.
 *
 * The story store keeps one per committed episode (`fingerprintEpisode(body)`), the guard gets them
 * as `history`, and `repetition.copy` counts, per earlier episode, the draft's sentences found in
 * it: one hash set of the draft, one pass over the history.
 */
import { Schema } from "effect"
import type { GuardFinding } from "../domain/Episode.ts"
import { splitSentences, type Span } from "../text/Sentences.ts"
import { bodyOnly, evidenceOf, type GuardCheck } from "./Checks.ts"

export const EpisodeFingerprint = Schema.Struct({
  number: Schema.Int,
  /** Hashes of the episode's normalised sentences, distinct, ascending (unsigned 32-bit). */
  sentences: Schema.Array(Schema.Int),
})
export type EpisodeFingerprint = typeof EpisodeFingerprint.Type

/** A sentence shorter than this (letters and digits) is not fingerprinted. */
export const MIN_SENTENCE_CHARS = 12

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u

/** Per BMP code unit: 0 not yet known, 1 kept, 2 dropped. */
const kept = new Uint8Array(0x10000)
const isKept = (c: number): boolean => {
  let k = kept[c]!
  if (k === 0) {
    k = LETTER_OR_DIGIT.test(String.fromCharCode(c)) ? 1 : 2
    kept[c] = k
  }
  return k === 1
}

/** FNV-1a of the sentence's letters and digits (lower case), or -1 when it has too few of them. */
const sentenceHash = (sentence: string): number => {
  const s = sentence.toLowerCase()
  let h = 0x811c9dc5
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // a Hangul syllable is a letter: one test for most of the text
    if (!((c >= 0xac00 && c <= 0xd7a3) || isKept(c))) continue
    h = Math.imul(h ^ c, 0x01000193)
    n++
  }
  return n < MIN_SENTENCE_CHARS ? -1 : h >>> 0
}

/** The fingerprinted sentences of a text (headings left out), with their hashes. */
const hashedSentences = (text: string): Array<{ readonly span: Span; readonly hash: number }> => {
  const out: Array<{ span: Span; hash: number }> = []
  for (const span of splitSentences(bodyOnly(text.normalize("NFC")))) {
    const hash = sentenceHash(span.text)
    if (hash >= 0) out.push({ span, hash })
  }
  return out
}

/** The fingerprint of an episode's body (or of any Markdown episode: headings are left out). */
export const fingerprintEpisode = (body: string): EpisodeFingerprint["sentences"] =>
  [...new Set(hashedSentences(body).map((s) => s.hash))].sort((a, b) => a - b)

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
  const draft = hashedSentences(ctx.text)
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
