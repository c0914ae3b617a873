import { Schema } from "effect"

/** A project slug is also a directory and a key: nothing but `[a-z0-9-]`, so no path can be smuggled in. */
export const Slug = Schema.String.check(
  Schema.isPattern(/^[a-z0-9-]{1,64}$/, { message: "a slug is 1–64 characters of a-z, 0-9 and '-'" })
)
export type Slug = typeof Slug.Type

/**
 * Slugs starting `nf-` belong to the factory's own synthetic work (the canary, load tests):
 * users cannot create them, so that work can never land in, or be mistaken for, a user's
 * project. `Slug` itself still accepts them, so stored data with such slugs keeps loading.
 */
export const RESERVED_SLUG_PREFIX = "nf-"
/** Load-test projects: `nf-load-<stamp>-<random>`, created and removed by `novel-factory load`. */
export const LOAD_SLUG_PREFIX = "nf-load-"
/** The canary's one project. */
export const CANARY_SLUG = "nf-canary"

export const isReservedSlug = (slug: string): boolean => slug.startsWith(RESERVED_SLUG_PREFIX)

/** The synthetic work a reserved slug belongs to, or undefined for a user's project. */
export const syntheticSourceOf = (slug: string): "canary" | "load" | "reserved" | undefined =>
  !isReservedSlug(slug) ? undefined : slug === CANARY_SLUG ? "canary" : slug.startsWith(LOAD_SLUG_PREFIX) ? "load" : "reserved"

/**
 * C0 and C1 controls (NUL, ESC, DEL …) and the bidi embeddings, overrides and isolates: each can
 * rewrite what a terminal, a log or a listing shows next to the title.
 */
const DISPLAY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`

/** A title as an operator gives it: printed by `status`, shown by the dashboard, set in exports. */
export const ProjectTitle = Schema.String.check(
  Schema.isMaxLength(200),
  Schema.makeFilter((title: string) => {
    const found = DISPLAY_CONTROL.exec(title)
    return found === null ? true : `a title may not contain control or bidi-override characters (${codePoint(found[0])} at index ${found.index})`
  }),
)

export const EpisodeNumber = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
export type EpisodeNumber = typeof EpisodeNumber.Type

export const Language = Schema.String.check(
  Schema.isPattern(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: "a BCP 47 language tag such as 'ko' or 'en'" })
)

/** Korean web-novel norm: 5,000–5,500 characters with spaces. */
export const LengthBand = Schema.Struct({
  min: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  max: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
})
export type LengthBand = typeof LengthBand.Type

export const Project = Schema.Struct({
  slug: Slug,
  title: Schema.String,
  genre: Schema.String,
  language: Language,
  /** Seed of the deterministic parts of the pipeline (offline writer, jitter-free replays). */
  seed: Schema.Int,
  premise: Schema.String,
  tone: Schema.String,
  styleRules: Schema.Array(Schema.String),
  bannedWords: Schema.Array(Schema.String),
  lengthBand: LengthBand,
  /** The outline: one beat per episode; episodes past the end cycle through the last act. */
  beats: Schema.Array(Schema.String),
  createdAt: Schema.Number,
})
export type Project = typeof Project.Type
