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
import { bodyOnly } from "./Readings.ts"
import { type Span, splitSentences } from "../text/Sentences.ts"

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
export const hashedSentences = (text: string): Array<{ readonly span: Span; readonly hash: number }> =>
  hashedSpans(splitSentences(bodyOnly(text.normalize("NFC"))))

/** The sentences of a body that are fingerprinted, with their hashes. */
export const hashedSpans = (sentences: ReadonlyArray<Span>): Array<{ readonly span: Span; readonly hash: number }> => {
  const out: Array<{ span: Span; hash: number }> = []
  for (const span of sentences) {
    const hash = sentenceHash(span.text)
    if (hash >= 0) out.push({ span, hash })
  }
  return out
}

/** The fingerprint of an episode's body (or of any Markdown episode: headings are left out). */
export const fingerprintEpisode = (body: string): EpisodeFingerprint["sentences"] =>
  [...new Set(hashedSentences(body).map((s) => s.hash))].sort((a, b) => a - b)
