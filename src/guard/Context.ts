/**
 * What every guard check sees and returns: the {@link GuardContext} (the NFC draft, the episode,
 * the project, the Bible, the recent episodes, the history of fingerprints, the options) and
 * {@link GuardCheck}, a pure function of it returning findings whose evidence is a span of
 * `ctx.text`: `ctx.text.slice(start, end) === evidence.text`.
 */
import type { Bible } from "../domain/Bible.ts"
import type { Episode, Evidence, GuardFinding, Severity } from "../domain/Episode.ts"
import type { LengthBand, Project } from "../domain/Project.ts"
import type { EpisodeFingerprint } from "./Fingerprint.ts"
import type { Memory } from "../util/Memo.ts"

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
  /**
   * What the guard instance checking this draft remembers from draft to draft (readings of the Bible,
   * the outline and the recent episodes) and its scratch buffers: the built-in checks' state, one per
   * instance (`makeGuard`), none at module level. A plugin check leaves it alone.
   */
  readonly memory: Memory
}

/** A guard check, built-in or a plugin's: pure, and its evidence must be a span of `ctx.text`. */
export type GuardCheck = (ctx: GuardContext) => ReadonlyArray<GuardFinding>

export const isKorean = (language: string): boolean => /^ko(?:-|$)/i.test(language)

export const evidenceOf = (text: string, start: number, end: number): Evidence => ({ start, end, text: text.slice(start, end) })

/** The continuity checks' thresholds (`plot.*`, `place.*`, `character.*`, `repetition.retell`, `repetition.distinct-n`). */
export interface ContinuityOptions {
  /** A run of this many non-space characters of a later beat in the draft is the outline's future. Default 12. */
  readonly aheadRun: number
  /** Share of the draft's sentences that retell the previous episode in order, that is an error. Default 0.3. */
  readonly retellShare: number
  /** … and at least this many sentences. Default 8. */
  readonly retellMinSentences: number
  /** Two sentences are near copies at this Jaccard similarity of their character trigrams. Default 0.4. */
  readonly retellSimilarity: number
  /** Distinct word bigrams / all bigrams in the worst window below this is an error. Default 0.6. */
  readonly minDistinct2: number
  /** … the window, in bigrams (a shorter draft is not measured). Default 80. */
  readonly distinctMinBigrams: number
}

export const defaultContinuityOptions: ContinuityOptions = {
  aheadRun: 12,
  retellShare: 0.3,
  retellMinSentences: 8,
  retellSimilarity: 0.4,
  minDistinct2: 0.6,
  distinctMinBigrams: 80,
}

type FullProject = GuardContext["project"] & Partial<Pick<Project, "beats" | "premise" | "title">>

export const project = (ctx: GuardContext): FullProject => ctx.project as FullProject
