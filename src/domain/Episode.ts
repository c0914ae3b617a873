import { Schema } from "effect"
import { EpisodeNumber, Slug } from "./Project.ts"
import { isNfcInert } from "../text/Hangul.ts"

export const FindingCategory = Schema.Literals([
  "characterization",
  "factual-detail",
  "style",
  "timeline-plot",
  "world-building",
  "length",
  "language",
  "repetition",
])
export type FindingCategory = typeof FindingCategory.Type

export const Severity = Schema.Literals(["error", "warning"])
export type Severity = typeof Severity.Type

/** The offending span in the draft, so a finding can always be checked by a person. */
export const Evidence = Schema.Struct({
  start: Schema.Int,
  end: Schema.Int,
  text: Schema.String,
})
export type Evidence = typeof Evidence.Type

export const GuardFinding = Schema.Struct({
  code: Schema.String,
  category: FindingCategory,
  severity: Severity,
  message: Schema.String,
  evidence: Schema.optional(Evidence),
})
export type GuardFinding = typeof GuardFinding.Type

export const GuardVerdict = Schema.Struct({
  accepted: Schema.Boolean,
  reward: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
  findings: Schema.Array(GuardFinding),
})
export type GuardVerdict = typeof GuardVerdict.Type

export const Episode = Schema.Struct({
  project: Slug,
  number: EpisodeNumber,
  title: Schema.String,
  /** Markdown. */
  body: Schema.String,
  summary: Schema.String,
  /** Characters with spaces, NFC, as Korean platforms count them. */
  charCount: Schema.Int,
  findings: Schema.Array(GuardFinding),
  reward: Schema.Number,
  /** How many drafts the writer made (1 + guard rejections). */
  drafts: Schema.Int,
  committedAt: Schema.Number,
})
export type Episode = typeof Episode.Type

/** Characters with spaces, after NFC normalisation (line breaks do not count): code points, as iterating the string counts them. */
export const countCharsWithSpaces = (text: string): number => {
  // text that NFC would leave alone is counted as it stands, without normalising a copy of it
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!isNfcInert(c)) return countNormalized(text)
    if (c !== 0x0a && c !== 0x0d) n++
  }
  return n
}

const countNormalized = (text: string): number => {
  const t = text.normalize("NFC")
  let n = 0
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    if (c === 0x0a || c === 0x0d) continue
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < t.length) {
      const d = t.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}
