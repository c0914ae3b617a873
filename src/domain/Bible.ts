import { Schema } from "effect"
import { Evidence } from "./Episode.ts"

/**
 * Where a character stands. `dead` is final for the writer (remembered only, never acting); the others
 * are conditions the writer must respect (`statusNote` says what: "왼팔을 잃었다", "마탑에 갇혔다").
 */
export const CharacterStatus = Schema.Literals(["alive", "dead", "injured", "missing", "captured"])
export type CharacterStatus = typeof CharacterStatus.Type

export const Character = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  aliases: Schema.Array(Schema.String),
  role: Schema.String,
  status: CharacterStatus,
  traits: Schema.Array(Schema.String),
  /** Episode the character first appeared in (the fact's `validFrom`); 0 for the template's cast. */
  firstEpisode: Schema.Int,
  /** Facts taken from a draft are provisional until their episode commits. */
  provisional: Schema.optional(Schema.Boolean),
  /** What the current status means, in the text's words ("왼팔을 잃었다"). */
  statusNote: Schema.optionalKey(Schema.String),
})
export type Character = typeof Character.Type

export const Place = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  /** Episode whose text introduced the place (`validFrom`); absent for the template's places. */
  firstEpisode: Schema.optionalKey(Schema.Int),
})
export type Place = typeof Place.Type

export const Faction = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
})
export type Faction = typeof Faction.Type

export const Item = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
})
export type Item = typeof Item.Type

export const RelationType = Schema.Literals(["KNOWS", "LOVES", "HATES", "MEMBER_OF", "LOCATED_IN", "OWNS", "RIVAL_OF", "SERVES"])
export type RelationType = typeof RelationType.Type

/** A directed edge of the Bible graph between two ids (character, place, faction or item). */
export const Relation = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  type: RelationType,
  /** `validFrom`: the episode that formed it (0 for the template's). */
  since: Schema.Int,
  /** `validTo`: the episode that broke it; absent while it holds. */
  until: Schema.optionalKey(Schema.Int),
})
export type Relation = typeof Relation.Type

export const StoryEvent = Schema.Struct({
  episode: Schema.Int,
  description: Schema.String,
  characters: Schema.Array(Schema.String),
  place: Schema.optional(Schema.String),
})
export type StoryEvent = typeof StoryEvent.Type

/** The text's evidence for a fact: a quote of the episode and its offsets in that episode's body (a finding's `Evidence`). */
export const FactEvidence = Evidence
export type FactEvidence = Evidence

/**
 * A change of a character's status, in story time: the character's status as of episode n is the
 * last record with `episode <= n` (the template's status before any).
 */
export const StatusRecord = Schema.Struct({
  character: Schema.String,
  status: CharacterStatus,
  episode: Schema.Int,
  note: Schema.optionalKey(Schema.String),
  evidence: Schema.optionalKey(FactEvidence),
})
export type StatusRecord = typeof StatusRecord.Type

/** Something worth remembering that is neither a character, a place nor a relation ("백린의 검이 부러졌다"). */
export const Fact = Schema.Struct({
  text: Schema.String,
  /** Ids of the characters, places … it is about. */
  subjects: Schema.Array(Schema.String),
  validFrom: Schema.Int,
  validTo: Schema.optionalKey(Schema.Int),
  evidence: Schema.optionalKey(FactEvidence),
})
export type Fact = typeof Fact.Type

export const Bible = Schema.Struct({
  characters: Schema.Array(Character),
  places: Schema.Array(Place),
  factions: Schema.Array(Faction),
  items: Schema.Array(Item),
  worldRules: Schema.Array(Schema.String),
  relations: Schema.Array(Relation),
  events: Schema.Array(StoryEvent),
  /** Every status change the committed text made, oldest first (absent: none yet). */
  statusHistory: Schema.optionalKey(Schema.Array(StatusRecord)),
  facts: Schema.optionalKey(Schema.Array(Fact)),
})
export type Bible = typeof Bible.Type

/** What committing one episode changes in the Bible: merged idempotently, in the same transaction as the episode. */
export const BibleChanges = Schema.Struct({
  /** Character ids that appear in the episode. */
  appearances: Schema.Array(Schema.String),
  events: Schema.Array(StoryEvent),
  statusChanges: Schema.Array(Schema.Struct({
    character: Schema.String,
    status: CharacterStatus,
    note: Schema.optionalKey(Schema.String),
    evidence: Schema.optionalKey(FactEvidence),
  })),
  newRelations: Schema.Array(Relation),
  /* What the analyst found in the text (absent in changes staged before it existed). */
  /** Characters the episode introduced (`firstEpisode` = the episode). */
  newCharacters: Schema.optionalKey(Schema.Array(Character)),
  /** Places the episode introduced (`firstEpisode` = the episode). */
  newPlaces: Schema.optionalKey(Schema.Array(Place)),
  /** Relations the episode broke: (from, to, type) of a relation that holds, `until` = the episode. */
  endedRelations: Schema.optionalKey(Schema.Array(Relation)),
  facts: Schema.optionalKey(Schema.Array(Fact)),
})
export type BibleChanges = typeof BibleChanges.Type

/**
 * The Bible changes taken from a draft of an episode that is still in the pipeline. They are
 * kept beside the Bible, marked provisional, until the episode commits (the commit applies
 * its own changes and drops these in the same transaction) or its job dies (they are dropped).
 * The writer of the next episode never sees them: episode n+1 is written from the Bible as
 * the *committed* episode n left it.
 */
export const ProvisionalFacts = Schema.Struct({
  episode: Schema.Int,
  /** Which draft of the episode they came from (a later draft replaces an earlier one's facts). */
  draft: Schema.Int,
  stagedAt: Schema.Int,
  changes: BibleChanges,
})
export type ProvisionalFacts = typeof ProvisionalFacts.Type

export const emptyBibleChanges: BibleChanges = { appearances: [], events: [], statusChanges: [], newRelations: [] }
