import { Schema } from "effect"

export const CharacterStatus = Schema.Literals(["alive", "dead"])
export type CharacterStatus = typeof CharacterStatus.Type

export const Character = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  aliases: Schema.Array(Schema.String),
  role: Schema.String,
  status: CharacterStatus,
  traits: Schema.Array(Schema.String),
  /** Episode the character first appeared in; 0 for the template's cast. */
  firstEpisode: Schema.Int,
  /** Facts taken from a draft are provisional until their episode commits. */
  provisional: Schema.optional(Schema.Boolean),
})
export type Character = typeof Character.Type

export const Place = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
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
  since: Schema.Int,
})
export type Relation = typeof Relation.Type

export const StoryEvent = Schema.Struct({
  episode: Schema.Int,
  description: Schema.String,
  characters: Schema.Array(Schema.String),
  place: Schema.optional(Schema.String),
})
export type StoryEvent = typeof StoryEvent.Type

export const Bible = Schema.Struct({
  characters: Schema.Array(Character),
  places: Schema.Array(Place),
  factions: Schema.Array(Faction),
  items: Schema.Array(Item),
  worldRules: Schema.Array(Schema.String),
  relations: Schema.Array(Relation),
  events: Schema.Array(StoryEvent),
})
export type Bible = typeof Bible.Type

/** What committing one episode changes in the Bible: merged idempotently, in the same transaction as the episode. */
export const BibleChanges = Schema.Struct({
  /** Character ids that appear in the episode. */
  appearances: Schema.Array(Schema.String),
  events: Schema.Array(StoryEvent),
  statusChanges: Schema.Array(Schema.Struct({ character: Schema.String, status: CharacterStatus })),
  newRelations: Schema.Array(Relation),
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
