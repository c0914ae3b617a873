/**
 * A story's outline as data: the series premise → arcs (a goal over a span of episodes) → one beat
 * per episode, plus the threads (the foreshadowing ledger). Beats grow with the story: the template
 * seeds the first ones, the planner adds arcs as the committed episodes catch up, the operator edits
 * and approves. A beat whose episode is committed (`written`) is frozen.
 *
 * A beat's text may carry the markers of `src/templates/BeatMarkers.ts` (`[사망: id]` …): they are
 * stored as written and read by the same parser, so a marker works in a planned beat as in a
 * template's.
 */
import { Schema } from "effect"
import { EpisodeNumber, Slug } from "./Project.ts"

const Id = Schema.String.check(Schema.isPattern(/^[a-z0-9-]{1,64}$/, { message: "Expected an id of 1–64 characters a-z, 0-9 and '-'" }))
const NonEmpty = Schema.String.check(Schema.isNonEmpty({ message: "Expected a non-empty string" }))

/** `planned`: proposed, waits for approval (review mode); `approved`: may be written; `written`: its episode is committed. */
export const BeatState = Schema.Literals(["planned", "approved", "written"])
export type BeatState = typeof BeatState.Type

/** Who or what made a change: the genre template, the planner ($0 or LLM), or the operator. */
export const ChangeAuthor = Schema.Literals(["template", "planner:offline", "planner:llm", "operator"])
export type ChangeAuthor = typeof ChangeAuthor.Type

/** One version of a beat: what it said and its state after the change, who made it and when (Effect `Clock`, epoch ms). */
export const BeatRevision = Schema.Struct({
  at: Schema.Number,
  by: ChangeAuthor,
  change: Schema.Literals(["created", "edited", "approved", "written"]),
  text: NonEmpty,
  state: BeatState,
})
export type BeatRevision = typeof BeatRevision.Type

export const Beat = Schema.Struct({
  episode: EpisodeNumber,
  /** The arc the beat belongs to. */
  arc: Id,
  /** What happens; may carry beat markers. */
  text: NonEmpty,
  /** A working title for the episode; distinct across the outline when the planner makes it. */
  title: Schema.optionalKey(Schema.String),
  /** Bible ids of the characters the beat moves. */
  characters: Schema.Array(Schema.String),
  /** Ids of the threads the beat plants, hints at or pays off. */
  threads: Schema.Array(Schema.String),
  state: BeatState,
  /** Oldest first; the last revision matches the beat. */
  history: Schema.Array(BeatRevision),
})
export type Beat = typeof Beat.Type

export const Arc = Schema.Struct({
  id: Id,
  title: NonEmpty,
  goal: Schema.String,
  from: EpisodeNumber,
  to: EpisodeNumber,
  by: ChangeAuthor,
})
export type Arc = typeof Arc.Type

export const ThreadState = Schema.Literals(["open", "paid"])
export type ThreadState = typeof ThreadState.Type

/** A planted question the story owes its reader an answer to. */
export const Thread = Schema.Struct({
  id: Id,
  description: NonEmpty,
  plantedIn: EpisodeNumber,
  /** Episodes that hint at it. */
  hints: Schema.Array(EpisodeNumber),
  plannedPayoff: Schema.optionalKey(EpisodeNumber),
  paidOffIn: Schema.optionalKey(EpisodeNumber),
  state: ThreadState,
})
export type Thread = typeof Thread.Type

export const Outline = Schema.Struct({
  project: Slug,
  premise: Schema.String,
  /** Ordered by `from`; spans do not overlap. */
  arcs: Schema.Array(Arc),
  /** Ordered by episode; at most one beat per episode. */
  beats: Schema.Array(Beat),
  threads: Schema.Array(Thread),
})
export type Outline = typeof Outline.Type

/** What an operator or the planner may set on a beat (the text, and optionally who/which threads it moves). */
export const BeatDraft = Schema.Struct({
  text: NonEmpty,
  title: Schema.optionalKey(Schema.String),
  characters: Schema.optionalKey(Schema.Array(Schema.String)),
  threads: Schema.optionalKey(Schema.Array(Schema.String)),
})
export type BeatDraft = typeof BeatDraft.Type

export const lastWrittenEpisode = (outline: Outline): number =>
  outline.beats.reduce((last, b) => (b.state === "written" && b.episode > last ? b.episode : last), 0)

export const lastPlannedEpisode = (outline: Outline): number =>
  outline.beats.reduce((last, b) => (b.episode > last ? b.episode : last), 0)

export const beatOfEpisode = (outline: Outline, episode: number): Beat | undefined =>
  outline.beats.find((b) => b.episode === episode)

/**
 * Which outline entry an episode follows: `beats[episode - 1]`, and past the end the last third of the
 * outline (at least one beat) again and again.
 */
export const beatIndex = (beatCount: number, episode: number): number => {
  if (beatCount <= 0) return -1
  if (episode <= beatCount) return Math.max(0, episode - 1)
  const act = Math.max(1, Math.ceil(beatCount / 3))
  const start = beatCount - act
  return start + ((episode - beatCount - 1) % act)
}
