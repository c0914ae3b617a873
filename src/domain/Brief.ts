import { Schema } from "effect"
import { Character, Place, Relation } from "./Bible.ts"
import { GuardFinding } from "./Episode.ts"
import { LengthBand } from "./Project.ts"

/**
 * Everything the writer needs for one draft, taken from the Bible as the previous
 * episode left it. An LLM provider renders it into a prompt; the offline writer
 * composes prose from it directly.
 */
export const WriterBrief = Schema.Struct({
  project: Schema.String,
  projectTitle: Schema.String,
  genre: Schema.String,
  language: Schema.String,
  episode: Schema.Int,
  seed: Schema.Int,
  /** 1 for the first draft; each guard rejection adds one. */
  draft: Schema.Int,
  premise: Schema.String,
  tone: Schema.String,
  styleRules: Schema.Array(Schema.String),
  bannedWords: Schema.Array(Schema.String),
  beat: Schema.String,
  /** The outline's title for this episode, when it has one; else the writer titles it. */
  episodeTitle: Schema.NullOr(Schema.String),
  /** The beat of the next episode: facts from it must not appear yet. */
  nextBeat: Schema.NullOr(Schema.String),
  previousSummary: Schema.NullOr(Schema.String),
  /**
   * The story so far, oldest first, within a budget: what the Bible's events say of the episodes before
   * the recent ones, then the recent episodes' own summaries.
   */
  storySoFar: Schema.Array(Schema.Struct({ episode: Schema.Int, title: Schema.String, summary: Schema.String })),
  /** Every character dead as of the previous episode, whatever killed them (listed even when not in the cast). */
  deadCharacters: Schema.Array(Schema.Struct({ name: Schema.String, note: Schema.String, episode: Schema.Int })),
  /** Characters of this episode: the beat's and the main cast, with aliases, traits and status. */
  cast: Schema.Array(Character),
  places: Schema.Array(Place),
  relations: Schema.Array(Relation),
  worldRules: Schema.Array(Schema.String),
  lengthBand: LengthBand,
  /** The guard's findings on the previous draft, to be fixed in this one. */
  findingsToFix: Schema.Array(GuardFinding),
  /** Extra instructions from plugins. */
  promptAdditions: Schema.Array(Schema.String),
  /**
   * The Bible's standing facts as the start of the current block of episodes left them (every
   * character, place and relation then, relations since ended left out): consecutive episodes of
   * a block share it, so it forms the cacheable head of the writer's prompt (src/llm/Prompt.ts).
   * What changed since is in `cast`, `places` and `relations`, rendered with the episode.
   */
  standing: Schema.optionalKey(Schema.Struct({
    asOfEpisode: Schema.Int,
    characters: Schema.Array(Character),
    places: Schema.Array(Place),
    relations: Schema.Array(Relation),
  })),
})
export type WriterBrief = typeof WriterBrief.Type
