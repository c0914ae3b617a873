import { Schema } from "effect"
import { CharacterStatus, Faction, Item, Place, RelationType } from "./Bible.ts"
import { Language, LengthBand } from "./Project.ts"

const Id = Schema.String.check(Schema.isPattern(/^[a-z0-9-]{1,64}$/, { message: "an id of a-z, 0-9 and '-'" }))

export const TemplateCharacter = Schema.Struct({
  id: Id,
  name: Schema.NonEmptyString,
  aliases: Schema.optional(Schema.Array(Schema.String)),
  role: Schema.NonEmptyString,
  status: Schema.optional(CharacterStatus),
  traits: Schema.Array(Schema.String),
})

/** A genre template (`templates/genre/*.yaml`): the seed of a new story's Bible and outline. */
export const GenreTemplate = Schema.Struct({
  name: Id,
  genre: Schema.NonEmptyString,
  title: Schema.NonEmptyString,
  language: Schema.optional(Language),
  premise: Schema.NonEmptyString,
  tone: Schema.NonEmptyString,
  styleRules: Schema.Array(Schema.String),
  lengthBand: LengthBand,
  bannedWords: Schema.Array(Schema.String),
  cast: Schema.Array(TemplateCharacter).check(Schema.isMinLength(1)),
  places: Schema.Array(Place).check(Schema.isMinLength(1)),
  factions: Schema.optional(Schema.Array(Faction)),
  items: Schema.optional(Schema.Array(Item)),
  worldRules: Schema.Array(Schema.String),
  relations: Schema.optional(Schema.Array(Schema.Struct({ from: Id, to: Id, type: RelationType }))),
  beats: Schema.Array(Schema.NonEmptyString).check(Schema.isMinLength(1)),
})
export type GenreTemplate = typeof GenreTemplate.Type
