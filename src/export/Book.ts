import { createHash } from "node:crypto"
import { Data, Effect, Option } from "effect"
import type { Episode } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import { type StoreUnavailable, StoryStore } from "../story/StoryStore.ts"
import { chapterOf, type Block } from "./Markup.ts"

export class ExportProjectNotFound extends Data.TaggedError("ExportProjectNotFound")<{ readonly slug: string }> {
  override get message() {
    return `no project '${this.slug}'`
  }
}

/** The project exists but has no committed episode in the requested range. */
export class NoEpisodes extends Data.TaggedError("NoEpisodes")<{
  readonly slug: string
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly committed: number
}> {
  override get message() {
    const range = this.from !== undefined || this.to !== undefined ? ` in ${this.from ?? 1}–${this.to ?? "end"}` : ""
    return this.committed === 0
      ? `project '${this.slug}' has no committed episodes yet: nothing to export`
      : `project '${this.slug}' has no committed episodes${range} (it has ${this.committed})`
  }
}

export interface Chapter {
  readonly number: number
  readonly title: string
  readonly blocks: ReadonlyArray<Block>
  readonly episode: Episode
}

export interface Book {
  readonly project: Project
  readonly chapters: ReadonlyArray<Chapter>
  /** `urn:uuid:…`, the same for every export of this project (UUID v5 of the slug). */
  readonly identifier: string
  /** Latest commit time among the chapters (epoch ms): the book's modification date. */
  readonly modified: number
  readonly creator: string
}

/** RFC 4122 UUID v5 (SHA-1, name-based) of `name` in `namespace`. */
export const uuidV5 = (name: string, namespace: string): string => {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex")
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The URL namespace of RFC 4122; names are `novel-factory:project:<slug>`. */
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
export const bookIdentifier = (slug: string): string => `urn:uuid:${uuidV5(`novel-factory:project:${slug}`, URL_NAMESPACE)}`

/** Loads a project and its committed episodes `from`..`to` (inclusive) as a book. */
export const loadBook = (
  slug: string,
  range: { readonly from?: number | undefined; readonly to?: number | undefined; readonly creator?: string | undefined } = {},
): Effect.Effect<Book, ExportProjectNotFound | NoEpisodes | StoreUnavailable, StoryStore> =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const project = yield* store.getProject(slug)
    if (Option.isNone(project)) return yield* new ExportProjectNotFound({ slug })
    const summaries = yield* store.listEpisodes(slug)
    const wanted = summaries
      .filter((s) => (range.from === undefined || s.number >= range.from) && (range.to === undefined || s.number <= range.to))
      .sort((a, b) => a.number - b.number)
    if (wanted.length === 0) return yield* new NoEpisodes({ slug, from: range.from, to: range.to, committed: summaries.length })
    const chapters: Array<Chapter> = []
    for (const s of wanted) {
      const episode = yield* store.getEpisode(slug, s.number)
      if (Option.isNone(episode)) continue
      const { title, blocks } = chapterOf(episode.value.title, episode.value.body)
      chapters.push({ number: s.number, title, blocks, episode: episode.value })
    }
    if (chapters.length === 0) return yield* new NoEpisodes({ slug, from: range.from, to: range.to, committed: summaries.length })
    return {
      project: project.value,
      chapters,
      identifier: bookIdentifier(slug),
      modified: Math.max(project.value.createdAt, ...chapters.map((c) => c.episode.committedAt)),
      creator: range.creator ?? "novel-factory",
    }
  })
