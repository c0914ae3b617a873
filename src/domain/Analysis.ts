import { Schema } from "effect"
import { CharacterStatus, FactEvidence, RelationType } from "./Bible.ts"
import { GuardFinding } from "./Episode.ts"

/**
 * What the analyst read in an episode's final text: typed Bible deltas, each with its evidence (a
 * quote of the text and its offsets) and valid from the analysed episode on.
 *
 * Characters are referred to by id: a known character's Bible id, or the id `characterIdOf(name)`
 * gives a character this same analysis introduces. A delta naming any other id is dropped when the
 * analysis is turned into Bible changes (an analyst never invents a character).
 */

export const CharacterIntroduced = Schema.TaggedStruct("CharacterIntroduced", {
  id: Schema.String,
  name: Schema.String,
  aliases: Schema.Array(Schema.String),
  /** In the text's words ("대장장이", "황궁 기사단장"); "" when the text gives none. */
  role: Schema.String,
  evidence: FactEvidence,
})
export type CharacterIntroduced = typeof CharacterIntroduced.Type

export const PlaceIntroduced = Schema.TaggedStruct("PlaceIntroduced", {
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  evidence: FactEvidence,
})
export type PlaceIntroduced = typeof PlaceIntroduced.Type

export const StatusChanged = Schema.TaggedStruct("StatusChanged", {
  character: Schema.String,
  status: CharacterStatus,
  /** What happened, in the text's words ("숨을 거두었다", "왼팔을 잃었다"). */
  note: Schema.String,
  evidence: FactEvidence,
})
export type StatusChanged = typeof StatusChanged.Type

export const RelationChanged = Schema.TaggedStruct("RelationChanged", {
  from: Schema.String,
  to: Schema.String,
  type: RelationType,
  change: Schema.Literals(["formed", "broken"]),
  evidence: FactEvidence,
})
export type RelationChanged = typeof RelationChanged.Type

export const FactNoted = Schema.TaggedStruct("FactNoted", {
  text: Schema.String,
  subjects: Schema.Array(Schema.String),
  evidence: FactEvidence,
})
export type FactNoted = typeof FactNoted.Type

export const EventHappened = Schema.TaggedStruct("EventHappened", {
  description: Schema.String,
  characters: Schema.Array(Schema.String),
  place: Schema.optionalKey(Schema.String),
  evidence: Schema.optionalKey(FactEvidence),
})
export type EventHappened = typeof EventHappened.Type

export const Appeared = Schema.TaggedStruct("Appeared", {
  character: Schema.String,
  evidence: FactEvidence,
})
export type Appeared = typeof Appeared.Type

/** The text plants, hints at or pays off one of the outline's foreshadowing threads (by its id). */
export const ThreadMarked = Schema.TaggedStruct("ThreadMarked", {
  thread: Schema.String,
  mark: Schema.Literals(["planted", "hinted", "paid"]),
  evidence: FactEvidence,
})
export type ThreadMarked = typeof ThreadMarked.Type

export const BibleDelta = Schema.Union([
  CharacterIntroduced,
  PlaceIntroduced,
  StatusChanged,
  RelationChanged,
  FactNoted,
  EventHappened,
  Appeared,
  ThreadMarked,
])
export type BibleDelta = typeof BibleDelta.Type

export const EpisodeAnalysis = Schema.Struct({
  /** The analysed episode: every delta is valid from it on. */
  episode: Schema.Int,
  deltas: Schema.Array(BibleDelta),
  /** What the analyst wants a person to know (its LLM answer was unusable, a delta was dropped …). */
  findings: Schema.Array(GuardFinding),
  /** Which implementation produced the deltas. */
  analyst: Schema.Literals(["offline", "llm"]),
})
export type EpisodeAnalysis = typeof EpisodeAnalysis.Type

/**
 * The id of a character (or place) first met in the text: stable for a name, so re-analysing a
 * redraft gives the same id, and within the Bible's id alphabet (`[a-z0-9-]`).
 */
export const characterIdOf = (name: string): string => `c-${fnv1a(name.normalize("NFC").trim())}`
export const placeIdOf = (name: string): string => `p-${fnv1a(name.normalize("NFC").trim())}`

const fnv1a = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(36)
}
