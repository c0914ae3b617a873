import { Schema } from "effect"
import { CharacterStatus, Faction, Item, Place, RelationType } from "./Bible.ts"
import { Language, LengthBand } from "./Project.ts"

const Id = Schema.String.check(Schema.isPattern(/^[a-z0-9-]{1,64}$/, { message: "Expected an id of 1–64 characters a-z, 0-9 and '-'" }))
/** A non-empty string whose error reads well in a template error (`cast[2].name: Expected a non-empty string`). */
const NonEmpty = Schema.String.check(Schema.isNonEmpty({ message: "Expected a non-empty string" }))

export const TemplateCharacter = Schema.Struct({
  id: Id,
  name: NonEmpty,
  aliases: Schema.optional(Schema.Array(Schema.String)),
  role: NonEmpty,
  status: Schema.optional(CharacterStatus),
  traits: Schema.Array(Schema.String),
})

/** A genre template (`templates/genre/*.yaml`): the seed of a new story's Bible and outline. */
export const GenreTemplate = Schema.Struct({
  name: Id,
  genre: NonEmpty,
  title: NonEmpty,
  language: Schema.optional(Language),
  premise: NonEmpty,
  tone: NonEmpty,
  styleRules: Schema.Array(Schema.String),
  lengthBand: LengthBand,
  bannedWords: Schema.Array(Schema.String),
  cast: Schema.Array(TemplateCharacter).check(Schema.isMinLength(1, { message: "Expected at least one character" })),
  places: Schema.Array(Place).check(Schema.isMinLength(1, { message: "Expected at least one place" })),
  factions: Schema.optional(Schema.Array(Faction)),
  items: Schema.optional(Schema.Array(Item)),
  worldRules: Schema.Array(Schema.String),
  relations: Schema.optional(Schema.Array(Schema.Struct({ from: Id, to: Id, type: RelationType }))),
  beats: Schema.Array(NonEmpty).check(Schema.isMinLength(1, { message: "Expected at least one beat" })),
})
export type GenreTemplate = typeof GenreTemplate.Type
